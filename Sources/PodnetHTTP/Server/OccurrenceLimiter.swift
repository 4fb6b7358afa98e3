/// Turns a stream of occurrences of a few kinds into at most one report per kind per interval: the
/// first is reported at once, later ones are counted and reported (with the latest detail) once the
/// interval has passed. Pure: the caller passes the time (nanoseconds of a monotonic clock) and
/// emits what it returns. The HTTP server limits its protection events with it, the daemon its
/// reload log lines.
public struct OccurrenceLimiter<Kind: Hashable & CaseIterable & Sendable>: Sendable {
    /// One report: the latest detail of `kind` and how often it happened since the last report.
    public struct Report: Sendable, Equatable {
        public var kind: Kind
        public var detail: String
        /// Occurrences since the last report of this kind, this one included.
        public var count: Int
    }

    /// The interval in nanoseconds.
    public let interval: UInt64

    private struct Pending: Sendable {
        var detail: String
        var count: Int
    }

    private var lastReported: [Kind: UInt64] = [:]
    private var lastDetail: [Kind: String] = [:]
    private var pending: [Kind: Pending] = [:]

    public init(intervalSeconds: Int) {
        interval = UInt64(intervalSeconds) * 1_000_000_000
    }

    /// Records one occurrence; returns the report to make now, if any.
    public mutating func record(_ kind: Kind, detail: String, now: UInt64) -> Report? {
        var entry = pending[kind] ?? Pending(detail: detail, count: 0)
        entry.detail = detail
        entry.count += 1
        if let last = lastReported[kind], now < last &+ interval {
            pending[kind] = entry
            return nil
        }
        pending[kind] = nil
        lastReported[kind] = now
        lastDetail[kind] = entry.detail
        return Report(kind: kind, detail: entry.detail, count: entry.count)
    }

    /// As `record`, except that a detail unlike the last one reported of this kind is reported at
    /// once, after the still unreported occurrences of the old one: new information is not held
    /// back (a config error fixed and followed by the next one), repetitions are.
    public mutating func recordChange(_ kind: Kind, detail: String, now: UInt64) -> [Report] {
        guard let last = lastDetail[kind], last != detail else { return record(kind, detail: detail, now: now).map { [$0] } ?? [] }
        var reports: [Report] = []
        if let entry = pending.removeValue(forKey: kind) {
            reports.append(Report(kind: kind, detail: entry.detail, count: entry.count))
        }
        lastReported[kind] = now
        lastDetail[kind] = detail
        reports.append(Report(kind: kind, detail: detail, count: 1))
        return reports
    }

    /// Reports whose interval has passed with occurrences still unreported, in the kinds' order.
    public mutating func flush(now: UInt64) -> [Report] {
        var due: [Report] = []
        for kind in Kind.allCases {
            guard let entry = pending[kind], let last = lastReported[kind], now >= last &+ interval else { continue }
            pending[kind] = nil
            lastReported[kind] = now
            lastDetail[kind] = entry.detail
            due.append(Report(kind: kind, detail: entry.detail, count: entry.count))
        }
        return due
    }

    /// When `flush` next has something to report; nil when nothing is pending.
    public var nextFlush: UInt64? {
        pending.keys.compactMap { lastReported[$0].map { $0 &+ interval } }.min()
    }
}
