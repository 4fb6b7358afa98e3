import Foundation
import PodnetTestSupport
import Testing

/// `podnetd dump` on a node, then `podnetd check --snapshot` elsewhere: the support-ticket path.
@Suite("check --snapshot of a saved dump")
struct SnapshotCheckTests {
    @Test("a dump of a broken node, checked offline outside its namespace, gives the same findings as the live check")
    func offlineMatchesLive() throws {
        try requireRootAndIPRoute2()
        let scenario = CalicoNodeScenario()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configFile = directory.appendingPathComponent("podnetd.yaml")
        try scenario.podnetdConfig.write(to: configFile, atomically: true, encoding: .utf8)
        let dumpFile = directory.appendingPathComponent("node.json")
        let binary = try PodnetdBinary.locate()

        let live = try withCalicoNode(scenario) { node in
            try node.deleteRemoteRoute()
            try node.deleteBlackhole()
            let dump = try binary.run(["dump"], in: node.namespace)
            #expect(dump.exitCode == 0, "\(dump.stderr)")
            try dump.stdout.write(to: dumpFile, atomically: true, encoding: .utf8)
            return try CheckRun.run(config: scenario.podnetdConfig, in: node.namespace)
        }
        // The namespaces are gone: only the file is left.
        let offline = try binary.run(["check", "--config", configFile.path, "--snapshot", dumpFile.path, "--format", "json"])
        #expect(offline.exitCode == 1, "\(offline.stderr)")
        let findings = try CheckRun.findings(inReport: offline.stdout)
        #expect(live.has("vxlan-route-missing", object: "192.168.35.0/26"), "\(live.findings)")
        #expect(live.has("block-blackhole-missing", object: "192.168.231.0/26"), "\(live.findings)")
        #expect(Set(findings) == Set(live.findings), "offline \(findings) vs live \(live.findings)")
    }

    @Test("a snapshot that is not a podnetd dump exits 2 and says where it is wrong")
    func malformedSnapshot() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try PodnetdBinary.locate()
        let cases = [
            ("garbage.json", "not json at all", "is not a podnetd dump"),
            ("bad-route.json",
             #"{"schemaVersion":1,"hostname":"n","capturedAt":"","host":{},"links":[],"addresses":[],"routes":[{"family":"inet","table":"main","type":"unicast","protocol":"boot","scope":"global","destination":"10.0.0.0/33","priority":0,"tos":0,"nextHops":[]}],"neighbours":[],"fdb":[],"rules":[]}"#,
             "routes[0].destination"),
            ("future.json",
             #"{"schemaVersion":99,"hostname":"n","capturedAt":"","host":{},"links":[],"addresses":[],"routes":[],"neighbours":[],"fdb":[],"rules":[]}"#,
             "schemaVersion 99"),
        ]
        for (name, content, expected) in cases {
            let file = directory.appendingPathComponent(name)
            try content.write(to: file, atomically: true, encoding: .utf8)
            let result = try binary.run(["check", "--config", "/dev/null", "--snapshot", file.path])
            #expect(result.exitCode == 2, "\(name): \(result)")
            #expect(result.stderr.contains(expected), "\(name): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        let missing = try binary.run(["check", "--config", "/dev/null", "--snapshot", directory.appendingPathComponent("absent.json").path])
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("cannot read snapshot"), "\(missing.stderr)")
    }
}
