/// Renders a path explanation for people: a verdict line, the rules the lookup consulted, one line
/// per step (✓ ok, ! warning, ✗ broken, · context) with its evidence, and for the first broken link
/// the finding `podnetd check` gives, in the report's own layout.
public enum ExplainTextRenderer {
    public static func render(_ explanation: PathExplanation, color: Bool, width: Int = 100) -> String {
        let style = ReportTextRenderer.Style(enabled: color)
        var lines: [String] = [verdict(explanation, style: style)]

        if !explanation.rules.isEmpty {
            lines.append("  rules")
            for evaluation in explanation.rules {
                let mark = evaluation.matched ? "→" : "·"
                let outcome = evaluation.result.map { ": \($0)" } ?? ""
                lines.append("    \(mark) \(evaluation.rule)  (\(evaluation.reason)\(outcome))")
            }
        }
        let stepWidth = explanation.steps.map(\.step.count).max() ?? 0
        for step in explanation.steps {
            let line = "  \(symbol(step.status, style: style)) \(ReportTextRenderer.pad(step.step, to: stepWidth))  \(step.summary)"
            lines.append(line)
            for evidence in step.evidence where !step.summary.contains(evidence) {
                lines.append("      " + style.dim("│ " + evidence))
            }
        }
        if let finding = explanation.finding {
            lines.append("")
            lines.append(style.severity(finding.severity, "first broken link, as podnetd check reports it:"))
            lines.append(
                contentsOf: ReportTextRenderer.findingLines(
                    finding, checkWidth: finding.check.rawValue.count, objectWidth: finding.object.count, style: style,
                    width: width))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func verdict(_ explanation: PathExplanation, style: ReportTextRenderer.Style) -> String {
        var asked = "\(explanation.query.destination)"
        if let source = explanation.query.source { asked += " from \(source)" }
        if let iif = explanation.query.inputInterface { asked += " iif \(iif)" }
        if explanation.query.mark != 0 { asked += " mark 0x\(String(explanation.query.mark, radix: 16))" }
        let context = " (\(explanation.destinationKind))"
        switch explanation.verdict {
        case .complete:
            return style.color(.green, style.bold("✓ \(asked): path complete")) + context
        case .broken:
            let at = explanation.brokenStep.map { " at \(explanation.steps[$0].step)" } ?? ""
            let check = explanation.finding.map { ": \($0.check)" } ?? ""
            return style.color(.red, style.bold("✗ \(asked): broken\(at)\(check)")) + context
        case .undetermined:
            let at = explanation.steps.last.map { " at \($0.step)" } ?? ""
            return style.color(.yellow, style.bold("? \(asked): path undetermined\(at): podnetd does not model it")) + context
        }
    }

    static func symbol(_ status: StepStatus, style: ReportTextRenderer.Style) -> String {
        switch status {
        case .ok: style.color(.green, "✓")
        case .warning: style.color(.yellow, "!")
        case .broken: style.color(.red, "✗")
        case .info: style.color(.blue, "·")
        }
    }
}
