import Foundation
import PodnetTestSupport
import Testing

/// `podnetd serve` before the cluster's first list has completed: the netlink loop runs on, but
/// the first analysis (and with it /status, /readyz and READY=1) waits for the view, at most
/// `kubernetes.firstListWaitSeconds`; then it proceeds without the view and says why.
@Suite("serve: before the cluster's first list", .serialized, .timeLimit(.minutes(2)))
struct ServeFirstClusterListTests {
    /// A Calico node, the stand-in answering lists as `lists` says, and `podnetd serve` reading both
    /// (not waited for: the tests look at it before it is ready).
    func withDaemon(
        lists: KubeAPIStandIn.ListMode, firstListWaitSeconds: Int,
        _ body: (CalicoNode, KubeAPIStandIn, ServedDaemon) throws -> Void
    ) throws {
        try ServeClusterTests.withClusterDaemon(
            lists: lists, kubernetesKeys: "  firstListWaitSeconds: \(firstListWaitSeconds)\n", waitUntilReady: false, body)
    }

    /// Waits until the daemon's loop is serving (/healthz answers 200), however slowly it starts.
    func waitUntilLive(_ daemon: ServedDaemon) throws {
        let live = try poll(timeout: .seconds(15), interval: .milliseconds(50)) { () throws -> Bool? in
            try daemon.get("/healthz").status == 200 ? true : nil
        }
        #expect(live.value == true, "/healthz never answered 200 while the first list was awaited\n\(daemon.stderr)")
    }

    @Test("a slow first list: not ready and nothing published until it arrives; the first /status has the cluster's findings and the changes netlink reported meanwhile")
    func slowFirstList() throws {
        try withDaemon(lists: .hold, firstListWaitSeconds: 40) { node, standIn, daemon in
            try waitUntilLive(daemon)
            // The loop follows netlink while the first analysis waits: this deletion must be in it.
            try node.deleteRemoteRoute()
            pause(.seconds(1))
            let ready = try daemon.get("/readyz")
            #expect(ready.status == 503, "ready before the cluster's first list: \(ready)\n\(daemon.stderr)")
            #expect(ready.body.contains("waiting for the cluster's view (waiting for the first list)"), "\(ready)")
            let status = try daemon.get("/status")
            #expect(status.status == 503, "/status published before the cluster's first list: \(status)")
            // It says for how long, against the bound.
            #expect(status.body.range(of: #"for \d+(\.\d)?s \(at most 40\.0s, then it proceeds without it\)"#, options: .regularExpression) != nil, "\(status)")
            #expect(try daemon.get("/explain?dst=192.168.35.7").status == 503)

            try standIn.setLists(.serve)
            try daemon.waitUntilReady(timeout: .seconds(20))
            let first = try daemon.status()
            // node-c's block comes from the cluster's view alone; node-b's route was deleted during the wait.
            #expect(first.finding("vxlan-route-missing", object: "192.168.12.128/26") != nil, "\(first)")
            #expect(first.finding("vxlan-route-missing", object: "192.168.35.0/26") != nil, "\(first)")
            #expect(!first.findings.contains { $0.check.hasPrefix("cluster-") }, "\(first)")
            #expect(!daemon.stderr.contains("cluster-view-stale"), "a config-only analysis was published:\n\(daemon.stderr)")
            #expect(first.daemon["firstAnalysisWait"] as? String == "the cluster's view arrived", "\(first.daemon)")
        }
    }

    @Test("a first list that never succeeds: ready after kubernetes.firstListWaitSeconds without the view, saying why; the view is used once it arrives")
    func refusedFirstList() throws {
        try withDaemon(lists: .refuse, firstListWaitSeconds: 3) { _, standIn, daemon in
            let started = ContinuousClock.now
            try waitUntilLive(daemon)
            // Within the bound /readyz names the failure (the first list is refused at once).
            let early = try poll(timeout: .milliseconds(2500), interval: .milliseconds(50)) { () throws -> ServedDaemon.Response? in
                let ready = try daemon.get("/readyz")
                return ready.status == 200 || ready.body.contains("the first list failed") ? ready : nil
            }.value
            #expect(early?.status == 503, "ready before the bound while the API refuses lists: \(String(describing: early))\n\(daemon.stderr)")
            #expect(early?.body.contains("the first list failed") == true, "\(String(describing: early))")
            try daemon.waitUntilReady(timeout: .seconds(20))
            #expect(ContinuousClock.now - started >= .seconds(3), "ready before kubernetes.firstListWaitSeconds")
            let first = try daemon.status()
            let stale = try #require(first.finding("cluster-view-stale", object: "cluster"), "\(first)")
            #expect(stale.severity == "warning")
            #expect(daemon.stderr.contains("no view of the cluster 3 s after start"), "\(daemon.stderr)")
            #expect((first.daemon["firstAnalysisWait"] as? String)?.hasPrefix("gave up after 3 s") == true, "\(first.daemon)")
            // The view, once it comes, is used at once (the watcher retries with backoff).
            try standIn.setLists(.serve)
            let later = try poll(timeout: .seconds(45), interval: .milliseconds(200)) { () throws -> StatusSnapshot? in
                let status = try daemon.status()
                return status.finding("vxlan-route-missing", object: "192.168.12.128/26") != nil ? status : nil
            }.value
            let arrived = try #require(later, "the cluster's view never arrived\n\(daemon.stderr)")
            #expect(arrived.finding("cluster-view-stale", object: "cluster") == nil, "\(arrived)")
        }
    }

    @Test("a first list the API forbids (403): no wait for a view that cannot come; ready at once, saying why; the view is used once it is allowed")
    func forbiddenFirstList() throws {
        try withDaemon(lists: .forbid, firstListWaitSeconds: 40) { _, standIn, daemon in
            let started = ContinuousClock.now
            try daemon.waitUntilReady(timeout: .seconds(20))
            #expect(ContinuousClock.now - started < .seconds(20), "the first analysis waited for a list the API forbids")
            let first = try daemon.status()
            let wait = first.daemon["firstAnalysisWait"] as? String ?? ""
            #expect(wait.hasPrefix("gave up after") && wait.contains("HTTP 403"), "\(first.daemon)")
            #expect(first.finding("cluster-view-stale", object: "cluster") != nil, "\(first)")
            #expect(daemon.stderr.contains("refused"), "\(daemon.stderr)")
            try standIn.setLists(.serve)
            let later = try poll(timeout: .seconds(45), interval: .milliseconds(200)) { () throws -> StatusSnapshot? in
                let status = try daemon.status()
                return status.finding("vxlan-route-missing", object: "192.168.12.128/26") != nil ? status : nil
            }.value
            #expect(later != nil, "the cluster's view never arrived\n\(daemon.stderr)")
        }
    }
}
