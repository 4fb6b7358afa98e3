/// Something the server did to protect itself that its operator should hear about: a client
/// refused or displaced, or the process out of file descriptors. Reported through the server's
/// `onEvent` callback, at most once per kind every `HTTPServerEventLimiter.interval`, with how
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

/// Turns a stream of occurrences into at most one `HTTPServerEvent` per kind per interval: the
/// first is reported at once, later ones are counted and reported when the interval has passed.
/// Pure: the caller passes the time and emits what it returns.
struct HTTPServerEventLimiter {
    static let intervalSeconds = 10
    static let interval: UInt64 = UInt64(intervalSeconds) * 1_000_000_000

    private struct Pending {
        var detail: String
        var count: Int
    }

    private var lastReported: [HTTPServerEvent.Kind: UInt64] = [:]
    private var pending: [HTTPServerEvent.Kind: Pending] = [:]

    /// Records one occurrence; returns the event to report now, if any.
    mutating func record(_ kind: HTTPServerEvent.Kind, detail: String, now: UInt64) -> HTTPServerEvent? {
        var entry = pending[kind] ?? Pending(detail: detail, count: 0)
        entry.detail = detail
        entry.count += 1
        if let last = lastReported[kind], now < last &+ Self.interval {
            pending[kind] = entry
            return nil
        }
        pending[kind] = nil
        lastReported[kind] = now
        return HTTPServerEvent(kind: kind, detail: entry.detail, count: entry.count)
    }

    /// Events whose interval has passed with occurrences still unreported.
    mutating func flush(now: UInt64) -> [HTTPServerEvent] {
        var due: [HTTPServerEvent] = []
        for kind in HTTPServerEvent.Kind.allCases {
            guard let entry = pending[kind], let last = lastReported[kind], now >= last &+ Self.interval else {
                continue
            }
            pending[kind] = nil
            lastReported[kind] = now
            due.append(HTTPServerEvent(kind: kind, detail: entry.detail, count: entry.count))
        }
        return due
    }

    /// When `flush` next has something to report; nil when nothing is pending.
    var nextFlush: UInt64? {
        pending.keys.compactMap { lastReported[$0].map { $0 &+ Self.interval } }.min()
    }
}
