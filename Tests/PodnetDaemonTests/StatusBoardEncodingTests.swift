import Foundation
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
