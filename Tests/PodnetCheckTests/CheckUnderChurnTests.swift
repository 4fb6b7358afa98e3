import Foundation
import PodnetTestSupport
import Synchronization
import Testing

/// `podnetd check` while writers churn the route tables reports exactly what it reports on the quiesced
/// node, or says the state is uncertain (exit 2) — never a route missing that exists.
@Suite struct CheckUnderChurnTests {
    static let workloads = 300
    static let stableIPv6 = 40_000
    /// Checks run under churn for at least this long and until `completedRuns` completed, at most `longestChurn`.
    static let shortestChurn: Duration = .seconds(20)
    static let longestChurn: Duration = .seconds(75)
    static let completedRuns = 4

    /// The n-th IPv6 /128 of the stable range; every 133rd one leads to a workload veth.
    static func stableAddress(_ n: Int) -> String { "fd00:aa::\(String(n, radix: 16))" }

    @Test func checkUnderChurnFindsWhatTheQuiescedNodeHasOrSaysUncertain() throws {
        try requireRootAndIPRoute2()
        try withCalicoNode { node in
            let ns = node.namespace
            // IPv6-only workloads: a cali veth whose only route is a /128 among 40k other IPv6 routes, so
            // that a torn IPv6 dump that skips it makes the veth look routeless (workload-route-missing).
            var setup = ["link add bulk0 type veth peer name bulk1", "link set bulk0 up", "link set bulk1 up"]
            for w in 0..<Self.workloads {
                let name = "cali" + String(format: "%011x", 0xc000 + w)
                setup += ["link add \(name) type veth peer name wp\(w)", "link set \(name) up", "link set wp\(w) up"]
            }
            try ns.ipBatch(setup)
            var routes: [String] = []
            for n in 0..<Self.stableIPv6 {
                let device = n % 133 == 0 && n / 133 < Self.workloads ? "cali" + String(format: "%011x", 0xc000 + n / 133) : "bulk0"
                routes.append("route add \(Self.stableAddress(n))/128 dev \(device)")
            }
            try ns.ipBatch(routes)

            let config = CalicoNodeScenario().podnetdConfig
            let quiescedBefore = try CheckRun.run(config: config, in: ns)
            #expect(quiescedBefore.exitCode != 2, "the quiesced check ran: \(quiescedBefore.stderr)")
            #expect(!quiescedBefore.has("workload-route-missing"), "\(quiescedBefore.findings)")

            // Writers: bursts of 2,000 IPv6 routes that sort before the stable ones (the kernel resumes an
            // IPv6 dump by count: they shift it), added then deleted, with pauses of 0-0.9 s (dense enough
            // to tear most dumps) and of 3 s after every fourth burst (room for a consistent read).
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-check-churn-\(ns.name)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            for verb in ["add", "del"] {
                let lines = (0..<2000).map { "route \(verb) fd00:11::\(String($0, radix: 16))/128 dev bulk0" }
                try (lines.joined(separator: "\n") + "\n").write(
                    to: directory.appendingPathComponent(verb), atomically: true, encoding: .utf8)
            }
            // The writer stops when the test creates `stop` (or after 90 s).
            let stop = directory.appendingPathComponent("stop")
            let script =
                "cd \(directory.path); end=$(($(date +%s) + 90)); "
                + "i=0; while [ ! -e stop ] && [ $(date +%s) -lt $end ]; do ip -batch add; ip -batch del; i=$((i + 1)); "
                + "if [ $((i % 4)) = 0 ]; then sleep 3; else sleep 0.$((RANDOM % 10)); fi; done"
            let writerDone = DispatchSemaphore(value: 0)
            Thread {
                _ = try? ns.run(["bash", "-c", script], timeout: .seconds(120))
                writerDone.signal()
            }.start()
            var waited = false
            defer {
                if !waited {
                    FileManager.default.createFile(atPath: stop.path, contents: nil)
                    writerDone.wait()
                }
            }

            // As many checks as fit, and enough completed ones, however slow this machine is today.
            var runs: [CheckRun] = []
            let started = ContinuousClock.now
            while ContinuousClock.now - started < Self.longestChurn {
                runs.append(try CheckRun.run(config: config, in: ns))
                let completed = runs.count { $0.exitCode != 2 }
                if ContinuousClock.now - started >= Self.shortestChurn && completed >= Self.completedRuns { break }
            }
            FileManager.default.createFile(atPath: stop.path, contents: nil)
            writerDone.wait()
            waited = true

            let quiesced = try CheckRun.run(config: config, in: ns)
            #expect(Set(quiesced.findings) == Set(quiescedBefore.findings))
            let expected = Set(quiesced.findings)
            var uncertain = 0
            var differing = 0
            for (number, run) in runs.enumerated() {
                if run.exitCode == 2 {
                    uncertain += 1
                    #expect(run.stderr.contains("uncertain"), "run \(number) could not check for another reason: \(run.stderr)")
                    continue
                }
                let found = Set(run.findings)
                if found != expected {
                    differing += 1
                    let extra = found.subtracting(expected)
                    let lacking = expected.subtracting(found)
                    Issue.record("run \(number) under churn: findings not on the quiesced node: \(extra); missing: \(lacking)")
                }
                #expect(!found.contains { $0.check.hasSuffix("-missing") && !expected.contains($0) })
            }
            print(
                "check under churn: \(runs.count) runs, \(runs.count - uncertain) with findings equal to the quiesced node's: "
                    + "\(runs.count - uncertain - differing), uncertain (exit 2): \(uncertain), false findings: \(differing)")
            #expect(runs.count - uncertain >= 2, "checks completed between bursts")
        }
    }
}
