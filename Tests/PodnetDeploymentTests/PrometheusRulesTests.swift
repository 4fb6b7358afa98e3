import Foundation
import Testing

/// Config/alerts.yaml, its promtool unit tests and the example scrape configuration.
@Suite("Prometheus rules and scrape config")
struct PrometheusRulesTests {
    static let alerts = "Config/alerts.yaml"
    static let alertTests = "Config/alerts.test.yaml"
    static let runbooks = "docs/runbooks.md"
    static let scrapeConfig = "Config/prometheus-scrape.yaml"

    @Test("promtool check rules accepts alerts.yaml")
    func rulesAreValid() throws {
        let result = try Command.run("promtool", ["check", "rules", Self.alerts])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("SUCCESS"), "\(result.transcript)")
    }

    /// alerts.test.yaml: the central layout; alerts.fleet.test.yaml: three nodes behind localhost:9647.
    @Test(
        "promtool test rules passes the rule tests of both scrape layouts",
        arguments: ["Config/alerts.test.yaml", "Config/alerts.fleet.test.yaml"])
    func ruleUnitTestsPass(file: String) throws {
        let result = try Command.run("promtool", ["test", "rules", file])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("SUCCESS"), "\(result.transcript)")
    }

    @Test("every alert links to its own section of docs/runbooks.md")
    func runbookLinksResolve() throws {
        let rules = try AlertRules(path: Repository.path(Self.alerts))
        let document = try String(contentsOfFile: Repository.path(Self.runbooks), encoding: .utf8)
        let anchors = Set(
            document.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { $0.dropFirst(3).lowercased() })
        for name in rules.blocks.keys.sorted() {
            let link = "runbook_url: \"docs/runbooks.md#\(name.lowercased())\""
            #expect(rules.blocks[name]?.contains(link) == true, "\(name) should have \(link)")
            #expect(anchors.contains(name.lowercased()), "docs/runbooks.md has no section ## \(name)")
        }
        #expect(anchors.count == rules.blocks.count, "one runbook section per alert: \(anchors.sorted())")
    }

    @Test("promtool check config accepts the scrape config and the rules it loads")
    func scrapeConfigIsValid() throws {
        let result = try Command.run("promtool", ["check", "config", Self.scrapeConfig])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("alerts.yaml"), "rule_files should load alerts.yaml\n\(result.transcript)")
    }

    @Test("the catalogue's alerts exist, with summary, description and runbook")
    func requiredAlertsAreAnnotated() throws {
        let rules = try AlertRules(path: Repository.path(Self.alerts))
        let required = [
            "PodnetdVXLANRouteMissing", "PodnetdVXLANRouteUnresolved", "PodnetdWorkloadRouteMissing",
            "PodnetdMaxPodsExceedsIPCapacity", "PodnetdPodCapacityNearLimit", "PodnetdAgentDown",
            "PodnetdCriticalFinding", "PodnetdIPForwardingDisabled",
        ]
        for name in required {
            #expect(rules.blocks[name] != nil, "alerts.yaml has no alert \(name)")
        }
        for (name, block) in rules.blocks {
            for key in ["summary:", "description:", "runbook_url:"] {
                #expect(block.contains(key), "\(name) has no \(key) annotation")
            }
            // absent() has no node to name. Every other alert names the node, not the instance:
            // with node-local scrapers every instance is localhost:9647.
            if name != "PodnetdAgentAbsent" {
                #expect(block.contains("$labels.node"), "\(name) should name the node")
                #expect(!block.contains("instance=%q"), "\(name) must not query by instance alone")
            }
            #expect(block.contains("$value"), "\(name) should show the value")
        }
        #expect(rules.blocks["PodnetdVXLANRouteMissing"]?.contains("severity: critical") == true)
        // A dormant misconfiguration and a full node do not page.
        #expect(rules.blocks["PodnetdMaxPodsExceedsIPCapacity"]?.contains("severity: warning") == true)
        #expect(rules.blocks["PodnetdPodCapacityAtLimit"]?.contains("severity: warning") == true)
    }

    @Test("every check the rules name is in podnetd's check catalogue")
    func checkNamesExist() throws {
        // The catalogue's IDs are API (CheckID.swift); a misspelt one here would never fire.
        let catalogueFile = "Sources/PodnetAnalysis/Report/CheckID.swift"
        let catalogue = try String(contentsOfFile: Repository.path(catalogueFile), encoding: .utf8)
        let known = Set(Self.quoted(after: "CheckID(rawValue: \"", in: catalogue))
        #expect(!known.isEmpty, "no CheckID(rawValue: \"…\") found in \(catalogueFile)")

        let rules = try String(contentsOfFile: Repository.path(Self.alerts), encoding: .utf8)
        var named = Set(Self.quoted(after: "check=\"", in: rules))
        for pattern in Self.quoted(after: "check!~\"", in: rules) {
            named.formUnion(pattern.split(separator: "|").map(String.init))
        }
        #expect(named.count >= 6)
        for check in named.sorted() {
            #expect(known.contains(check), "alerts.yaml names check \(check), which \(catalogueFile) does not define")
        }
    }

    /// The strings between `prefix` and the next `"` in `text`.
    static func quoted(after prefix: String, in text: String) -> [String] {
        text.components(separatedBy: prefix).dropFirst().compactMap { rest in
            rest.split(separator: "\"", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        }
    }

    /// In both layouts: a rule untested in one can break there unseen (a join on `instance`
    /// becomes many-to-many when every target is localhost:9647).
    @Test(
        "every alert has a firing and a non-firing case in the tests of both scrape layouts",
        arguments: ["Config/alerts.test.yaml", "Config/alerts.fleet.test.yaml"])
    func everyAlertIsTestedBothWays(file: String) throws {
        let rules = try AlertRules(path: Repository.path(Self.alerts))
        let cases = try RuleTestCases(path: Repository.path(file))
        #expect(!rules.blocks.isEmpty)
        for name in rules.blocks.keys.sorted() {
            #expect(cases.firing.contains(name), "\(file) has no firing case for \(name)")
            #expect(cases.quiet.contains(name), "\(file) has no non-firing case for \(name)")
        }
    }
}

/// The alerting rules of a rules file, each as its lines of text, by alert name.
struct AlertRules {
    let blocks: [String: String]

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var blocks: [String: String] = [:]
        var current: String?
        var lines: [Substring] = []
        func flush() {
            if let current { blocks[current] = lines.joined(separator: "\n") }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- alert:") || trimmed.hasPrefix("- record:") {
                flush()
                current = trimmed.hasPrefix("- alert:")
                    ? trimmed.dropFirst("- alert:".count).trimmingCharacters(in: .whitespaces) : nil
                lines = []
            }
            lines.append(line)
        }
        flush()
        self.blocks = blocks
    }
}

/// Which alerts a promtool test file expects to fire, and which it expects to stay quiet, at some time.
struct RuleTestCases {
    private(set) var firing: Set<String> = []
    private(set) var quiet: Set<String> = []

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var alertname: String?
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- eval_time:") {
                alertname = nil
            } else if trimmed.hasPrefix("alertname:") {
                alertname = trimmed.dropFirst("alertname:".count).trimmingCharacters(in: .whitespaces)
            } else if let name = alertname, trimmed.hasPrefix("exp_alerts:") {
                let rest = trimmed.dropFirst("exp_alerts:".count).trimmingCharacters(in: .whitespaces)
                if rest == "[]" { quiet.insert(name) } else { firing.insert(name) }
                alertname = nil
            }
        }
    }
}
