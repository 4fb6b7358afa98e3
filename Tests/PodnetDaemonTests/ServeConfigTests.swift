import Foundation
import PodnetTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Configuration at run time: SIGHUP reloads (a bad file is logged and ignored), and the bearer token.
@Suite("serve: reload and auth", .timeLimit(.minutes(1)))
struct ServeConfigTests {
    /// Waits until the daemon's stderr has `count` occurrences of `text`.
    func waitForLog(_ text: String, count: Int, daemon: ServedDaemon) -> Bool {
        poll(timeout: .seconds(5), interval: .milliseconds(20)) {
            daemon.stderr.components(separatedBy: text).count - 1 >= count ? true : nil
        }.value != nil
    }

    @Test("SIGHUP with a bad config keeps serving the last good one and logs the key and line; a good one takes effect")
    func reloadOnSIGHUP() throws {
        try withServedDaemon { _, daemon in
            let failure = "configuration reload failed"
            #expect(try daemon.status().problems == [])

            // Not YAML at all.
            try daemon.directory.write(
                ServedDaemon.configName, "cni: calico-vxlan\ncalico: [unclosed\n  graceSeconds: {\n")
            daemon.signal(SIGHUP)
            #expect(waitForLog(failure, count: 1, daemon: daemon), "no reload failure logged:\n\(daemon.stderr)")
            #expect(daemon.stderr.contains("\(daemon.configPath):"), "names the file: \(daemon.stderr)")
            #expect(daemon.isRunning)
            #expect(try daemon.get("/healthz").status == 200)

            // YAML, but a wrong value on line 10: the message names the key and the line.
            let wrongValue = ServeConfig.text().replacingOccurrences(of: "graceSeconds: 0", with: "graceSeconds: soon")
            let line =
                try #require(
                    wrongValue.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
                        $0.hasPrefix("graceSeconds")
                    }) + 1
            try daemon.directory.write(ServedDaemon.configName, wrongValue)
            daemon.signal(SIGHUP)
            #expect(waitForLog(failure, count: 2, daemon: daemon), "no second reload failure logged:\n\(daemon.stderr)")
            let logged =
                daemon.stderr.split(separator: "\n").filter { $0.contains(failure) }.last.map(String.init) ?? ""
            #expect(logged.contains("\(daemon.configPath):\(line): graceSeconds:"), "key and line in: \(logged)")
            #expect(daemon.isRunning)
            #expect(try daemon.get("/healthz").status == 200)
            let kept = try daemon.status()
            #expect(kept.graceSeconds == 0, "the last good config stays in force: \(kept.daemon)")
            #expect(kept.lastResyncReason == "startup", "a failed reload does not resync: \(kept.daemon)")

            // A good config expecting a second remote block, which this node does not route: it shows.
            let good = ServeConfig.text().replacingOccurrences(
                of: "      tunnelIP: 192.168.35.0",
                with: "      tunnelIP: 192.168.35.0\n    - block: 192.168.99.0/26\n      tunnelIP: 192.168.99.0")
            try daemon.directory.write(ServedDaemon.configName, good)
            daemon.signal(SIGHUP)
            #expect(waitForLog("configuration reloaded", count: 1, daemon: daemon), "\(daemon.stderr)")
            let reloaded = try poll(timeout: .seconds(5), interval: .milliseconds(20)) { () throws -> StatusSnapshot? in
                let status = try daemon.status()
                return status.finding("vxlan-route-missing", object: "192.168.99.0/26") != nil ? status : nil
            }
            let status = try #require(reloaded.value, "the new expectation did not take effect\n\(daemon.stderr)")
            #expect(status.lastResyncReason == "reload")
            #expect(daemon.isRunning)
        }
    }

    @Test("with auth.bearerTokenFile, /status and /metrics need the token; /healthz and /readyz stay open")
    func bearerToken() throws {
        let token = "tok-" + UUID().uuidString
        try withServedDaemon(config: { directory in
            let file = try directory.write("token", token + "\n")
            return ServeConfig.text(extra: "auth:\n  bearerTokenFile: \(file)")
        }) { _, daemon in
            for path in ["/status", "/metrics"] {
                let missing = try daemon.get(path)
                #expect(missing.status == 401, "\(path) without a token: \(missing)")
                #expect(
                    try daemon.get(path, headers: ["Authorization: Bearer wrong"]).status == 401, "\(path) wrong token")
                let right = try daemon.get(path, headers: ["Authorization: Bearer \(token)"])
                #expect(right.status == 200, "\(path) with the token: \(right)")
            }
            #expect(try daemon.get("/healthz").status == 200)
            #expect(try daemon.get("/readyz").status == 200)
        }
    }
}
