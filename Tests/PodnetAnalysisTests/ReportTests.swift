import Foundation
import PodnetAnalysis
import PodnetModel
import PodnetTestSupport
import Testing

@Suite("Report")
struct ReportTests {
    typealias F = AnalysisFixtures

    /// A node with several problems at once.
    static func brokenCalicoNode() throws -> NodeSnapshot {
        var snapshot = try F.calico()
        snapshot.removeRoutes(to: "192.168.35.0/26")
        snapshot.removeRoutes(to: "192.168.231.0/26") { $0.type == .blackhole }
        snapshot.neighbours.removeAll { $0.address == IPAddress("192.168.94.64") }
        snapshot.removeRoutes(to: "192.168.231.4/32")
        snapshot.modifyLink("calif00ba4c1d22") { $0.mtu = 9001 }
        return snapshot
    }

    static var brokenExpectations: Expectations {
        var expectations = F.calicoExpectations
        expectations.instanceType = "t3a.medium"
        expectations.maxPods = 17
        return expectations
    }

    @Test("the catalogue lists every check of the issue once, with a severity and a description")
    func catalogue() {
        let required = [
            "vxlan-device-missing", "vxlan-device-down", "vxlan-device-config", "vxlan-mtu", "vxlan-route-missing",
            "vxlan-route-wrong-next-hop", "vxlan-route-unresolved", "block-blackhole-missing", "block-outside-pool",
            "workload-route-missing", "workload-interface-down", "workload-ip-outside-pool", "ip-forwarding-disabled",
            "pod-cidr-overlap", "rp-filter-strict", "eni-rule-missing", "eni-table-missing", "eni-secondary-conflict",
            "max-pods-exceeds-ip-capacity", "max-pods-limited-by-eni", "max-pods-above-recommended",
            "pod-capacity-near-limit", "host-route-missing",
        ]
        let ids = CheckID.catalogue.map(\.id.rawValue)
        #expect(Set(ids).count == ids.count)
        for id in required { #expect(ids.contains(id), "\(id) missing from the catalogue") }
        for entry in CheckID.catalogue {
            #expect(!entry.description.isEmpty)
            #expect(entry.id.rawValue.allSatisfy { $0.isLowercase || $0 == "-" })
        }
        #expect(CheckID.vxlanRouteMissing.descriptor?.defaultSeverity == .critical)
        #expect(CheckID.maxPodsAboveRecommended.descriptor?.defaultSeverity == .info)
    }

    @Test("findings are sorted: severity, then check, then object (addresses numerically)")
    func order() throws {
        let report = F.analyze(try Self.brokenCalicoNode(), Self.brokenExpectations)
        let keys = report.findings.map { "\($0.severity) \($0.check) \($0.object)" }
        #expect(
            keys == [
                "critical vxlan-route-missing 192.168.35.0/26",
                "critical vxlan-route-unresolved 192.168.94.64/26",
                "critical workload-route-missing cali3a1b2c4d5e6",
                "warning block-blackhole-missing 192.168.231.0/26",
                "warning max-pods-limited-by-eni maxPods",
                "warning vxlan-mtu calif00ba4c1d22",
            ])
        #expect(report.summary == SeverityCounts(critical: 3, warning: 3, info: 0))
        #expect(report.worstSeverity == .critical)
        #expect(report.hasFinding(atLeast: .warning))
    }

    @Test("ObjectOrder sorts prefixes numerically and names naturally")
    func objectOrder() {
        var first = Finding(
            check: .vxlanRouteMissing, object: "192.168.100.0/26", summary: "s", detail: "d", remediation: "r")
        var second = first
        second.object = "192.168.35.0/26"
        #expect(Finding.reportOrder(second, first))
        first.object = "table 10"
        second.object = "table 2"
        #expect(Finding.reportOrder(second, first))
    }

