/// The daemon's latest analysis, rendered once when it is made so that serving is a copy.
public struct PublishedStatus: Sendable {
    /// `/status` as JSON.
    public var json: [UInt8]
    /// `/status?format=text`: the same text as `podnetd check`.
    public var text: String
    /// When the analysis finished (monotonic).
    public var analyzedAt: ContinuousClock.Instant
    /// The analysed snapshot, for `/explain`.
    public var explain: ExplainSource?

    public init(json: [UInt8], text: String, analyzedAt: ContinuousClock.Instant, explain: ExplainSource? = nil) {
        self.json = json
        self.text = text
        self.analyzedAt = analyzedAt
        self.explain = explain
    }
}
