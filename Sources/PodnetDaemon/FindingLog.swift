import Logging
import PodnetAnalysis

/// Turns what one analysis changed (findings that appeared, findings that resolved) into log
/// entries, aggregated per check: a Felix flush that breaks 5,000 remote blocks is one line with a
/// count and the first objects, not 5,000 lines that journald's rate limit would drop anyway.
///
/// A check with a single finding keeps its own line (summary, object metadata); at most
/// `maxEntries` entries per analysis, the last one then summing up the rest.
public enum FindingLog {
    /// The most entries one analysis logs.
    public static let maxEntries = 10
    /// Objects named in an aggregated entry.
    public static let objectsNamed = 5

    /// One log line with its level and structured metadata (check, severity, object or count).
    public struct Entry: Sendable, Equatable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    /// The entries for one analysis' transitions, appeared first, then resolved. Both lists come
    /// in report order, as `FindingTracker` gives them (a check's findings together); they are not
    /// sorted again here, which at 5,000 findings is worth a few milliseconds per analysis.
    public static func entries(appeared: [Finding], resolved: [Finding]) -> [Entry] {
        var entries: [Entry] = []
        for group in FindingGroups.byCheck(appeared) {
            entries.append(entry(group, verb: "appeared", level: group[0].severity == .info ? .info : .warning))
        }
        for group in FindingGroups.byCheck(resolved) {
            entries.append(entry(group, verb: "resolved", level: .notice))
        }
        guard entries.count > maxEntries else { return entries }
        let rest = entries[(maxEntries - 1)...]
        let findings = rest.reduce(0) { $0 + (Int($1.metadata["count"] ?? "1") ?? 1) }
        let checks = Set(rest.compactMap { $0.metadata["check"] }).sorted()
        let summary = Entry(
            level: rest.map(\.level).max() ?? .warning,
            message: "\(findings) more findings appeared or resolved in \(checks.count) more checks: "
                + checks.joined(separator: ", "),
            metadata: ["count": "\(findings)"])
        return Array(entries.prefix(maxEntries - 1)) + [summary]
    }

    private static func entry(_ group: [Finding], verb: String, level: Logger.Level) -> Entry {
        let first = group[0]
        var metadata = ["check": first.check.rawValue, "severity": first.severity.rawValue]
        if group.count == 1 {
            metadata["object"] = first.object
            return Entry(level: level, message: "finding \(verb): \(first.summary)", metadata: metadata)
        }
        let named = group.prefix(objectsNamed).map(\.object)
        let more = group.count > named.count ? ", … and \(group.count - named.count) more" : ""
        metadata["count"] = "\(group.count)"
        metadata["object"] = first.object
        return Entry(
            level: level,
            message: "\(group.count) \(first.check.rawValue) findings \(verb) (\(first.severity.rawValue)): "
                + named.joined(separator: ", ") + more,
            metadata: metadata)
    }
}

extension Logger {
    /// Logs one `FindingLog` entry with its metadata.
    func log(_ entry: FindingLog.Entry) {
        log(level: entry.level, "\(entry.message)", metadata: entry.metadata.mapValues { .string($0) })
    }
}
