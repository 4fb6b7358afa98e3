import Testing

@testable import PodnetHTTP

/// `SlotPolicy`: who gets a slot when a client connects and the slots are scarce.
@Suite struct SlotPolicyTests {
    let policy = SlotPolicy(maxConnections: 4, maxPerPeer: 3)

    func occupant(_ index: Int, _ peer: String, waitingSince: UInt64?) -> SlotPolicy.Occupant {
        SlotPolicy.Occupant(index: index, peer: peer, waitingSince: waitingSince)
    }

    @Test("a free slot admits the newcomer")
    func freeSlot() {
        #expect(policy.admit(peer: "127.0.0.1", occupants: []) == .admit)
        let two = [occupant(0, "127.0.0.1", waitingSince: 5), occupant(1, "127.0.0.2", waitingSince: 7)]
        #expect(policy.admit(peer: "127.0.0.1", occupants: two) == .admit)
    }

    @Test("a full server displaces the longest-waiting connection of the peer holding the most slots")
    func fullServerDisplacesTheHog() {
        let occupants = [
            occupant(0, "127.0.0.9", waitingSince: 1),  // waited longest, but its peer holds one slot
            occupant(1, "127.0.0.1", waitingSince: 30),
            occupant(2, "127.0.0.1", waitingSince: 20),
            occupant(3, "127.0.0.1", waitingSince: nil),  // busy answering: never displaced
        ]
        #expect(
            policy.admit(peer: "127.0.0.5", occupants: occupants) == .admitDisplacing(index: 2, reason: .serverFull))
    }

    @Test("when the hog's connections are all busy, another peer's waiting connection gives way")
    func hogBusy() {
        let occupants = [
            occupant(0, "127.0.0.1", waitingSince: nil), occupant(1, "127.0.0.1", waitingSince: nil),
            occupant(2, "127.0.0.2", waitingSince: 50), occupant(3, "127.0.0.3", waitingSince: 40),
        ]
        #expect(
            policy.admit(peer: "127.0.0.5", occupants: occupants) == .admitDisplacing(index: 3, reason: .serverFull))
    }

    @Test("only when every slot is busy answering is the newcomer refused")
    func allBusy() {
        let occupants = (0..<4).map { occupant($0, "127.0.0.\($0)", waitingSince: nil) }
        #expect(policy.admit(peer: "127.0.0.9", occupants: occupants) == .refuse(.serverFull))
    }

    @Test("a peer at its cap gives up its own longest-waiting connection, even with slots free")
    func peerCap() {
        let occupants = [
            occupant(0, "127.0.0.1", waitingSince: 10), occupant(1, "127.0.0.1", waitingSince: 5),
            occupant(2, "127.0.0.1", waitingSince: nil),
        ]
        #expect(policy.admit(peer: "127.0.0.1", occupants: occupants) == .admitDisplacing(index: 1, reason: .peerLimit))
        #expect(policy.admit(peer: "127.0.0.2", occupants: occupants) == .admit)
        let busy = (0..<3).map { occupant($0, "127.0.0.1", waitingSince: nil) }
        #expect(policy.admit(peer: "127.0.0.1", occupants: busy) == .refuse(.peerLimit))
    }

    @Test("an attacker holding every slot with keep-alive connections cannot keep a scrape out")
    func attackerCannotStarveAScrape() {
        // 256 slots, all the attacker's (same loopback address as the scraper), each refreshed by a
        // request now and then: whichever waited longest gives way to each newcomer.
        let policy = SlotPolicy(maxConnections: 256, maxPerPeer: 64)
        var occupants = (0..<64).map { occupant($0, "127.0.0.1", waitingSince: UInt64(1000 + $0)) }
        occupants += (64..<256).map { occupant($0, "127.0.0.\(2 + $0 % 100)", waitingSince: UInt64(1000 + $0)) }
        #expect(policy.admit(peer: "127.0.0.1", occupants: occupants) == .admitDisplacing(index: 0, reason: .peerLimit))
        #expect(
            policy.admit(peer: "127.0.0.250", occupants: occupants) == .admitDisplacing(index: 0, reason: .serverFull))
    }
}

/// `HTTPServerEventLimiter`: at most one report per kind per interval, with the count since.
@Suite struct HTTPServerEventLimiterTests {
    let second: UInt64 = 1_000_000_000

    @Test("the first occurrence is reported at once, the rest of the interval counted and flushed after it")
    func rateLimited() {
        var limiter = HTTPServerEventLimiter()
        let first = limiter.record(.refused, detail: "127.0.0.1: full", now: 100 * second)
        #expect(first == HTTPServerEvent(kind: .refused, detail: "127.0.0.1: full", count: 1))
        for offset in 1...99 {
            #expect(
                limiter.record(
                    .refused, detail: "127.0.0.\(offset): full", now: 100 * second + UInt64(offset) * 10_000_000) == nil
            )
        }
        // Another kind has its own interval.
        #expect(limiter.record(.acceptFailed, detail: "EMFILE", now: 101 * second) != nil)
        #expect(limiter.nextFlush == 110 * second)
        #expect(limiter.flush(now: 109 * second).isEmpty)
        let flushed = limiter.flush(now: 110 * second)
        #expect(flushed == [HTTPServerEvent(kind: .refused, detail: "127.0.0.99: full", count: 99)])
        #expect(
            flushed.first?.description
                == "HTTP connection refused with 503: 127.0.0.99: full (99 times in the last 10 s)")
        #expect(limiter.nextFlush == nil)
        // Quiet for an interval: the next one is reported at once again.
        #expect(limiter.record(.refused, detail: "x", now: 125 * second)?.count == 1)
    }
}
