import Foundation
import PodnetTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `prometheus` running inside a test namespace on 127.0.0.1:9090, with a data directory
/// of the test's own, scraping the given targets and evaluating the given rule file every second.
/// `stop()` (also on deinit) ends and reaps it.
final class ServedPrometheus: Sendable {
    let namespace: NetworkNamespace
    let directory: TemporaryDirectory
    let pid: pid_t
    private let reaped = Mutex(false)
    static let port = 9090

    /// - Parameters:
    ///   - targets: `ADDRESS:PORT` of each podnetd, scraped as job `podnetd`.
    ///   - rules: the text of the rule file to load.
    init(in namespace: NetworkNamespace, directory: TemporaryDirectory, targets: [String], rules: String) throws {
        guard let prometheus = resolveExecutable("prometheus") else {
            throw MissingRequirement("prometheus is not installed (Debian package prometheus): run Scripts/deps.sh")
        }
        self.namespace = namespace
        self.directory = directory
        try directory.write("rules.yaml", rules)
        let targetList = targets.map { "\"\($0)\"" }.joined(separator: ", ")
        try directory.write(
            "prometheus.yaml",
            """
            global:
              scrape_interval: 1s
              scrape_timeout: 900ms
              evaluation_interval: 1s
            rule_files: [\(directory.file("rules.yaml"))]
            scrape_configs:
              - job_name: podnetd
                honor_labels: true
                static_configs:
                  - targets: [\(targetList)]

            """)
        try FileManager.default.createDirectory(atPath: directory.file("data"), withIntermediateDirectories: false)
        pid = try spawnInBackground(
            "ip",
            [
                "netns", "exec", namespace.name, prometheus, "--config.file=\(directory.file("prometheus.yaml"))",
                "--storage.tsdb.path=\(directory.file("data"))", "--web.listen-address=127.0.0.1:\(Self.port)",
            ],
            stdoutFile: directory.file("prometheus.stdout"), stderrFile: directory.file("prometheus.stderr"))
    }

    deinit { stop() }

    var log: String { directory.read("prometheus.stderr") }

    /// SIGTERM, then SIGKILL after 5 s; reaps the process. Idempotent.
    func stop() {
        reaped.withLock { done in
            guard !done else { return }
            done = true
            kill(pid, SIGTERM)
            var status: Int32 = 0
            for _ in 0..<100 {
                if waitpid(pid, &status, WNOHANG) == pid { return }
                pause(.milliseconds(50))
            }
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
        }
    }

    /// GET `path` of the HTTP API from inside the namespace, as a JSON object.
    func api(_ path: String) throws -> [String: Any] {
        let result = try namespace.run(
            ["curl", "-s", "--max-time", "5", "http://127.0.0.1:\(Self.port)\(path)"], timeout: .seconds(10))
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw ProcessFailure(
                result: nil, reason: "prometheus \(path): \(result.stdout.prefix(500))\n\(log.suffix(2000))")
        }
        return object
    }

    /// One alert as /api/v1/alerts reports it.
    struct Alert: CustomStringConvertible {
        var labels: [String: String]
        var annotations: [String: String]
        var state: String
        var name: String { labels["alertname"] ?? "" }
        var description: String {
            "\(name){node=\(labels["node"] ?? "-"),instance=\(labels["instance"] ?? "-")} \(state)"
        }
    }

    /// Pending and firing alerts.
    func alerts() throws -> [Alert] {
        let data = try api("/api/v1/alerts")["data"] as? [String: Any]
        return (data?["alerts"] as? [[String: Any]] ?? []).map {
            Alert(
                labels: $0["labels"] as? [String: String] ?? [:],
                annotations: $0["annotations"] as? [String: String] ?? [:], state: $0["state"] as? String ?? "")
        }
    }

    /// The targets' health (`up`, `down`, `unknown`) by scrape URL.
    func targetHealth() throws -> [String: String] {
        let data = try api("/api/v1/targets")["data"] as? [String: Any]
        var health: [String: String] = [:]
        for target in data?["activeTargets"] as? [[String: Any]] ?? [] {
            health[target["scrapeUrl"] as? String ?? "?"] = target["health"] as? String
        }
        return health
    }
}
