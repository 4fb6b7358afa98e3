import Synchronization

/// The daemon's latest analysis, as the HTTP server serves it.
///
/// The text is rendered when the status is made (it is small: findings are grouped by check). The
/// JSON holds every finding with its explanation (7 MB at 5,000 findings) and took a fifth of a
/// mass failure's analysis time to encode: so it is encoded once per analysis and kept, by
/// `StatusBoard.publish` in the background right after publication (or by the first reader, when
/// the status was never published).
public struct PublishedStatus: Sendable {
    /// `/status` as JSON.
    public var json: [UInt8] { encodedJSON.value }
    /// `/status?format=text`: the same text as `podnetd check`.
    public var text: String
    /// When the analysis finished (monotonic).
    public var analyzedAt: ContinuousClock.Instant
    /// The analysed snapshot, for `/explain`.
    public var explain: ExplainSource?

    private let encodedJSON: EncodedOnce

    /// A status whose JSON is already encoded.
    public init(json: [UInt8], text: String, analyzedAt: ContinuousClock.Instant, explain: ExplainSource? = nil) {
        self.encodedJSON = EncodedOnce { json }
        self.text = text
        self.analyzedAt = analyzedAt
        self.explain = explain
    }

    /// A status from a document: text now, JSON on first use.
    public init(document: StatusDocument, analyzedAt: ContinuousClock.Instant, explain: ExplainSource? = nil) {
        self.init(text: document.text(), analyzedAt: analyzedAt, explain: explain) { document.json() }
    }

    /// A status whose JSON `encode` makes on first use (tests time it).
    init(
        text: String, analyzedAt: ContinuousClock.Instant, explain: ExplainSource? = nil,
        encode: @escaping @Sendable () -> [UInt8]
    ) {
        self.encodedJSON = EncodedOnce(encode)
        self.text = text
        self.analyzedAt = analyzedAt
        self.explain = explain
    }
}

/// Bytes computed by the first reader and kept for the others (readers wait for the first).
final class EncodedOnce: Sendable {
    private let state: Mutex<[UInt8]?> = Mutex(nil)
    private let encode: @Sendable () -> [UInt8]

    init(_ encode: @escaping @Sendable () -> [UInt8]) {
        self.encode = encode
    }

    var value: [UInt8] {
        state.withLock { bytes in
            if let bytes { return bytes }
            let encoded = encode()
            bytes = encoded
            return encoded
        }
    }
}
