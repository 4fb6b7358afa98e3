import Foundation
import PodnetModel
import PodnetNetlink
import PodnetTestSupport
import Testing

/// Dumps overlapped by concurrent changes (announced, or marked NLM_F_DUMP_INTR by the kernel) are redone
/// rather than returned half-changed.
@Suite struct DumpRetryTests {
    @Test func dumpsInterruptedByConcurrentChangesAreRedone() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try ns.ip("link", "add", "churn0", "type", "veth", "peer", "name", "churn1")
            try ns.ip("link", "set", "churn0", "up")
            try ns.ip("link", "set", "churn1", "up")
            // Enough addresses and routes that a dump spans many datagrams.
            var batch = (0..<4000).map {
                "address add 10.\(60 + $0 / 65536).\($0 / 256 % 256).\($0 % 256)/32 dev churn0"
            }
            batch += (0..<20_000).map { "route add 10.\(100 + $0 / 65536).\($0 / 256 % 256).\($0 % 256)/32 dev churn0" }
            try ns.ipBatch(batch)

            // Change an address and a route every ~50 ms for 3 seconds while dumping: often enough to
            // interrupt dumps, not so often that five attempts in a row are interrupted.
            let churn =
                "end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do "
                + "ip address add 10.250.0.1/32 dev churn0; ip route add 10.251.0.0/24 dev churn0; sleep 0.05; "
                + "ip address del 10.250.0.1/32 dev churn0; ip route del 10.251.0.0/24 dev churn0; sleep 0.05; done"
            let churnDone = DispatchSemaphore(value: 0)
            let churner = Thread {
                _ = try? ns.run(["sh", "-c", churn], timeout: .seconds(10))
                churnDone.signal()
            }
            churner.start()
            // The loop ends on its own; wait for it before the namespace goes.
            defer { churnDone.wait() }

            // Only this test's own reads are counted: statistics of each call, not a process-wide counter.
            var statistics = DumpStatistics()
            var snapshots = 0
            var uncertain = 0
            var failures: [String] = []
            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline && statistics.redone == 0 {
                let (result, figures) = try ns.snapshotAttempt()
                statistics.add(figures)
                switch result {
                case .success(let snapshot):
                    snapshots += 1
                    let churn0 = snapshot.links.first { $0.name == "churn0" }?.index
                    let churnAddresses = snapshot.addresses.filter { $0.family == .ipv4 && $0.interfaceIndex == churn0 }
                    // 4000, plus the churned one when the dump caught it: never a torn list.
                    #expect(churnAddresses.count == 4000 || churnAddresses.count == 4001)
                case .failure(let error) where error.isInconsistentState:
                    uncertain += 1
                case .failure(let error):
                    failures.append("\(error)")
                }
            }
            #expect(
                statistics.redone > 0,
                "a dump overlapped by a change was redone (\(snapshots) snapshots, \(uncertain) uncertain, \(statistics))")
            #expect(failures.isEmpty, "snapshots failed: \(failures)")
        }
    }
}
