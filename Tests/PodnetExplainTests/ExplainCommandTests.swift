import Foundation
import PodnetTestSupport
import Testing

/// `podnetd explain` end to end: run inside a namespace built like a Calico node, healthy and broken,
/// live and offline from a dump; exit 0 complete, 1 broken, 2 could not explain.
@Suite("podnetd explain", .serialized)
struct ExplainCommandTests {
    @Test("a healthy remote pod path exits 0; without its FDB entry it exits 1 naming vxlan-route-unresolved; a dump explains the same offline")
    func liveAndOffline() throws {
        try requireRootAndIPRoute2()
        let scenario = CalicoNodeScenario()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-explain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("podnetd.yaml").path
        try scenario.podnetdConfig.write(toFile: config, atomically: true, encoding: .utf8)
        let dumpFile = directory.appendingPathComponent("node.json").path
        let binary = try PodnetdBinary.locate()

        let liveJSON = try withCalicoNode(scenario) { node -> String in
            let healthy = try binary.run(["explain", "192.168.35.7", "--config", config], in: node.namespace)
            #expect(healthy.exitCode == 0, "\(healthy.stderr)")
            #expect(healthy.stdout.hasPrefix("✓ 192.168.35.7: path complete (pod on another node)"), "\(healthy.stdout)")
            #expect(healthy.stdout.contains("fdb        66:35:00:00:00:20 → remote node 10.0.0.20"), "\(healthy.stdout)")

            let pod = try binary.run(
                ["explain", scenario.podIP(3), "--from", scenario.podIP(2), "--iif", scenario.workloadInterface(2), "--config", config],
                in: node.namespace)
            #expect(pod.exitCode == 0, "\(pod.stdout)\(pod.stderr)")
            #expect(pod.stdout.contains("veth      \(scenario.workloadInterface(3)) is up"), "\(pod.stdout)")
            // The scenario's `from POD1 lookup 2` rule (and no `to POD lookup main` rule before it)
            // sends pod 1's packets for pod 3 out of eth0: the kernel does so too.
            let diverted = try binary.run(
                ["explain", scenario.podIP(3), "--from", scenario.podIP(1), "--iif", scenario.workloadInterface(1), "--config", config],
                in: node.namespace)
            #expect(diverted.exitCode == 1, "\(diverted.stdout)")
            #expect(diverted.stdout.contains("is a pod on this node"), "\(diverted.stdout)")
            #expect(diverted.stdout.contains("rule 1536: from \(scenario.podIP(1)) lookup 2"), "\(diverted.stdout)")

            try node.deleteFDB()
            let broken = try binary.run(["explain", "192.168.35.7", "--config", config], in: node.namespace)
            #expect(broken.exitCode == 1, "\(broken.stderr)")
            #expect(broken.stdout.hasPrefix("✗ 192.168.35.7: broken at fdb: vxlan-route-unresolved"), "\(broken.stdout)")
            #expect(broken.stdout.contains("no FDB entry for its MAC 66:35:00:00:00:20"), "\(broken.stdout)")

            let dump = try binary.run(["dump"], in: node.namespace)
            #expect(dump.exitCode == 0, "\(dump.stderr)")
            try dump.stdout.write(toFile: dumpFile, atomically: true, encoding: .utf8)
            let json = try binary.run(["explain", "192.168.35.7", "--config", config, "--format", "json"], in: node.namespace)
            #expect(json.exitCode == 1)
            return json.stdout
        }
        // The namespaces are gone: the dump alone gives the same document.
        let offline = try binary.run(["explain", "192.168.35.7", "--config", config, "--snapshot", dumpFile, "--format", "json"])
        #expect(offline.exitCode == 1, "\(offline.stderr)")
        #expect(offline.stdout == liveJSON)
        let document = try JSONSerialization.jsonObject(with: Data(offline.stdout.utf8)) as? [String: Any]
        #expect(document?["verdict"] as? String == "broken")
        #expect((document?["finding"] as? [String: Any])?["check"] as? String == "vxlan-route-unresolved")
    }

    @Test("bad input exits 2 with one line naming the field", arguments: [
        (["explain", "192.168.35.300"], "dst: "),
        (["explain", "10.0.0.1", "--from", "fd00::1"], "from: "),
        (["explain", "10.0.0.1", "--mark", "lots"], "mark: "),
        (["explain", "10.0.0.1", "--iif", "nosuch0"], "iif: "),
        (["explain", "224.0.0.5"], "dst: "),
        // Control characters in what is echoed back stay escaped: still one line.
        (["explain", "10.0.0.1\nsecond line"], "dst: "),
        (["explain", "10.0.0.1", "--iif", "a\nb"], "iif: "),
        (["explain", "10.0.0.1", "--mark", "1\n2"], "mark: "),
    ])
    func badInput(_ arguments: [String], _ field: String) throws {
        try requireRootAndIPRoute2()
        let scenario = CalicoNodeScenario.with { $0.remoteBlocks = []; $0.workloads = 1; $0.ipv6 = false }
        try withCalicoNode(scenario) { node in
            let result = try PodnetdBinary.locate().run(arguments, in: node.namespace)
            #expect(result.exitCode == 2)
            #expect(result.stdout.isEmpty)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains(field), "\(result.stderr)")
        }
    }
}
