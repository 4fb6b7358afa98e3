import Foundation
import PodnetModel
import PodnetNetlink
import PodnetTestSupport
import Synchronization
import Testing

/// Snapshots read while writers keep changing the route tables are the kernel's state at one moment:
/// never a route repeated or skipped (an IPv6 route dump under churn does both without the kernel
/// flagging it), or else an "uncertain" error — never a torn view that would make a route look missing.
@Suite struct DumpConsistencyTests {
    /// Routes nobody touches during the test (IPv6 /128s and IPv4 /32s through `bulk0`).
    static let stableIPv6 = 40_000
    static let stableIPv4 = 10_000
    /// Routes the writers add and delete in bursts, in prefixes of their own.
    static let churnIPv6 = IPPrefix("fd00:11::/64")!
    static let churnIPv4 = IPPrefix("10.100.0.0/16")!
    /// Snapshots are read under churn for at least this long and until `consistentSnapshots` succeeded,
    /// at most `longestChurn`.
    static let shortestChurn: Duration = .seconds(15)
    static let longestChurn: Duration = .seconds(75)
    static let consistentSnapshots = 4

    @Test func snapshotsUnderChurnAreConsistentOrUncertain() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "dump-consistency") { ns in
            // No duplicate address detection: the link-local addresses must not leave `tentative`
            // (and gain their local routes) while snapshots are compared; under load DAD can take
            // longer than the first snapshots.
            try ns.sysctl("net.ipv6.conf.all.accept_dad", "0")
            try ns.sysctl("net.ipv6.conf.default.accept_dad", "0")
            try ns.ip("link", "add", "bulk0", "type", "veth", "peer", "name", "bulk1")
            try ns.ip("link", "set", "bulk0", "up")
            try ns.ip("link", "set", "bulk1", "up")
            try ns.ipBatch((0..<Self.stableIPv6).map { "route add fd00:aa::\(String($0, radix: 16))/128 dev bulk0" })
            try ns.ipBatch((0..<Self.stableIPv4).map { "route add 10.\(200 + $0 / 65536).\($0 / 256 % 256).\($0 % 256)/32 dev bulk0" })

            // Writers: bursts of 2,000 route changes per family (add, then delete), with pauses of
            // 0-2.9 s so that some dumps can complete between bursts. The churned IPv6 routes sort
            // before the stable ones: the kernel resumes an IPv6 dump by count, so they shift it.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-churn-\(ns.name)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let files = [
                ("add6", (0..<2000).map { "route add fd00:11::\(String($0, radix: 16))/128 dev bulk0" }),
                ("del6", (0..<2000).map { "route del fd00:11::\(String($0, radix: 16))/128 dev bulk0" }),
                ("add4", (0..<2000).map { "route add 10.100.\($0 / 256).\($0 % 256)/32 dev bulk0" }),
                ("del4", (0..<2000).map { "route del 10.100.\($0 / 256).\($0 % 256)/32 dev bulk0" }),
            ]
            for (name, lines) in files {
                try (lines.joined(separator: "\n") + "\n").write(
                    to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            // The writers stop when the test creates `stop` (or after 90 s).
            let stop = directory.appendingPathComponent("stop")
            let writersDone = DispatchSemaphore(value: 0)
            for family in ["6", "4"] {
                let script =
                    "cd \(directory.path); end=$(($(date +%s) + 90)); "
                    + "while [ ! -e stop ] && [ $(date +%s) -lt $end ]; do ip -batch add\(family); ip -batch del\(family); "
                    + "sleep $((RANDOM % 3)).$((RANDOM % 10)); done"
                Thread {
                    _ = try? ns.run(["bash", "-c", script], timeout: .seconds(120))
                    writersDone.signal()
                }.start()
            }
            let ipDumpsStop = Atomic<Bool>(false)
            // Stop the writers (and the iproute2 dumps below) and wait for the writers before the
            // namespace goes, even on failure.
            var waitedForWriters = false
            defer {
                ipDumpsStop.store(true, ordering: .relaxed)
                if !waitedForWriters {
                    FileManager.default.createFile(atPath: stop.path, contents: nil)
                    writersDone.wait()
                    writersDone.wait()
                }
            }

            // iproute2 under the same churn, for comparison: how often its dump is torn.
            let ipDumps = Mutex<(total: Int, torn: Int)>((0, 0))
            let ipDumper = Thread {
                while !ipDumpsStop.load(ordering: .relaxed) {
                    guard let listing = try? ns.exec(["ip", "-6", "route", "show", "table", "main"]) else { continue }
                    let stable = listing.split(separator: "\n").filter { $0.hasPrefix("fd00:aa::") }
                    let torn = stable.count != Self.stableIPv6 || Set(stable).count != stable.count
                    ipDumps.withLock { $0.total += 1; $0.torn += torn ? 1 : 0 }
                }
            }
            ipDumper.start()

            var statistics = DumpStatistics()
            var consistent: [NodeSnapshot] = []
            var uncertain = 0
            var otherErrors: [String] = []
            let started = ContinuousClock.now
            while ContinuousClock.now - started < Self.longestChurn {
                if ContinuousClock.now - started >= Self.shortestChurn && consistent.count >= Self.consistentSnapshots {
                    break
                }
                let (result, figures) = try ns.snapshotAttempt()
                statistics.add(figures)
                switch result {
                case .success(let snapshot):
                    consistent.append(snapshot.withoutChurn)
                case .failure(let error) where error.isInconsistentState:
                    uncertain += 1
                case .failure(let error):
                    otherErrors.append("\(error)")
                }
            }
            ipDumpsStop.store(true, ordering: .relaxed)
            FileManager.default.createFile(atPath: stop.path, contents: nil)
            writersDone.wait()
            writersDone.wait()
            waitedForWriters = true
            while ipDumper.isExecuting { Thread.sleep(forTimeInterval: 0.05) }

            // Quiesced: the kernel's state, as iproute2 and a fresh snapshot see it.
            let quiesced = try ns.perform { try NetlinkSnapshotReader().snapshot() }
            let listing4 = try ns.ipJSON("-4", "route", "show", "table", "all")
            let listing6 = try ns.ipJSON("-6", "route", "show", "table", "all")
            let names = Dictionary(quiesced.links.map { ($0.name, $0.index.rawValue) }, uniquingKeysWith: { first, _ in first })
            let expected = listing4.map { canonicalRoute($0, family: .ipv4, names: names) }
                + listing6.map { canonicalRoute($0, family: .ipv6, names: names) }
            let quiescedDifference = multisetDifference(expected: expected, actual: quiesced.routes.map(canonical))
            #expect(quiescedDifference.isEmpty, "quiesced snapshot against ip route show:\n\(quiescedDifference)")
            #expect(quiesced.routes.count == expected.count)

            // Every snapshot read under churn equals the quiesced state, churned prefixes aside.
            let reference = quiesced.withoutChurn
            var torn = 0
            for (number, snapshot) in consistent.enumerated() {
                let difference = snapshotDifference(maintained: snapshot, fresh: reference)
                if !difference.isEmpty {
                    torn += 1
                    if torn <= 2 { Issue.record("snapshot \(number) read under churn is torn:\n\(difference.prefix(2000))") }
                }
                let stable6 = snapshot.routes.count { IPPrefix("fd00:aa::/64")!.contains($0.destination) }
                #expect(stable6 == Self.stableIPv6, "snapshot \(number): \(stable6) of the stable IPv6 routes")
            }
            let (ipTotal, ipTorn) = ipDumps.withLock { ($0.total, $0.torn) }
            print(
                "dump consistency under churn: \(consistent.count + uncertain) snapshots (\(consistent.count) consistent, "
                    + "\(uncertain) uncertain, \(torn) torn); \(statistics.dumps) dumps, \(statistics.redone) redone "
                    + "(\(statistics.changedDuringDump) changed during the dump, \(statistics.interruptedByKernel) flagged "
                    + "NLM_F_DUMP_INTR by the kernel, \(statistics.watchOverruns) watch overruns), "
                    + "\(statistics.duplicatesDropped) repeated entries dropped, \(statistics.notifications) notifications; "
                    + "ip -6 route show under the same churn: \(ipTorn) of \(ipTotal) dumps torn")
            #expect(otherErrors.isEmpty, "snapshots failed: \(otherErrors)")
            #expect(torn == 0)
            // The test means something only if the churn overlapped dumps, and snapshots still succeeded.
            #expect(statistics.changedDuringDump > 0, "changes overlapped dumps and were caught")
            #expect(consistent.count >= 2, "consistent snapshots between bursts (\(consistent.count))")
        }
    }
}

extension NodeSnapshot {
    /// The snapshot without the churned routes and without what changes from one read to the next.
    fileprivate var withoutChurn: NodeSnapshot {
        var copy = self
        copy.capturedAt = ""
        copy.routes.removeAll {
            DumpConsistencyTests.churnIPv6.contains($0.destination) || DumpConsistencyTests.churnIPv4.contains($0.destination)
        }
        return copy
    }
}
