import Foundation
import PodnetTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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

    @Test(
        "a snapshot that is not a podnetd dump exits 2 with one short line naming the field and value; unknown schema versions and malformed times are refused"
    )
    func malformedSnapshot() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try PodnetdBinary.locate()
        let links = (1...4).map { Self.link.replacingOccurrences(of: "IDX", with: "\($0)").replacingOccurrences(of: "MTU", with: $0 == 4 ? "-1" : "1500") }
        let cases: [(String, String, String)] = [
            ("garbage.json", "not json at all", "is not a podnetd dump"),
            ("bad-route.json",
             #"{"schemaVersion":1,"hostname":"n","capturedAt":"","host":{},"links":[],"addresses":[],"routes":[{"family":"inet","table":"main","type":"unicast","protocol":"boot","scope":"global","destination":"10.0.0.0/33","priority":0,"tos":0,"nextHops":[]}],"neighbours":[],"fdb":[],"rules":[]}"#,
             "routes[0].destination"),
            ("future.json",
             #"{"schemaVersion":99,"hostname":"n","capturedAt":"","host":{},"links":[],"addresses":[],"routes":[],"neighbours":[],"fdb":[],"rules":[]}"#,
             "schemaVersion 99"),
            ("mtu.json", Self.dump(links: "[" + links.joined(separator: ",") + "]"), "links[3].mtu: -1 is out of range (0–4294967295)"),
            ("zero.json", Self.dump(schemaVersion: "0"), "has schemaVersion 0; this podnetd reads schemaVersion 1, 2"),
            ("negative.json", Self.dump(schemaVersion: "-1"), "has schemaVersion -1; this podnetd reads schemaVersion 1, 2"),
            ("future-1000.json", Self.dump(schemaVersion: "1000"), "has schemaVersion 1000; this podnetd reads schemaVersion 1, 2"),
            ("time.json", Self.dump(capturedAt: "\"yesterday\\nat noon\""),
             #"capturedAt: expected an RFC 3339 time such as 2026-11-22T03:00:00Z, got "yesterday\nat noon""#),
            // A dump's maxPods feeds the capacity arithmetic: Int.min crashed it (SIGILL) before.
            ("maxpods.json",
             Self.dump(schemaVersion: "2").replacingOccurrences(
                of: #""rules":[]}"#,
                with: #""rules":[],"nodeFacts":{"maxPods":-9223372036854775808,"maxPodsSource":"x","instanceTypeSource":"x","maxPodsMayBeOverridden":false}}"#),
             "nodeFacts.maxPods: -9223372036854775808 is out of range (1–100000)"),
            ("long.json", Self.dump(capturedAt: "\"" + String(repeating: "9", count: 1_000_000) + "\""),
             "\"" + String(repeating: "9", count: 64) + "…\" (1000000 characters)"),
        ]
        for (name, content, expected) in cases {
            let file = directory.appendingPathComponent(name)
            try content.write(to: file, atomically: true, encoding: .utf8)
            let result = try binary.run(["check", "--config", "/dev/null", "--snapshot", file.path])
            #expect(result.exitCode == 2, "\(name): \(result)")
            #expect(result.stderr.contains(expected), "\(name): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr.prefix(500))")
            #expect(result.stderr.count < 400, "\(name): \(result.stderr.count) characters")
        }
        let missing = try binary.run(["check", "--config", "/dev/null", "--snapshot", directory.appendingPathComponent("absent.json").path])
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("cannot read snapshot"), "\(missing.stderr)")
    }

    /// A minimal dump with `links` and the top-level fields given (JSON text).
    static func dump(schemaVersion: String = "1", capturedAt: String = "\"2026-11-22T03:00:00Z\"", links: String = "[]") -> String {
        #"{"schemaVersion":"# + schemaVersion + #","hostname":"n","capturedAt":"# + capturedAt
            + #","host":{},"links":"# + links + #","addresses":[],"routes":[],"neighbours":[],"fdb":[],"rules":[]}"#
    }

    static let link =
        #"{"index":IDX,"name":"eth0","kind":"device","flags":["UP"],"operState":"UP","mtu":MTU,"mac":"00:00:00:00:00:01","ipv4":{"forwarding":false,"rpFilter":0,"proxyARP":false},"ipv6":{"forwarding":false}}"#

    @Test("a directory, a FIFO or /dev/zero as the snapshot is refused at once, saying what it is, not \"permission\"")
    func nonRegularSnapshotFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try PodnetdBinary.locate()
        let fifo = directory.appendingPathComponent("pipe.json").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, expected) in [
            (directory.path, "is a directory, not a regular file"), (fifo, "is a FIFO (named pipe), not a regular file"),
            ("/dev/zero", "is a character device, not a regular file"),
        ] {
            let result = try binary.run(["check", "--config", "/dev/null", "--snapshot", path], timeout: .seconds(10))
            #expect(result.exitCode == 2)
            #expect(result.stderr == "podnetd: cannot read snapshot \(path): \(expected)\n", "\(result.stderr)")
            #expect(!result.stderr.lowercased().contains("permission"))
        }
    }
}
