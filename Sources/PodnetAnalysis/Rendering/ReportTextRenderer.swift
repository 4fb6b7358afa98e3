/// Renders a report for people: a one-line verdict, then the findings grouped by severity in
/// aligned columns, each with its detail, evidence and fix, then the node's pod capacity.
public enum ReportTextRenderer {
    /// The text of `report`; ANSI colours only when `color` is true (the CLI passes
    /// isatty(stdout) && NO_COLOR unset). Prose is wrapped at `width` columns; evidence lines never are.
    public static func render(_ report: Report, color: Bool, width: Int = 100) -> String {
        let style = Style(enabled: color)
        var lines: [String] = [verdict(report, style: style)]

        let checkWidth = report.findings.map(\.check.rawValue.count).max() ?? 0
        let objectWidth = min(report.findings.map(\.object.count).max() ?? 0, 40)
        for severity in Severity.allCases.reversed() {
            let group = report.findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            lines.append("")
            lines.append(style.severity(severity, "\(severity.rawValue.uppercased()) (\(group.count))"))
            for findings in FindingGroups.byCheck(group) {
                guard findings.count > FindingGroups.expandedUpTo else {
                    for finding in findings {
                        lines.append(
                            contentsOf: findingLines(
                                finding, checkWidth: checkWidth, objectWidth: objectWidth, style: style, width: width))
                    }
                    continue
                }
                // A mass failure (calico-node gone, Felix flushed): one explanation, then the objects.
                let first = findings[0]
                lines.append(
                    contentsOf: findingLines(
                        first, checkWidth: checkWidth, objectWidth: objectWidth, style: style, width: width,
                        headline: "\(findings.count) findings, e.g. \(first.object): \(first.summary)"))
                lines.append(contentsOf: objectList(findings, width: width, style: style))
            }
        }
        lines.append("")
        lines.append(capacityLine(report))
        if let cluster = report.cluster { lines.append(contentsOf: clusterLines(cluster)) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One finding: check, object and summary on a line (or `headline` after the check), then its
    /// detail, evidence and fix, indented.
    static func findingLines(
        _ finding: Finding, checkWidth: Int, objectWidth: Int, style: Style, width: Int, headline: String? = nil
    ) -> [String] {
        let check = pad(finding.check.rawValue, to: checkWidth)
        let title = headline ?? pad(finding.object, to: objectWidth) + "  " + finding.summary
        var lines = ["  " + style.bold(check) + "  " + title]
        lines.append(contentsOf: wrap(finding.detail, width: width, indent: "      "))
        for evidence in finding.evidence {
            lines.append("      " + style.dim("│ " + evidence))
        }
        lines.append(
            contentsOf: wrap(
                finding.remediation, width: width, indent: "      ", firstPrefix: style.bold("fix:") + " ",
                firstPrefixWidth: 5))
        return lines
    }

    /// `objects (5000): a, b, c, … and 4970 more (--format json lists every finding)`, wrapped.
    static func objectList(_ findings: [Finding], width: Int, style: Style) -> [String] {
        let shown = findings.prefix(FindingGroups.objectsListed).map(\.object)
        var text = shown.joined(separator: ", ")
        let rest = findings.count - shown.count
        if rest > 0 { text += ", … and \(rest) more (--format json lists every finding)" }
        return wrap(
            text, width: width, indent: "      ", firstPrefix: style.bold("objects (\(findings.count)):") + " ",
            firstPrefixWidth: "objects (\(findings.count)): ".count)
    }

    /// `✗ node ip-10-0-0-10: 2 critical, 1 warning (calico-vxlan, 3 workloads, 1 remote block)`.
    static func verdict(_ report: Report, style: Style) -> String {
        let counts = report.summary
        var parts: [String] = []
        for severity in Severity.allCases.reversed() where counts[severity] > 0 {
            let word = severity == .warning && counts.warning != 1 ? "warnings" : severity.rawValue
            parts.append("\(counts[severity]) \(word)")
        }
        let context = " (" + inventoryText(report) + ")"
        if counts.critical > 0 {
            return style.color(.red, style.bold("✗ node \(report.node): " + parts.joined(separator: ", "))) + context
        }
        if counts.warning > 0 {
            return style.color(.yellow, style.bold("! node \(report.node): " + parts.joined(separator: ", "))) + context
        }
        let healthy = counts.info > 0 ? "healthy, \(counts.info) info" : "healthy"
        return style.color(.green, style.bold("✓ node \(report.node): \(healthy)")) + context
    }

    static func inventoryText(_ report: Report) -> String {
        let inventory = report.inventory
        func count(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }
        var parts = [report.cni.detected.rawValue]
        switch report.cni.detected {
        case .calicoVXLAN:
            parts.append(count(inventory.workloads, "workload"))
            parts.append(count(inventory.blocks, "local block"))
            parts.append(count(inventory.remoteBlocks, "remote block"))
            parts.append(count(inventory.vteps, "VTEP"))
        case .awsVPCCNI:
            parts.append(count(inventory.workloads, "workload"))
            if let enis = inventory.enis { parts.append(count(enis, "ENI")) }
        case .hostGW:
            parts.append(count(inventory.workloads, "workload"))
        case .unknown:
            parts = ["no pod network detected"]
        }
        return parts.joined(separator: ", ")
    }

    static func capacityLine(_ report: Report) -> String {
        let capacity = report.capacity
        var parts: [String] = []
        if let podCapacity = capacity.podCapacity {
            parts.append("\(capacity.workloads) of \(podCapacity) workload slots used")
        } else {
            parts.append("\(capacity.workloads) workloads, capacity unknown")
        }
        if let maxPods = capacity.maxPods {
            parts.append("maxPods \(maxPods) (\(capacity.maxPodsSource))")
        } else {
            parts.append("maxPods unknown (\(capacity.maxPodsSource))")
        }
        if let type = capacity.instanceType {
            parts.append(type)
        }
        if let ip = capacity.ipCapacity, let formula = capacity.ipCapacityFormula {
            parts.append(
                "IP capacity \(ip) = \(formula.split(separator: "=").first.map { $0.trimmingSpaces } ?? formula)")
        }
        return "capacity: " + parts.joined(separator: "; ")
    }

    /// `text` followed by blanks up to `width` characters (unchanged when it is as long or longer).
    static func pad(_ text: String, to width: Int) -> String {
        let count = text.count
        return count >= width ? text : text + String(repeating: " ", count: width - count)
    }

    /// Word-wraps `text` at `width`, each line indented; the first line may start with a prefix.
    static func wrap(
        _ text: String, width: Int, indent: String, firstPrefix: String = "", firstPrefixWidth: Int = 0
    ) -> [String] {
        var lines: [String] = []
        var current = indent + firstPrefix
        var currentWidth = indent.count + firstPrefixWidth
        var lineHasWord = false
        let available = max(width, indent.count + 20)
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let needed = (lineHasWord ? 1 : 0) + word.count
            if lineHasWord && currentWidth + needed > available {
                lines.append(current)
                current = indent + String(repeating: " ", count: firstPrefixWidth)
                currentWidth = indent.count + firstPrefixWidth
                lineHasWord = false
            }
            if lineHasWord {
                current += " "
                currentWidth += 1
            }
            current += word
            currentWidth += word.count
            lineHasWord = true
        }
        if lineHasWord || !firstPrefix.isEmpty { lines.append(current) }
        return lines
    }

    /// ANSI styling, or none.
    struct Style {
        enum Color: Int {
            case red = 31
            case green = 32
            case yellow = 33
            case blue = 34
        }

        let enabled: Bool

        func color(_ color: Color, _ text: String) -> String {
            enabled ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
        }

        func bold(_ text: String) -> String { enabled ? "\u{1B}[1m\(text)\u{1B}[22m" : text }

        func dim(_ text: String) -> String { enabled ? "\u{1B}[2m\(text)\u{1B}[22m" : text }

        func severity(_ severity: Severity, _ text: String) -> String {
            switch severity {
            case .critical: color(.red, bold(text))
            case .warning: color(.yellow, bold(text))
            case .info: color(.blue, bold(text))
            }
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

extension ReportTextRenderer {
    /// `cluster: current view (3 nodes, 4 block affinities, 1 pool) of https://… (kubeconfig …), 0 s old;
    /// node vm (hostname)` and where each expectation came from.
    static func clusterLines(_ cluster: ClusterReport) -> [String] {
        var line = "cluster: "
        if let age = cluster.viewAgeSeconds {
            line += "\(cluster.state) view (\(cluster.nodes) nodes, \(cluster.blockAffinities) block affinities, "
                + "\(cluster.pools) pools) from \(cluster.source), \(age) s old"
            if let node = cluster.nodeName { line += "; this node is \(node) (\(cluster.nodeNameSource ?? "?"))" }
        } else {
            line += "\(cluster.state): \(cluster.source)"
        }
        var lines = [line]
        if !cluster.expectationSources.isEmpty {
            lines.append(
                "expectations: "
                    + cluster.expectationSources.map { "\($0.expectation) from \($0.source)" }.joined(separator: "; "))
        }
        return lines
    }
}
