import PodnetHTTP
import Testing

/// `OccurrenceLimiter.recordChange`: repetitions are limited, a new detail is reported at once.
@Suite struct OccurrenceLimiterTests {
    enum Kind: CaseIterable, Sendable { case failed }
    let second: UInt64 = 1_000_000_000

    @Test("a new detail is reported at once, after the count of the old one still pending; repeats wait for the interval")
    func newDetailReportedAtOnce() {
        var limiter = OccurrenceLimiter<Kind>(intervalSeconds: 10)
        #expect(limiter.recordChange(.failed, detail: "a", now: 100 * second).map(\.count) == [1])
        #expect(limiter.recordChange(.failed, detail: "a", now: 101 * second).isEmpty)
        #expect(limiter.recordChange(.failed, detail: "a", now: 102 * second).isEmpty)
        let changed = limiter.recordChange(.failed, detail: "b", now: 103 * second)
        #expect(changed.map(\.detail) == ["a", "b"])
        #expect(changed.map(\.count) == [2, 1])
        #expect(limiter.nextFlush == nil, "nothing pending after the change")
        #expect(limiter.recordChange(.failed, detail: "b", now: 104 * second).isEmpty)
        #expect(limiter.flush(now: 113 * second).map(\.count) == [1])
    }
}
