import PodnetAnalysis
import PodnetModel
import Testing

/// Calico's selector syntax (libcalico-go/lib/selector) as IPPool nodeSelectors use it, and what the
/// cluster checks make of it.
@Suite("Calico selectors (IPPool nodeSelector)")
struct CalicoSelectorTests {
    typealias F = AnalysisFixtures
    typealias C = ClusterFixtures

    static let labels = [
        "kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "eu-west-1a", "node-role.kubernetes.io/worker": "",
        "pool": "blue", "kubernetes.io/hostname": "ip-10-10-2-193",
    ]

    func selects(_ text: String) throws -> Bool { try CalicoSelector(text).selects(Self.labels) }

    @Test(
        "selectors that select the node",
        arguments: [
            "", "all()", "all( )", "global()", "has(pool)", "has( kubernetes.io/os )", "!has(gpu)", "pool == 'blue'",
            "pool == \"blue\"", "pool != 'green'", "gpu != 'yes'", "pool in {'blue','green'}", "pool in { 'blue' }",
            "pool not in {'green'}", "gpu not in {'a'}", "pool notin {'red'}", "topology.kubernetes.io/zone starts with 'eu-'",
            "topology.kubernetes.io/zone ends with '1a'", "topology.kubernetes.io/zone contains 'west'",
            "has(node-role.kubernetes.io/worker) && pool == 'blue'", "pool == 'red' || kubernetes.io/os == 'linux'",
            "!(pool == 'red')", "!!has(pool)", "(pool == 'red' || pool == 'blue') && !has(gpu)",
            "pool == 'red' || pool == 'green' || pool == 'blue'", "kubernetes.io/os=='linux'&&pool=='blue'",
        ])
    func selectsNode(selector: String) throws {
        #expect(try selects(selector), "\(selector)")
    }

    @Test(
        "selectors that do not select the node",
        arguments: [
            "has(gpu)", "!all()", "pool == 'green'", "pool != 'blue'", "gpu == ''", "pool in {}", "pool in {'red'}",
            "pool not in {'blue','red'}", "topology.kubernetes.io/zone starts with 'us-'", "pool contains 'x'",
            "gpu contains ''", "has(pool) && has(gpu)", "!has(pool) || pool == 'red'", "!(pool == 'blue')",
            // && binds tighter than ||: a || (b && c).
            "pool == 'red' || pool == 'blue' && has(gpu)",
        ])
    func excludesNode(selector: String) throws {
        #expect(try !selects(selector), "\(selector)")
    }

    @Test(
        "malformed selectors are errors with a position, never a crash",
        arguments: [
            ("pool = 'blue'", "expected an operator after label \"pool\""), ("pool == blue", "expected a quoted string"),
            ("pool == 'blue", "unterminated string"), ("has(pool", "no closing ')' after has("), ("(has(pool)", "expected ')'"),
            ("has(pool) &&", "expected a selector term, found the end"), ("pool in {'a' 'b'}", "expected '}'"),
            ("pool in 'a'", "expected '{'"), ("has(pool) has(gpu)", "after a complete selector"), ("&& has(pool)", "expected a label"),
            ("pool", "expected an operator after label"), ("all() extra", "after a complete selector"), ("pool == 'a' | x", "after a complete selector"),
            ("é == 'x'", "expected a label"), ("!", "expected a selector term, found the end"),
        ])
    func malformed(selector: String, message: String) {
        #expect(throws: CalicoSelector.SyntaxError.self, "\(selector)") { try CalicoSelector(selector) }
        do {
            _ = try CalicoSelector(selector)
        } catch {
            #expect(error.description.contains(message), "\(selector): \(error)")
            #expect(error.description.contains("at character"), "\(error)")
        }
    }

    @Test("a malformed nodeSelector of an enabled pool is a finding naming the pool, the selector and the error")
    func invalidPoolSelectorFinding() throws {
        var view = C.calicoView
        view.localNodeLabels = Self.labels
        view.pools[0].nodeSelector = "pool == blue"
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .ipPoolNodeSelectorInvalid, severity: .warning, objects: ["default-ipv4-ippool"])
        let finding = try #require(report.findings(.ipPoolNodeSelectorInvalid).first)
        #expect(finding.summary.contains("nodeSelector \"pool == blue\" does not parse: expected a quoted string"), "\(finding.summary)")
        #expect(finding.evidence == ["IPPool default-ipv4-ippool spec.nodeSelector: \"pool == blue\""])
        // A disabled pool assigns nothing: its selector is never evaluated.
        view.pools[0].disabled = true
        expectNoFinding(C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view)), .ipPoolNodeSelectorInvalid)
    }

    @Test("a local block of a pool that no longer selects this node is no finding (Calico releases it once empty)")
    func excludingPoolIsNoAlarm() throws {
        var view = C.calicoView
        view.localNodeLabels = Self.labels
        view.pools[0].nodeSelector = "pool == 'green'"
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        #expect(report.problems.isEmpty, "\(report.findings.map(\.summary))")
        let source = try #require(report.cluster?.expectationSources.first { $0.expectation == "localPools" })
        #expect(source.source == "cluster (IPPools whose nodeSelector selects ip-10-10-2-193: none; not selecting it: default-ipv4-ippool)")
        view.pools[0].nodeSelector = "pool in {'green', 'blue'}"
        let selecting = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        #expect(selecting.cluster?.expectationSources.first { $0.expectation == "localPools" }?.source
            == "cluster (IPPools whose nodeSelector selects ip-10-10-2-193: default-ipv4-ippool)")
    }

    @Test("a selector nested 100,000 parentheses deep is an error, not a stack overflow")
    func deeplyNestedSelectorIsAnError() {
        let deep = String(repeating: "(", count: 100_000) + "all()" + String(repeating: ")", count: 100_000)
        #expect(throws: CalicoSelector.SyntaxError.self) { try CalicoSelector(deep) }
        // Ordinary nesting still parses and evaluates.
        let shallow = String(repeating: "(", count: 8) + "pool == 'blue'" + String(repeating: ")", count: 8)
        #expect((try? CalicoSelector(shallow).selects(Self.labels)) == true)
    }

    @Test("a label longer than Calico's 512 characters does not parse (libcalico-go tokenizer MaxLabelLength)")
    func overlongLabelIsAnError() throws {
        let long = String(repeating: "a", count: 513)
        #expect(throws: CalicoSelector.SyntaxError.self) { try CalicoSelector("has(\(long))") }
        #expect(throws: CalicoSelector.SyntaxError.self) { try CalicoSelector("\(long) == 'x'") }
        #expect(try CalicoSelector("\(String(repeating: "a", count: 512)) == 'x'").selects([:]) == false)
    }
}
