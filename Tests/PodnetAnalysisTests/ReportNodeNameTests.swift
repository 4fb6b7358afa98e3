import PodnetAnalysis
import PodnetConfig
import PodnetModel
import Testing

/// The report names the node by its resolved Kubernetes name (what the metrics' `node` label and the
/// alerts say); the snapshot's hostname only stands in when no name was resolved (an older dump).
@Suite("The report's node name")
struct ReportNodeNameTests {
    /// No file exists: nothing but the environment and the hostname name the node.
    struct NoFiles: FileReading {
        func readText(atPath path: String) throws -> String? { nil }
        func listDirectory(atPath path: String) throws -> [String]? { nil }
    }

    @Test("the expectations' node name, not the hostname; the hostname when none is known")
    func reportNamesTheResolvedNode() {
        let snapshot = NodeSnapshot(hostname: "ip-10-0-0-10")
        let named = Analyzer.analyze(
            snapshot: snapshot, expectations: Expectations(nodeName: "ip-10-0-0-10.ec2.internal"), checkedAt: "")
        #expect(named.node == "ip-10-0-0-10.ec2.internal")
        let unnamed = Analyzer.analyze(snapshot: snapshot, expectations: Expectations(), checkedAt: "")
        #expect(unnamed.node == "ip-10-0-0-10")
    }

    @Test("a live node's facts carry the name serve labels its metrics with (NODE_NAME before the hostname)")
    func liveFactsCarryTheName() throws {
        let resolver = ExpectationsResolver(
            files: NoFiles(), environment: ["NODE_NAME": "node-b"], hostname: { "Host-C" })
        let facts = try resolver.nodeFacts(PodnetConfig())
        #expect(facts.nodeName == "node-b")
        #expect(facts.nodeNameSource == "NODE_NAME")
        #expect(try resolver.resolve(PodnetConfig()).nodeName == "node-b")
        var config = PodnetConfig()
        config.nodeName = "node-a"
        #expect(try resolver.resolve(config).nodeName == "node-a")
        let bare = ExpectationsResolver(files: NoFiles(), environment: [:], hostname: { "Host-C" })
        #expect(try bare.resolve(PodnetConfig()).nodeName == "host-c")
    }

    @Test("a dump's recorded name is kept offline; the config's nodeName wins; an older dump has none")
    func snapshotFactsCarryTheName() {
        let resolver = ExpectationsResolver(files: NoFiles(), environment: ["NODE_NAME": "analysing-machine"])
        let recorded = NodeFacts(nodeName: "node-b", nodeNameSource: "NODE_NAME")
        #expect(resolver.expectations(PodnetConfig(), snapshotFacts: recorded).nodeName == "node-b")
        var config = PodnetConfig()
        config.nodeName = "node-a"
        #expect(resolver.expectations(config, snapshotFacts: recorded).nodeName == "node-a")
        #expect(resolver.expectations(PodnetConfig(), snapshotFacts: nil).nodeName == nil)
    }
}
