import Testing

@testable import PodnetHTTP

/// Headers, query decoding, dates and response rendering.
@Suite struct ValueTypeTests {
    @Test func headersLookUpIgnoringCaseAndKeepOrder() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-A": "1"]
        headers.add(name: "x-a", value: "2")
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["X-a"] == "1")
        #expect(headers.values(for: "X-A") == ["1", "2"])
        #expect(headers["missing"] == nil)
        #expect(headers.map(\.name) == ["Content-Type", "X-A", "x-a"])
        headers.replaceOrAdd(name: "X-A", value: "3")
        #expect(headers.map(\.value) == ["text/plain", "3"])
        headers.remove(name: "CONTENT-TYPE")
        #expect(headers == ["x-a": "3"])
        #expect(headers.count == 1)
    }

    @Test(arguments: [
        ("format=text&x=1", ["format": "text", "x": "1"]),
        ("a=b%3Dc&sp=a+b%20c", ["a": "b=c", "sp": "a b c"]),
        ("k&&=v&k2=", ["k": "", "k2": ""]),
        ("bad=%zz%4", ["bad": "%zz%4"]),
        ("x=1&x=2", ["x": "2"]),
        ("utf=%C3%A9", ["utf": "é"]),
    ])
    func queryStringsAreSplitAndDecoded(query: String, expected: [String: String]) {
        #expect(QueryString.parse(Array(query.utf8)) == expected)
    }

    @Test func datesAreIMFFixdate() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test func renderingOwnsFramingHeadersAndDropsInjectedOnes() {
        var serializer = ResponseSerializer(serverName: "podnetd")
        let response = HTTPResponse(
            status: 200,
            headers: [
                "Content-Length": "999", "Connection": "upgrade", "Transfer-Encoding": "chunked",
                "X-Ok": "yes", "X-Bad": "a\r\nSet-Cookie: evil", "Bad Name": "x",
            ],
            body: Array("hello".utf8)
        )
        let text = String(
            decoding: serializer.render(response, keepAlive: true, announceKeepAlive: false, includeBody: true),
            as: UTF8.self
        )
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nServer: podnetd\r\nDate: "))
        #expect(text.hasSuffix("\r\nX-Ok: yes\r\nContent-Length: 5\r\n\r\nhello"))
        #expect(!text.contains("999"))
        #expect(!text.contains("chunked"))
        #expect(!text.contains("Connection"))
        #expect(!text.contains("evil"))
        #expect(!text.contains("Bad Name"))
    }

    @Test func renderingHeadKeepsLengthDropsBodyAndAnnouncesClose() {
        var serializer = ResponseSerializer(serverName: nil)
        let bytes = serializer.render(.text("hello"), keepAlive: false, announceKeepAlive: false, includeBody: false)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Content-Length: 5\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
        #expect(!text.contains("Server:"))
    }

    @Test func renderingFixesImpossibleStatusesAndBodylessOnes() {
        var serializer = ResponseSerializer(serverName: nil)
        let invalid = String(
            decoding: serializer.render(
                HTTPResponse(status: 42), keepAlive: true, announceKeepAlive: false, includeBody: true),
            as: UTF8.self
        )
        #expect(invalid.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
        let noContent = String(
            decoding: serializer.render(
                HTTPResponse(status: 204, body: [1, 2]), keepAlive: true, announceKeepAlive: true, includeBody: true),
            as: UTF8.self
        )
        #expect(noContent.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(!noContent.contains("Content-Length"))
        #expect(noContent.hasSuffix("Connection: keep-alive\r\n\r\n"))
    }

    @Test func handlerSetServerAndDateWin() {
        var serializer = ResponseSerializer(serverName: "podnetd")
        let response = HTTPResponse(status: 200, headers: ["Server": "custom", "Date": "then"], body: [])
        let text = String(
            decoding: serializer.render(response, keepAlive: true, announceKeepAlive: false, includeBody: true),
            as: UTF8.self
        )
        #expect(text.contains("Server: custom\r\n"))
        #expect(!text.contains("podnetd"))
        #expect(text.contains("Date: then\r\n"))
    }

    @Test func jsonAndTextConveniences() {
        #expect(HTTPResponse.json("{}").headers["content-type"] == "application/json")
        #expect(HTTPResponse.json(status: 503, Array("{}".utf8)).status == 503)
        #expect(HTTPResponse.text(status: 500, "x").body == [UInt8(ascii: "x")])
    }

    @Test func addressDescriptionsBracketIPv6() {
        #expect(SocketAddressDescription(host: "::1", port: 80).description == "[::1]:80")
        #expect(SocketAddressDescription(host: "127.0.0.1", port: 80).description == "127.0.0.1:80")
    }
}
