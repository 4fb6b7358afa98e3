import Foundation
import PodnetTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `podnetd serve` under a SIGHUP storm: reload lines are rate-limited like the HTTP refusals (one
/// per kind per 10 s, then the count of those left out), and it keeps serving.
@Suite("serve: reload log lines", .timeLimit(.minutes(1)))
struct ServeReloadLogTests {
    func lines(_ daemon: ServedDaemon, containing text: String) -> [Substring] {
        daemon.stderr.split(separator: "\n").filter { $0.contains(text) }
    }

    @Test("60 SIGHUPs in 1.5 s: one line per kind at once, one line with the count after 10 s; a new failure reason is logged at once")
    func sighupStorm() throws {
        try withServedDaemon { _, daemon in
            for _ in 0..<60 {
                daemon.signal(SIGHUP)
                pause(.milliseconds(25))
            }
            pause(.milliseconds(500))
            let requested = lines(daemon, containing: "SIGHUP: reloading the configuration")
            let reloaded = lines(daemon, containing: "configuration reloaded")
            #expect(requested.count == 1, "\(requested.count) lines for the storm:\n\(daemon.stderr)")
            #expect(reloaded.count == 1, "\(reloaded.count) lines for the storm:\n\(daemon.stderr)")
            #expect(try daemon.get("/healthz").status == 200)

            // The count of the lines left out, when the interval ends.
            let summary = poll(timeout: .seconds(15), interval: .milliseconds(200)) { () -> Substring? in
                lines(daemon, containing: "SIGHUP: reloading the configuration (").first
            }
            let line = try #require(summary.value, "no summary line after the interval:\n\(daemon.stderr)")
            let counted = line.firstMatch(of: /\((\d+) times in the last 10 s\)/).flatMap { Int($0.1) }
            #expect((counted ?? 0) >= 10, "the storm's SIGHUPs are counted: \(line)")
            #expect(lines(daemon, containing: "SIGHUP: reloading the configuration").count == 2, "\(daemon.stderr)")

            // A broken file: its error is news, logged at once although reloads were just logged.
            try daemon.directory.write(ServedDaemon.configName, "cni: calico-vxlan\npodCIRDs: []\n")
            daemon.signal(SIGHUP)
            let failed = poll(timeout: .seconds(5), interval: .milliseconds(50)) { () -> Substring? in
                lines(daemon, containing: "configuration reload failed").first
            }
            #expect(failed.value?.contains("unknown key \"podCIRDs\"") == true, "\(daemon.stderr)")
            #expect(daemon.isRunning)
        }
    }
}
