/// Something the server did to protect itself that its operator should hear about: a client
/// refused or displaced, or the process out of file descriptors. Reported through the server's
/// `onEvent` callback, at most once per kind every `HTTPServerEventLimiter.intervalSeconds`, with how
/// often it happened since the last report.
public struct HTTPServerEvent: Sendable, Equatable, CustomStringConvertible {
    /// What happened.
    public enum Kind: String, Sendable, CaseIterable {
        /// A new connection was answered 503 and closed.
        case refused
        /// A connection waiting for a request was closed to make room for a new one.
        case displaced
        /// `accept` failed for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM):
        /// accepting pauses for 100 ms each time.
        case acceptFailed
    }

    /// What happened.
    public var kind: Kind
    /// The last occurrence, e.g. `127.0.0.1: all connection slots are taken`.
    public var detail: String
    /// Occurrences since the last report of this kind, this one included.
    public var count: Int

    /// Creates an event.
    public init(kind: Kind, detail: String, count: Int) {
        self.kind = kind
        self.detail = detail
        self.count = count
    }

    /// One log line.
    public var description: String {
        let what: String
        switch kind {
        case .refused: what = "HTTP connection refused with 503"
        case .displaced: what = "idle HTTP connection closed to make room"
        case .acceptFailed: what = "cannot accept HTTP connections"
        }
        let times = count == 1 ? "" : " (\(count) times in the last \(HTTPServerEventLimiter.intervalSeconds) s)"
        return "\(what): \(detail)\(times)"
    }
}

/// At most one `HTTPServerEvent` per kind per interval (an `OccurrenceLimiter`): the first is
/// reported at once, later ones are counted and reported when the interval has passed.
struct HTTPServerEventLimiter {
    static let intervalSeconds = 10

    private var limiter = OccurrenceLimiter<HTTPServerEvent.Kind>(intervalSeconds: intervalSeconds)

    /// Records one occurrence; returns the event to report now, if any.
    mutating func record(_ kind: HTTPServerEvent.Kind, detail: String, now: UInt64) -> HTTPServerEvent? {
        limiter.record(kind, detail: detail, now: now).map(Self.event)
    }

    /// Events whose interval has passed with occurrences still unreported.
    mutating func flush(now: UInt64) -> [HTTPServerEvent] {
        limiter.flush(now: now).map(Self.event)
    }

    /// When `flush` next has something to report; nil when nothing is pending.
    var nextFlush: UInt64? { limiter.nextFlush }

    private static func event(_ report: OccurrenceLimiter<HTTPServerEvent.Kind>.Report) -> HTTPServerEvent {
        HTTPServerEvent(kind: report.kind, detail: report.detail, count: report.count)
    }
}
