import Foundation
import PodnetAnalysis
import PodnetModel
import PodnetTestSupport

/// The kernel's own answers: `ip -force -j -batch -` of `route get …` lines inside a namespace,
/// matched back to the queries (successes in order on stdout, failures as `Command failed -:LINE`
/// after their `RTNETLINK answers: …` line on stderr).
struct KernelRouteGet {
    /// One answer of `ip -j route get`.
    struct Answer {
        /// `RTNETLINK answers: <this>`, for a failed lookup.
        var error: String?
        var object: [String: Any] = [:]

        var type: String { object["type"] as? String ?? "unicast" }
        var gateway: String? { object["gateway"] as? String }
        var device: String? { object["dev"] as? String }
        var preferredSource: String? { object["prefsrc"] as? String }
        var metric: UInt32 { (object["metric"] as? NSNumber)?.uint32Value ?? 0 }
        /// The table, 254 when `ip` prints none.
        var table: UInt32 {
            if let number = object["table"] as? NSNumber { return number.uint32Value }
            switch object["table"] as? String {
            case nil, "main": return 254
            case "local": return 255
            case "default": return 253
            case let text?: return UInt32(text) ?? 0
            }
        }
        /// The destination prefix (`fibmatch` answers).
        func destinationPrefix(_ family: AddressFamily) -> IPPrefix? {
            guard let text = object["dst"] as? String else { return nil }
            if text == "default" { return IPPrefix.defaultRoute(family) }
            return IPPrefix(text)?.network
        }
    }

    static let errorNames = [
        "Invalid argument": "EINVAL", "No route to host": "EHOSTUNREACH", "Network is unreachable": "ENETUNREACH",
        "Permission denied": "EACCES", "Invalid cross-device link": "EXDEV",
    ]

    /// The `ip route get` arguments of a query (`fibmatch` asks for the FIB entry instead of the result).
    static func command(_ query: ExplainQuery, fibmatch: Bool = false) -> String {
        var parts = ["route", "get"]
        if fibmatch { parts.append("fibmatch") }
        parts.append(query.destination.description)
        if let source = query.source { parts += ["from", source.description] }
        if let iif = query.inputInterface { parts += ["iif", iif] }
        if query.mark != 0 { parts += ["mark", "0x" + String(query.mark, radix: 16)] }
        return parts.joined(separator: " ")
    }

    /// Runs the lines (each an `ip` command without `ip`) in one `ip -batch` and returns one answer per line.
    static func run(_ lines: [String], in namespace: NetworkNamespace) throws -> [Answer] {
        let result = try runProcess(
            "ip", ["-n", namespace.name, "-force", "-j", "-batch", "-"], timeout: .seconds(600),
            input: lines.joined(separator: "\n") + "\n")
        var failures: [Int: String] = [:]
        var lastMessage = ""
        for line in result.stderr.split(separator: "\n") {
            if line.hasPrefix("Command failed -:"), let number = Int(line.dropFirst("Command failed -:".count)) {
                failures[number] = lastMessage
            } else {
                lastMessage = line.hasPrefix("RTNETLINK answers: ") ? String(line.dropFirst("RTNETLINK answers: ".count)) : String(line)
            }
        }
        var successes: [[String: Any]] = []
        for line in result.stdout.split(separator: "\n") where line.hasPrefix("[") {
            let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]]
            successes.append(parsed?.first ?? [:])
        }
        var answers: [Answer] = []
        var next = 0
        for number in 1...max(lines.count, 1) where number <= lines.count {
            if let message = failures[number] {
                answers.append(Answer(error: message))
            } else {
                guard next < successes.count else {
                    throw NamespaceError("ip -batch: fewer answers than commands (line \(number): \(lines[number - 1])); stderr: \(result.stderr.prefix(500))")
                }
                answers.append(Answer(object: successes[next]))
                next += 1
            }
        }
        guard next == successes.count else {
            throw NamespaceError("ip -batch: \(successes.count) answers for \(next) successful commands")
        }
        return answers
    }
}