    @Test("the same input gives the same JSON, byte for byte; shuffled input gives the same findings")
    func determinism() throws {
        let snapshot = try Self.brokenCalicoNode()
        let first = try F.analyze(snapshot, Self.brokenExpectations).jsonText()
        for _ in 0..<5 {
            #expect(try F.analyze(snapshot, Self.brokenExpectations).jsonText() == first)
        }
        var shuffled = snapshot
        var generator = SeededRandom(seed: 42)
        shuffled.links.shuffle(using: &generator)
        shuffled.routes.shuffle(using: &generator)
        shuffled.neighbours.shuffle(using: &generator)
        shuffled.fdb.shuffle(using: &generator)
        shuffled.addresses.shuffle(using: &generator)
        let a = F.analyze(snapshot, Self.brokenExpectations).findings.map {
            [$0.check.rawValue, $0.object, $0.summary]
        }
        let b = F.analyze(shuffled, Self.brokenExpectations).findings.map {
            [$0.check.rawValue, $0.object, $0.summary]
        }
        #expect(a == b)
    }

    @Test("the JSON has the documented keys in the documented order, absent values as null")
    func jsonShape() throws {
        let report = F.analyze(try Self.brokenCalicoNode(), Self.brokenExpectations)
        let text = try report.jsonText()
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let top = ["schemaVersion", "node", "cni", "checkedAt", "summary", "findings", "inventory", "capacity"]
        #expect(Set(object.keys) == Set(top))
        #expect(Self.keyOrder(in: text, keys: top))
        #expect(object["schemaVersion"] as? Int == 1)
        #expect(object["node"] as? String == "ip-10-10-2-193")
        #expect(object["checkedAt"] as? String == F.checkedAt)
        let cni = try #require(object["cni"] as? [String: Any])
        #expect(cni["configured"] as? String == "auto")
        #expect(cni["detected"] as? String == "calico-vxlan")
        let summary = try #require(object["summary"] as? [String: Int])
        #expect(summary == ["critical": 3, "warning": 3, "info": 0])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let findingKeys = ["check", "severity", "object", "summary", "detail", "evidence", "remediation"]
        for finding in findings { #expect(Set(finding.keys) == Set(findingKeys)) }
        #expect(findings.first?["check"] as? String == "vxlan-route-missing")
        #expect(findings.first?["severity"] as? String == "critical")
        let inventory = try #require(object["inventory"] as? [String: Any])
        for key in ["workloads", "blocks", "remoteBlocks", "vxlanRoutes", "vteps", "enis"] {
            #expect(inventory.keys.contains(key), "inventory.\(key)")
        }
        #expect(inventory["enis"] is NSNull)
        let capacity = try #require(object["capacity"] as? [String: Any])
        for key in ["maxPods", "maxPodsSource", "ipCapacity", "ipCapacityFormula", "instanceType", "workloads"] {
            #expect(capacity.keys.contains(key), "capacity.\(key)")
        }
        #expect(capacity["ipCapacity"] is NSNull)
        #expect(capacity["maxPods"] as? Int == 17)
        #expect(text.contains("\"192.168.231.0/26\""))  // slashes are not escaped
        // The JSON decodes back to the same report.
        #expect(try JSONDecoder().decode(Report.self, from: Data(text.utf8)) == report)
    }

    @Test("OrderedJSONEncoder escapes strings and writes compact output on request")
    func encoder() throws {
        struct Sample: Encodable {
            let text = "a \"quoted\"\\ line\nwith\ttab and \u{1}"
            let ratio = 0.9
            let whole = 2.0
            let none: Int? = nil
            let list: [Int] = []
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(text, forKey: .text)
                try container.encode(ratio, forKey: .ratio)
                try container.encode(whole, forKey: .whole)
                try container.encode(none, forKey: .none)
                try container.encode(list, forKey: .list)
            }
            enum CodingKeys: String, CodingKey { case text, ratio, whole, none, list }
        }
        let compact = try OrderedJSONEncoder(prettyPrinted: false).encode(Sample())
        #expect(
            compact
                == #"{"text":"a \"quoted\"\\ line\nwith\ttab and \u0001","ratio":0.9,"whole":2,"none":null,"list":[]}"#)
    }

    static func keyOrder(in text: String, keys: [String]) -> Bool {
        var position = text.startIndex
        for key in keys {
            guard let range = text.range(of: "\n  \"\(key)\":", range: position..<text.endIndex) else { return false }
            position = range.upperBound
        }
        return true
    }
}
