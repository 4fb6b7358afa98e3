import Foundation
import PodnetTestSupport
import Testing

/// `check`, `check --snapshot` and the daemon name the node as its metrics' `node` label does (config
/// `nodeName`, `NODE_NAME`, Calico's nodename file, the hostname), not by the kernel's hostname: an
/// alert and the report it points at must name the same node.
@Suite("check names the node as the alerts do", .serialized)
struct CheckNodeNameTests {
    static let nodeName = "ip-10-9-8-7.node-name.test"

    /// The process environment with `NODE_NAME` set (or removed, for nil).
    static func environment(nodeName: String?) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["NODE_NAME"] = nodeName
        return environment
    }

    /// The header line of a text report and the `node` of its JSON form.
    static func node(inJSON text: String) throws -> String? {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return object?["node"] as? String
    }

    @Test("live check, dump and check --snapshot elsewhere all say NODE_NAME's name; config nodeName wins offline")
    func checkDumpAndSnapshotAgree() throws {
        try requireRootAndIPRoute2()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "podnetd-node-name-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("node.yaml")
        try CalicoNodeScenario().podnetdConfig.write(to: config, atomically: true, encoding: .utf8)
        let binary = try PodnetdBinary.locate()
        let hostname = NodeIdentityProbe.hostname()
        #expect(hostname != Self.nodeName)
        let dumpFile = directory.appendingPathComponent("dump.json")
        try withCalicoNode { node in
            // The fix text names the node too (calico-node's pod on it): break something that says so.
            try node.deleteFDB()
            let environment = Self.environment(nodeName: Self.nodeName)
            let text = try binary.run(
                ["check", "--config", config.path], in: node.namespace, environment: environment)
            #expect(text.exitCode == 1, "\(text.stderr)")
            #expect(text.stdout.hasPrefix("✗ node \(Self.nodeName):"), "\(text.stdout.prefix(200))")
            #expect(text.stdout.contains("spec.nodeName=\(Self.nodeName) "), "\(text.stdout)")
            #expect(!text.stdout.contains("spec.nodeName=\(hostname) "), "\(text.stdout)")
            let json = try binary.run(
                ["check", "--config", config.path, "--format", "json"], in: node.namespace, environment: environment)
            #expect(try Self.node(inJSON: json.stdout) == Self.nodeName)
            let dump = try binary.run(["dump", "--config", config.path], in: node.namespace, environment: environment)
            #expect(dump.exitCode == 0, "\(dump.stderr)")
            try dump.stdout.write(to: dumpFile, atomically: true, encoding: .utf8)
            let document = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any]
            let facts = document?["nodeFacts"] as? [String: Any]
            #expect(facts?["nodeName"] as? String == Self.nodeName, "\(facts ?? [:])")
            #expect(facts?["nodeNameSource"] as? String == "NODE_NAME", "\(facts ?? [:])")
        }
        // Elsewhere (no NODE_NAME, another hostname would do the same): the dump's own node name.
        let offline = try binary.run(
            ["check", "--config", config.path, "--snapshot", dumpFile.path, "--format", "json"],
            environment: Self.environment(nodeName: nil))
        #expect(offline.exitCode == 1, "\(offline.stderr)")
        #expect(try Self.node(inJSON: offline.stdout) == Self.nodeName)
        // The config's nodeName wins, as it does on the node.
        let named = directory.appendingPathComponent("named.yaml")
        try (CalicoNodeScenario().podnetdConfig + "\nnodeName: node-from-config\n").write(
            to: named, atomically: true, encoding: .utf8)
        let offlineNamed = try binary.run(
            ["check", "--config", named.path, "--snapshot", dumpFile.path],
            environment: Self.environment(nodeName: "ignored-here"))
        #expect(offlineNamed.stdout.hasPrefix("✗ node node-from-config:"), "\(offlineNamed.stdout.prefix(200))")
    }
}

/// The machine's hostname, as podnetd's fallback reads it.
enum NodeIdentityProbe {
    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
