/// The daemon's latest analysis, rendered once when it is made so that serving is a copy.
public struct PublishedStatus: Sendable {
    /// `/status` as JSON.
    public var json: [UInt8]
    /// `/status?format=text`: the same text as `podnetd check`.
    public var text: String
    /// When the analysis finished (monotonic).
    public var analyzedAt: ContinuousClock.Instant

    public init(json: [UInt8], text: String, analyzedAt: ContinuousClock.Instant) {
        self.json = json
        self.text = text
        self.analyzedAt = analyzedAt
    }
}
