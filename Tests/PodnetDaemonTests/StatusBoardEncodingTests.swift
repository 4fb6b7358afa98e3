import Foundation
import PodnetAnalysis
import PodnetModel
import Synchronization
import Testing

@testable import PodnetDaemon

/// The /status JSON is encoded when a status is published, on the board's own thread: the HTTP
/// loop, which serves every client (/healthz included) on one thread, must not encode it.
@Suite struct StatusBoardEncodingTests {
    /// Waits up to 10 s for `condition`.
    func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            if ContinuousClock.now > deadline { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return true
    }

    @Test("publishing encodes the JSON without a reader; a reader after that does not encode")
    func encodedOnPublication() {
        let encodings = Atomic<Int>(0)
        let board = StatusBoard(freshnessLimit: .seconds(60))
        board.publish(
            PublishedStatus(text: "", analyzedAt: .now) {
                Thread.sleep(forTimeInterval: 0.2)  // a 5,000-finding report takes about this long
                encodings.add(1, ordering: .relaxed)
                return [1, 2, 3]
            })
        #expect(eventually { encodings.load(ordering: .relaxed) == 1 }, "nobody read it, yet it must be encoded")
        let clock = ContinuousClock()
        var bytes: [UInt8] = []
        let readTook = clock.measure { bytes = board.latest?.json ?? [] }
        #expect(bytes == [1, 2, 3])
        #expect(readTook < .milliseconds(100), "the reader encoded: \(readTook)")
        #expect(encodings.load(ordering: .relaxed) == 1)
    }

    @Test("under churn only the newest status is encoded; a superseded one never is")
    func newestOnly() {
        let board = StatusBoard(freshnessLimit: .seconds(60))
        let release = DispatchSemaphore(value: 0)
        let first = Atomic<Int>(0)
        let second = Atomic<Int>(0)
        let third = Atomic<Int>(0)
        board.publish(
            PublishedStatus(text: "", analyzedAt: .now) {
                release.wait()  // holds the encoder until the others are published
                first.add(1, ordering: .relaxed)
                return [1]
            })
        board.publish(
            PublishedStatus(text: "", analyzedAt: .now) {
                second.add(1, ordering: .relaxed)
                return [2]
            })
        board.publish(
            PublishedStatus(text: "", analyzedAt: .now) {
                third.add(1, ordering: .relaxed)
                return [3]
            })
        release.signal()
        #expect(eventually { third.load(ordering: .relaxed) == 1 })
        #expect(second.load(ordering: .relaxed) == 0)
        #expect(board.latest?.json == [3])
        #expect(third.load(ordering: .relaxed) == 1)
    }
}

/// /explain's routing index is built on the board's thread after publication while /explain is in
/// use, so the HTTP loop does not build it; not at all while nobody asks (CPU and memory).
@Suite struct StatusBoardExplainIndexTests {
    func source() -> ExplainSource {
        let snapshot = NodeSnapshot(
            hostname: "test", links: [Link(index: 1, name: "lo", flags: [.loopback, .up, .lowerUp])],
            routes: [Route(destination: IPPrefix("10.0.0.0/24")!, nextHops: [NextHop(interfaceIndex: 1)])])
        let report = Analyzer.analyze(snapshot: snapshot, expectations: Expectations(), checkedAt: "")
        return ExplainSource(snapshot: snapshot, expectations: Expectations(), report: report)
    }

    @Test("after an /explain, each new snapshot is indexed without a reader; never without /explain")
    func indexedInTheBackgroundWhileInUse() {
        let encoding = StatusBoardEncodingTests()
        let board = StatusBoard(freshnessLimit: .seconds(60))
        let unused = source()
        board.publish(PublishedStatus(json: [1], text: "", analyzedAt: .now, explain: unused))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!unused.isIndexed, "indexed although nobody asks /explain")

        board.explainRequested()
        let used = source()
        board.publish(PublishedStatus(json: [2], text: "", analyzedAt: .now, explain: used))
        #expect(encoding.eventually { used.isIndexed }, "not indexed after publication while /explain is in use")

        board.explainRequested(at: .now - StatusBoard.explainInUse - .seconds(1))
        let idle = source()
        board.publish(PublishedStatus(json: [3], text: "", analyzedAt: .now, explain: idle))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!idle.isIndexed, "still indexed long after the last /explain")
    }
}
