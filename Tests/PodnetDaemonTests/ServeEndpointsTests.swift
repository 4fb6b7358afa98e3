import Foundation
import PodnetAnalysis
import PodnetTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `podnetd serve` in a healthy Calico node namespace: every endpoint, and a clean stop.
@Suite("serve: endpoints and stopping", .timeLimit(.minutes(1)))
struct ServeEndpointsTests {
    @Test("on a healthy node all four endpoints answer on the default 127.0.0.1:9647, /status has no problem")
    func healthyNode() throws {
        // No `listen` in the config: the default address.
        try withServedDaemon { _, daemon in
            let health = try daemon.get("/healthz")
            #expect(health.status == 200, "\(health)")
            #expect(health.body == "ok\n")
            let ready = try daemon.get("/readyz")
            #expect(ready.status == 200, "\(ready)")

            let json = try daemon.get("/status")
            #expect(json.status == 200, "\(json)")
            #expect(json.contentType == "application/json")
            let status = try StatusSnapshot(json.json())
            #expect(status.problems == [], "unexpected findings on a healthy node: \(status)\n\(daemon.stderr)")
            #expect(!status.findings.contains { $0.severity == "critical" })
            #expect(status.daemon["version"] is String, "\(status)")
            #expect(status.lastResyncReason == "startup")
            let document = try json.json()
            #expect(
                (document["cni"] as? [String: Any])?["detected"] as? String == "calico-vxlan",
                "\(document["cni"] ?? "")")

            let text = try daemon.get("/status?format=text")
            #expect(text.status == 200)
            #expect(text.contentType.hasPrefix("text/plain"), "\(text)")
            #expect(text.body.contains("node"), "\(text)")
            #expect(!text.body.contains("{"), "text, not JSON: \(text)")
            let accepted = try daemon.get("/status", headers: ["Accept: text/plain"])
            #expect(accepted.body == text.body)

            let metrics = try daemon.get("/metrics")
            #expect(metrics.status == 200, "\(metrics)")
            #expect(metrics.contentType == "text/plain; version=0.0.4; charset=utf-8")
            let lint = try promtoolCheckMetrics(metrics.body)
            #expect(lint.succeeded, "promtool check metrics: \(lint)")
            let exposition = try Exposition(metrics.body)
            #expect(exposition.value("podnetd_vxlan_routes") == 1)
            #expect(exposition.value("podnetd_vteps") == 1)
            #expect(exposition.value("podnetd_workloads") == 3)
            #expect(exposition.value("podnetd_max_pods") == 110)
            #expect(exposition.value("podnetd_findings", ["check": "vxlan-route-missing"]) == 0)
            #expect(
                exposition.series("podnetd_findings").count == CheckID.catalogue.count, "one series per catalogue check"
            )
            #expect(exposition.value("podnetd_resyncs_total", ["reason": "startup"]) == 1)

            let head = try daemon.get("/healthz", head: true)
            #expect(head.status == 200)
            #expect(head.body.hasPrefix("HTTP/1.1 200"), "curl --head prints the head only: \(head)")
            #expect(try daemon.get("/nope").status == 404)
            let post = try daemon.get("/status", method: "POST")
            #expect(post.status == 405, "\(post)")
            #expect(daemon.isRunning)
        }
    }

    @Test("SIGTERM stops it within a second with exit status 0, even with an idle client connected")
    func sigtermStopsPromptly() throws {
        try withServedDaemon { _, daemon in
            let idle = try daemon.connect()
            idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            guard case .data(let bytes) = idle.receive(timeout: .seconds(5)) else {
                Issue.record("no answer on the keep-alive connection")
                return
            }
            #expect(RawConnection.status(of: bytes) == 200)

            let clock = ContinuousClock()
            let start = clock.now
            daemon.signal(SIGTERM)
            let status = daemon.waitForExit(timeout: .seconds(5))
            let elapsed = clock.now - start
            #expect(status == 0, "exit status \(String(describing: status)); stderr:\n\(daemon.stderr)")
            #expect(elapsed < .seconds(1), "took \(elapsed) to stop")
            #expect(daemon.stderr.contains("stopped"), "\(daemon.stderr)")
            #expect(idle.receiveUntilClosed(timeout: .seconds(2)).closed, "the idle connection is closed on stop")
            #expect(try daemon.get("/healthz").status == 0, "nothing listens any more")
        }
    }
}
