import PodnetAnalysis
import PodnetDaemon
import PodnetHTTP
import Testing

/// `DaemonRoutes`: which endpoint answers what, from the published state only.
@Suite struct DaemonRoutesTests {
    static let json = Array("{\"findings\":[]}\n".utf8)
    static let text = "✓ node test: no problems\n"

    /// Routes over a fresh board (nothing published) and metrics for the whole catalogue.
    struct Fixture {
        let board: StatusBoard
        let routes: DaemonRoutes

        init(token: String? = nil, freshnessLimit: Duration = .seconds(60)) {
            board = StatusBoard(freshnessLimit: freshnessLimit)
            let metrics = DaemonMetrics(
                catalogue: CheckID.catalogue.map { ($0.id.rawValue, $0.defaultSeverity.rawValue) }, version: "test",
                maxFindingSeries: 200)
            let auth = BearerTokenCheck(token: token)
            routes = DaemonRoutes(board: board, metrics: metrics, auth: { auth })
        }

        func publish(analyzedAt: ContinuousClock.Instant = .now) {
            board.publish(
                PublishedStatus(json: DaemonRoutesTests.json, text: DaemonRoutesTests.text, analyzedAt: analyzedAt))
        }

        func get(
            _ path: String, query: [String: String] = [:], headers: HTTPHeaders = [:], method: String = "GET"
        )
            -> HTTPResponse
        {
            routes.handle(HTTPRequest(method: method, path: path, query: query, headers: headers))
        }
    }

    @Test("an unknown path is 404, whatever the method", arguments: ["/", "/status/", "/metricsx", "/healthz/x"])
    func unknownPath(_ path: String) {
        let fixture = Fixture()
        fixture.publish()
        #expect(fixture.get(path).status == 404)
        #expect(fixture.get(path, method: "POST").status == 404)
    }

    @Test(
        "a method other than GET or HEAD is 405 with Allow: GET, HEAD",
        arguments: ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
    func methodNotAllowed(_ method: String) {
        let fixture = Fixture()
        fixture.publish()
        for path in ["/status", "/metrics", "/healthz", "/readyz"] {
            let response = fixture.get(path, method: method)
            #expect(response.status == 405, "\(method) \(path)")
            #expect(response.headers["Allow"] == "GET, HEAD", "\(method) \(path)")
        }
    }

    @Test("/readyz is 503 before the first publish and 200 after")
    func readiness() {
        let fixture = Fixture()
        #expect(fixture.get("/readyz").status == 503)
        fixture.publish()
        #expect(fixture.get("/readyz").status == 200)
    }

    @Test("/healthz is 503 before the first analysis, 200 with a fresh one")
    func healthBeforeAndAfterFirstAnalysis() {
        let fixture = Fixture()
        let before = fixture.get("/healthz")
        #expect(before.status == 503)
        #expect(String(decoding: before.body, as: UTF8.self).contains("no analysis yet"))
        fixture.publish()
        #expect(fixture.get("/healthz").status == 200)
    }

    @Test("/healthz is 503 naming the age when the last analysis is older than the freshness limit")
    func healthStale() {
        let fixture = Fixture(freshnessLimit: .milliseconds(10))
        fixture.publish(analyzedAt: .now - .seconds(2))
        fixture.board.beat()
        let response = fixture.get("/healthz")
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self).contains("last analysis is"))
        // Readiness does not depend on freshness: the daemon has analysed once.
        #expect(fixture.get("/readyz").status == 200)
    }

    @Test("/healthz is 503 with the watch loop's problem while it has one")
    func healthLoopProblem() {
        let fixture = Fixture()
        fixture.publish()
        fixture.board.beat(problem: "cannot open the netlink event socket")
        let response = fixture.get("/healthz")
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self).contains("cannot open the netlink event socket"))
        fixture.board.beat()
        #expect(fixture.get("/healthz").status == 200)
    }

    @Test("/status is the published JSON by default and with ?format=json")
    func statusJSON() {
        let fixture = Fixture()
        fixture.publish()
        for response in [fixture.get("/status"), fixture.get("/status", query: ["format": "json"])] {
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(response.body == Self.json)
        }
        let explicitJSON = fixture.get("/status", headers: ["Accept": "application/json"])
        #expect(explicitJSON.body == Self.json)
    }

    @Test("/status is the text report with ?format=text or Accept: text/plain")
    func statusText() {
        let fixture = Fixture()
        fixture.publish()
        let byQuery = fixture.get("/status", query: ["format": "text"])
        let byAccept = fixture.get("/status", headers: ["Accept": "text/plain"])
        for response in [byQuery, byAccept] {
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"]?.hasPrefix("text/plain") == true)
            #expect(String(decoding: response.body, as: UTF8.self) == Self.text)
        }
        // The query wins over the Accept header.
        #expect(fixture.get("/status", query: ["format": "json"], headers: ["Accept": "text/plain"]).body == Self.json)
    }

    @Test("/status?format=xml is 400 naming the format")
    func statusUnknownFormat() {
        let fixture = Fixture()
        fixture.publish()
        let response = fixture.get("/status", query: ["format": "xml"])
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains("xml"))
    }

    @Test("/status is 503 before the first analysis")
    func statusBeforeFirstAnalysis() {
        #expect(Fixture().get("/status").status == 503)
    }

    @Test("/metrics is the text exposition format 0.0.4")
    func metricsContentType() {
        let fixture = Fixture()
        let response = fixture.get("/metrics")
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(String(decoding: response.body, as: UTF8.self).contains("podnetd_build_info{version=\"test\",commit=\"unknown\"} 1"))
    }

    @Test("with a token, /status and /metrics are 401 without it and 200 with it; /healthz and /readyz stay open")
    func bearerToken() {
        let fixture = Fixture(token: "t0ken")
        fixture.publish()
        for path in ["/status", "/metrics"] {
            let missing = fixture.get(path)
            #expect(missing.status == 401, "\(path) without a token")
            #expect(missing.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
            #expect(fixture.get(path, headers: ["Authorization": "Bearer wrong"]).status == 401, "\(path) wrong token")
            #expect(fixture.get(path, headers: ["Authorization": "Bearer t0ken"]).status == 200, "\(path) right token")
        }
        #expect(fixture.get("/healthz").status == 200)
        #expect(fixture.get("/readyz").status == 200)
    }
}
