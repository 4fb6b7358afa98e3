import Testing

@testable import PodnetHTTP

/// The request head parser on its own: framing, validation, limits.
@Suite struct RequestHeadParserTests {
    private let parser = RequestHeadParser(maxHeaderBytes: 8192)

    private func parse(_ text: String, parser: RequestHeadParser? = nil) -> RequestHeadParser.Outcome {
        (parser ?? self.parser).parse(Array(text.utf8))
    }

    private func request(_ text: String) throws -> ParsedRequest {
        guard case .complete(let parsed, _) = parse(text) else {
            Issue.record("expected a complete request, got \(parse(text))")
            throw ParseTestFailure()
        }
        return parsed
    }

    @Test func parsesMethodPathQueryHeadersAndVersion() throws {
        let text = "GET /status?format=text&x=1 HTTP/1.1\r\nHost: node\r\nAccept: */*\r\n\r\n"
        guard case .complete(let parsed, let consumed) = parse(text) else {
            Issue.record("not complete")
            return
        }
        #expect(consumed == text.utf8.count)
        #expect(parsed.request.method == "GET")
        #expect(parsed.request.path == "/status")
        #expect(parsed.request.query == ["format": "text", "x": "1"])
        #expect(parsed.request.headers == ["Host": "node", "Accept": "*/*"])
        #expect(parsed.request.headers["accept"] == "*/*")
        #expect(parsed.request.version == "HTTP/1.1")
        #expect(parsed.keepAlive)
        #expect(!parsed.isHead)
    }

    @Test func consumesOnlyTheFirstOfPipelinedRequests() {
        let first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        guard case .complete(let parsed, let consumed) = parse(first + "GET /b HTTP/1.1\r\n") else {
            Issue.record("not complete")
            return
        }
        #expect(parsed.request.path == "/a")
        #expect(consumed == first.utf8.count)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false),
    ])
    func keepAliveFollowsVersionAndConnectionHeader(text: String, keepAlive: Bool) throws {
        #expect(try request(text).keepAlive == keepAlive)
    }

    @Test func acceptsBareLineFeedsAndLeadingBlankLines() throws {
        let parsed = try request("\r\n\nGET /x HTTP/1.1\nHost: y\n\n")
        #expect(parsed.request.path == "/x")
        #expect(parsed.request.headers["host"] == "y")
    }

    @Test func trimsFieldValueWhitespaceAndKeepsRepeatedFields() throws {
        let parsed = try request("GET / HTTP/1.1\r\nHost: x\r\nX-A: \t one \t\r\nx-a: two\r\nEmpty:\r\n\r\n")
        #expect(parsed.request.headers.values(for: "X-A") == ["one", "two"])
        #expect(parsed.request.headers["empty"] == "")
    }

    @Test func absoluteFormAndAsteriskTargets() throws {
        #expect(try request("GET HTTP://node:9647/metrics?x=1 HTTP/1.1\r\nHost: node\r\n\r\n").request.path == "/metrics")
        #expect(try request("GET http://node?x=1 HTTP/1.1\r\nHost: node\r\n\r\n").request.query == ["x": "1"])
        #expect(try request("OPTIONS * HTTP/1.1\r\nHost: node\r\n\r\n").request.path == "*")
    }

    @Test func headIsRecognised() throws {
        #expect(try request("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n").isHead)
    }

    @Test func incompleteHeadsWait() {
        #expect(parse("") == .incomplete(discard: 0, scanned: 0))
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\n") == .incomplete(discard: 0, scanned: 25))
        #expect(parse("\r\n\r\nGET /") == .incomplete(discard: 4, scanned: 5))
        #expect(parse("\r") == .incomplete(discard: 0, scanned: 1))
    }

    @Test func byteByByteFeedingGivesTheSameRequest() throws {
        let text = Array("\r\nGET /a?b=c HTTP/1.1\r\nHost: x\r\nX: y\r\n\r\n".utf8)
        var buffer: [UInt8] = []
        var scanned = 0
        var result: ParsedRequest?
        for byte in text {
            buffer.append(byte)
            switch parser.parse(buffer, scanned: scanned) {
            case .incomplete(let discard, let newlyScanned):
                buffer.removeFirst(discard)
                scanned = newlyScanned
            case .complete(let parsed, let consumed):
                #expect(consumed == buffer.count)
                result = parsed
            case .rejected(let rejection):
                Issue.record("rejected: \(rejection)")
            }
        }
        let parsed = try #require(result)
        #expect(parsed.request.path == "/a")
        #expect(parsed.request.query == ["b": "c"])
        #expect(parsed.request.headers["x"] == "y")
    }

    @Test(arguments: [
        "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.2\r\nHost: x\r\n\r\n",
        "GET / http/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET foo HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT node:443 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http:///path HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /caf\u{e9} HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX: a\u{0}b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX: a\u{7f}b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n",
        "\u{16}\u{3}\u{1}\u{0}\r\n\r\n",
    ])
    func malformedHeadsAreRejectedWith400(text: String) {
        guard case .rejected(let rejection) = parse(text) else {
            Issue.record("accepted: \(text.debugDescription)")
            return
        }
        #expect(rejection.status == 400, "\(text.debugDescription): \(rejection)")
    }

    @Test(arguments: [
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0005\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: identity\r\n\r\n",
    ])
    func announcedBodiesAreRejectedWith413(text: String) {
        #expect(parse(text) == .rejected(.bodyNotAccepted))
    }

    @Test func zeroContentLengthIsAccepted() throws {
        #expect(try request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").request.method == "POST")
        #expect(try request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 00, 0\r\n\r\n").keepAlive)
    }

    @Test func headLimitIsExactIncludingTheBlankLine() {
        let small = RequestHeadParser(maxHeaderBytes: 64)
        let prefix = "GET / HTTP/1.1\r\nHost: x\r\nX: "
        let fits = prefix + String(repeating: "a", count: 64 - prefix.utf8.count - 4) + "\r\n\r\n"
        #expect(fits.utf8.count == 64)
        guard case .complete = parse(fits, parser: small) else {
            Issue.record("a head of exactly maxHeaderBytes must be accepted")
            return
        }
        let tooBig = prefix + String(repeating: "a", count: 64 - prefix.utf8.count - 3) + "\r\n\r\n"
        #expect(parse(tooBig, parser: small) == .rejected(.headTooLarge))
        #expect(parse(String(repeating: "a", count: 64), parser: small) == .rejected(.headTooLarge))
        #expect(parse(String(repeating: "a", count: 63), parser: small) == .incomplete(discard: 0, scanned: 63))
    }

    @Test func randomBytesNeverCrashTheParser() {
        var generator = SplitMix64(seed: 42)
        let alphabet = Array("GET /?&=% HTTP/1.0\r\n:Host\t\u{0}\u{7f}ab".utf8)
        let small = RequestHeadParser(maxHeaderBytes: 256)
        for _ in 0..<3000 {
            let count = Int(generator.next() % 300)
            let bytes = (0..<count).map { _ -> UInt8 in
                generator.next() % 4 == 0
                    ? UInt8(truncatingIfNeeded: generator.next()) : alphabet[Int(generator.next() % UInt64(alphabet.count))]
            }
            switch small.parse(bytes) {
            case .incomplete(let discard, let scanned):
                #expect(discard + scanned <= bytes.count)
                #expect(bytes.count - discard < 256)
            case .complete(_, let consumed):
                #expect(consumed <= bytes.count)
            case .rejected:
                break
            }
        }
    }
}

private struct ParseTestFailure: Error {}
