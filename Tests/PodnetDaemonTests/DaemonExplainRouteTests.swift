import PodnetAnalysis
import PodnetDaemon
import PodnetHTTP
import PodnetModel
import Testing

/// `/explain` on the routes: answered from the published snapshot, 400 for bad input, 503 before.
@Suite struct DaemonExplainRouteTests {
    @Test func explainFromThePublishedSnapshot() throws {
        let fixture = DaemonRoutesTests.Fixture()
        #expect(fixture.get("/explain", query: ["dst": "10.0.0.7"]).status == 503)
        let snapshot = NodeSnapshot(
            hostname: "test",
            links: [
                Link(index: 1, name: "lo", flags: [.loopback, .up, .lowerUp]),
                Link(index: 2, name: "eth0"),
            ],
            addresses: [Address(interfaceIndex: 2, prefix: IPPrefix("10.0.0.10/24")!)],
            routes: [
                Route(destination: IPPrefix("0.0.0.0/0")!, nextHops: [NextHop(gateway: IPAddress("10.0.0.1"), interfaceIndex: 2)]),
                Route(
                    destination: IPPrefix("10.0.0.0/24")!, preferredSource: IPAddress("10.0.0.10"),
                    nextHops: [NextHop(interfaceIndex: 2)]),
            ])
        let expectations = Expectations()
        let report = Analyzer.analyze(snapshot: snapshot, expectations: expectations, checkedAt: "")
        fixture.board.publish(
            PublishedStatus(
                json: DaemonRoutesTests.json, text: DaemonRoutesTests.text, analyzedAt: .now,
                explain: ExplainSource(snapshot: snapshot, expectations: expectations, report: report)))
        let json = fixture.get("/explain", query: ["dst": "8.8.8.8"])
        #expect(json.status == 200)
        let body = String(decoding: json.body, as: UTF8.self)
        #expect(body.contains("\"route\": \"default via 10.0.0.1 dev eth0\""), "\(body)")
        let text = fixture.get("/explain", query: ["dst": "10.0.0.7", "format": "text"])
        #expect(text.status == 200)
        #expect(String(decoding: text.body, as: UTF8.self).hasPrefix("✓ 10.0.0.7: path complete"))
        let bad = fixture.get("/explain", query: ["dst": "10.0.0.300"])
        #expect(bad.status == 400)
        #expect(String(decoding: bad.body, as: UTF8.self).hasPrefix("dst: "))
        #expect(fixture.get("/explain", query: ["dst": "8.8.8.8", "format": "yaml"]).status == 400)
        // A decoded newline (or other control character) in any field stays escaped: one line.
        for query in [["dst": "10.0.0.7\nsecond line"], ["dst": "10.0.0.7", "iif": "a\nb"], ["dst": "10.0.0.7", "mark": "1\r\n2"],
            ["dst": "10.0.0.7", "from": "\u{1B}[31m"], ["dst": "10.0.0.7", "format": "x\ny"]]
        {
            let response = fixture.get("/explain", query: query)
            let body = String(decoding: response.body, as: UTF8.self)
            #expect(response.status == 400)
            #expect(body.split(separator: "\n").count == 1 && body.hasSuffix("\n") && !body.contains("\u{1B}"), "\(body)")
        }
    }
}
