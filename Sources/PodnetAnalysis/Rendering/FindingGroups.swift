/// Findings of one check taken together: when calico-node dies or Felix flushes, thousands of
/// findings share one check, one explanation and one fix, and people (text reports) and journald
/// (logs) need them once with the list of objects, not thousands of times.
public enum FindingGroups {
    /// Up to this many findings of one check are shown in full; more become one entry with a list.
    public static let expandedUpTo = 3
    /// How many objects a grouped entry names before it says how many more there are.
    public static let objectsListed = 30

    /// Consecutive runs of the same check and severity, in the given order (a report's findings
    /// are sorted by severity, then check, so each check of a severity forms one run).
    public static func byCheck(_ findings: [Finding]) -> [[Finding]] {
        var groups: [[Finding]] = []
        for finding in findings {
            if let last = groups.last?.last, last.check == finding.check, last.severity == finding.severity {
                groups[groups.count - 1].append(finding)
            } else {
                groups.append([finding])
            }
        }
        return groups
    }
}
