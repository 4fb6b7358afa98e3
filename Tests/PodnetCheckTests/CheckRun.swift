import Foundation
import PodnetTestSupport
import Testing

/// One `podnetd check --format json` run inside a namespace, decoded.
struct CheckRun {
    struct Finding: Hashable, CustomStringConvertible {
        var check: String
        var severity: String
        var object: String
        var description: String { "\(check) [\(severity)] \(object)" }
    }

    let exitCode: Int32
    let findings: [Finding]
    let stdout: String
    let stderr: String

    /// Writes `config` to a temporary file and runs `podnetd check` with it inside `namespace`.
    static func run(config: String, in namespace: NetworkNamespace, format: String = "json", extraArguments: [String] = []) throws -> CheckRun {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-check-\(UUID().uuidString).yaml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try PodnetdBinary.locate().run(
            ["check", "--config", file.path, "--format", format] + extraArguments, in: namespace, timeout: .seconds(30))
        let findings = format == "json" && result.exitCode != 2 ? try Self.findings(inReport: result.stdout) : []
        return CheckRun(exitCode: result.exitCode, findings: findings, stdout: result.stdout, stderr: result.stderr)
    }

    /// The findings of a `check --format json` report.
    static func findings(inReport json: String) throws -> [Finding] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["findings"] as? [[String: Any]] ?? []).map {
            Finding(check: $0["check"] as? String ?? "", severity: $0["severity"] as? String ?? "", object: $0["object"] as? String ?? "")
        }
    }

    /// Findings at warning or critical.
    var problems: [Finding] { findings.filter { $0.severity != "info" } }

    func has(_ check: String, object: String? = nil, severity: String? = nil) -> Bool {
        findings.contains { $0.check == check && (object == nil || $0.object == object) && (severity == nil || $0.severity == severity) }
    }
}
