import PodnetConfig
import Testing

/// `NodeIdentity`: the node's Kubernetes name from the config, NODE_NAME, Calico's nodename file
/// or the hostname, first usable wins, and which one was used.
@Suite("Node identity")
struct NodeIdentityTests {
    /// Files in memory: path → text; a path mapped to nil throws (unreadable).
    struct Files: FileReading {
        var texts: [String: String?]
        struct Unreadable: Error, CustomStringConvertible { var description: String { "permission denied" } }
        func readText(atPath path: String) throws -> String? {
            guard let entry = texts[path] else { return nil }
            guard let text = entry else { throw Unreadable() }
            return text
        }
        func listDirectory(atPath path: String) throws -> [String]? { nil }
    }

    static let calicoPath = "/test/calico/nodename"

    func resolve(
        configured: String? = nil, environment: [String: String] = [:], calico: String?? = .none,
        hostname: String = "Worker-7"
    ) -> NodeIdentity {
        var texts: [String: String?] = [:]
        if case .some(let text) = calico { texts[Self.calicoPath] = text }
        return NodeIdentity.resolve(
            configured: configured, environment: environment, files: Files(texts: texts),
            calicoNodenamePath: Self.calicoPath, hostname: { hostname })
    }

    @Test("the config's nodeName wins over everything else")
    func configFirst() {
        let identity = resolve(configured: "node-a", environment: ["NODE_NAME": "node-b"], calico: "node-c\n")
        #expect(identity == NodeIdentity(name: "node-a", source: .config))
        #expect(identity.description == "node-a (from config)")
    }

    @Test("NODE_NAME (the DaemonSet downward API) comes next")
    func environmentSecond() {
        #expect(
            resolve(environment: ["NODE_NAME": "node-b"], calico: "node-c\n")
                == NodeIdentity(name: "node-b", source: .environment))
    }

    @Test("Calico's nodename file, trimmed, comes third")
    func calicoThird() {
        #expect(
            resolve(calico: " node-c.eu-west-1.compute.internal\n")
                == NodeIdentity(name: "node-c.eu-west-1.compute.internal", source: .calicoNodename))
    }

    @Test("the hostname, lower-cased as kubelet registers it, is the last resort")
    func hostnameLast() {
        #expect(resolve() == NodeIdentity(name: "worker-7", source: .hostname))
        #expect(
            resolve(environment: ["NODE_NAME": ""], calico: "\n") == NodeIdentity(name: "worker-7", source: .hostname))
    }

    @Test("unusable sources are skipped and say why")
    func unusableSourcesSkipped() {
        let identity = resolve(environment: ["NODE_NAME": "Not A Name!"], calico: .some(nil))
        #expect(identity.name == "worker-7")
        #expect(identity.source == .hostname)
        #expect(identity.skipped.count == 2)
        #expect(identity.skipped[0].hasPrefix("NODE_NAME: not a Kubernetes node name"))
        #expect(identity.skipped[1] == "calico-nodename: /test/calico/nodename: permission denied")
    }

    @Test("names follow Kubernetes' DNS-subdomain rule")
    func nameRule() {
        #expect(NodeIdentity.problem(with: "ip-10-0-0-10.ec2.internal") == nil)
        #expect(NodeIdentity.problem(with: "a") == nil)
        #expect(NodeIdentity.problem(with: "") == "empty")
        #expect(NodeIdentity.problem(with: "-a") != nil)
        #expect(NodeIdentity.problem(with: "a.") != nil)
        #expect(NodeIdentity.problem(with: "UPPER") != nil)
        #expect(NodeIdentity.problem(with: "a b") != nil)
        #expect(NodeIdentity.problem(with: String(repeating: "a", count: 254)) == "longer than 253 characters")
    }

    @Test("nodeName in the config file is checked with its line")
    func configKey() throws {
        let config = try PodnetConfigFile.parse(yaml: "nodeName: node-a\n", path: "/etc/podnetd/podnetd.yaml")
        #expect(config.nodeName == "node-a")
        #expect(throws: ConfigError.self) { try PodnetConfigFile.parse(yaml: "nodeName: Node_A\n", path: "p") }
        do {
            _ = try PodnetConfigFile.parse(yaml: "cni: auto\nnodeName: 42\n", path: "/etc/podnetd/podnetd.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description.hasPrefix("/etc/podnetd/podnetd.yaml:2: nodeName: expected a Kubernetes node name"))
        }
    }
}
