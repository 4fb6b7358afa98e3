import Foundation
import PodnetTestSupport
import Testing

/// `podnetd serve` knows its node's name: from NODE_NAME (a DaemonSet's downward API) unless the
/// config names it; /status and the start-up log say which, and every metric series carries it.
@Suite("serve: node identity") struct ServeNodeIdentityTests {
    func withDaemon(config: String, environment: [String: String], _ body: (ServedDaemon) throws -> Void) throws {
        try requireRootAndIPRoute2()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try withCalicoNode(CalicoNodeScenario()) { node in
            let daemon = try ServedDaemon(
                in: node.namespace, directory: directory, config: config, environment: environment)
            defer { daemon.stop() }
            try daemon.waitUntilReady()
            try body(daemon)
        }
    }

    @Test("NODE_NAME names the node: /status daemon.node, the start-up log and the node label of every series")
    func environmentNamesTheNode() throws {
        try withDaemon(config: ServeConfig.text(), environment: ["NODE_NAME": "ip-10-0-0-10.ec2.internal"]) { daemon in
            let status = try daemon.status()
            #expect(status.daemon["node"] as? String == "ip-10-0-0-10.ec2.internal")
            #expect(status.daemon["nodeSource"] as? String == "NODE_NAME")
            // The report names the same node as the metrics (not the kernel's hostname).
            #expect(try daemon.get("/status").json()["node"] as? String == "ip-10-0-0-10.ec2.internal")
            let text = try daemon.get("/status?format=text").body
            #expect(text.hasPrefix("✓ node ip-10-0-0-10.ec2.internal:"), "\(text.prefix(200))")
            #expect(daemon.stderr.contains("node name ip-10-0-0-10.ec2.internal (from NODE_NAME)"), "\(daemon.stderr)")
            let exposition = try Exposition(try daemon.get("/metrics").body)
            #expect(!exposition.samples.isEmpty)
            let unlabelled = exposition.samples.filter { $0.labels["node"] != "ip-10-0-0-10.ec2.internal" }
            #expect(unlabelled.isEmpty, "\(unlabelled.prefix(5))")
        }
    }

    @Test("the config's nodeName wins over NODE_NAME; an unusable NODE_NAME is skipped with a warning")
    func configWins() throws {
        try withDaemon(config: ServeConfig.text(extra: "nodeName: node-a"), environment: ["NODE_NAME": "node-b"]) {
            daemon in
            let status = try daemon.status()
            #expect(status.daemon["node"] as? String == "node-a")
            #expect(status.daemon["nodeSource"] as? String == "config")
        }
        try withDaemon(config: ServeConfig.text(), environment: ["NODE_NAME": "Not_A_Node"]) { daemon in
            let status = try daemon.status()
            #expect(status.daemon["nodeSource"] as? String != "NODE_NAME")
            #expect(
                daemon.stderr.contains("node name source skipped: NODE_NAME: not a Kubernetes node name"),
                "\(daemon.stderr)")
        }
    }
}
