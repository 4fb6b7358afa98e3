import Testing

@testable import PodnetHTTP

/// Requests the server refuses on its own, each answered and then closed.
@Suite struct RejectionTests {
    /// Sends `request` and returns the status of the single response before the server closes.
    private func statusThenClose(_ request: [UInt8], port: UInt16) throws -> Int {
        let client = try RawClient(port: port)
        try client.send(request)
        let response = try client.readResponse()
        #expect(response.headers["Connection"] == "close")
        #expect(response.headers["Content-Length"] == String(response.body.count))
        #expect(client.readUntilClosed(timeout: .seconds(2)) == [], "server must close after \(response.status)")
        #expect(!client.endedWithReset, "the close after \(response.status) must be a FIN, not a reset")
        return response.status
    }

    @Test func garbageBytesGet400() throws {
        try withServer { _, port throws in
            #expect(try statusThenClose(Array("\u{1}\u{2}hello garbage\r\n\r\n".utf8), port: port) == 400)
            #expect(try statusThenClose([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x0D, 0x0A, 0x0D, 0x0A], port: port) == 400)
        }
    }

    @Test(arguments: [
        "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        "GET /\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n folded: continuation\r\n\r\n",
    ])
    func malformedRequestsGet400(request: String) throws {
        try withServer { _, port throws in
            #expect(try statusThenClose(Array(request.utf8), port: port) == 400)
        }
    }

    @Test func headOver8192BytesGets431() throws {
        try withServer { _, port throws in
            let request = get("/healthz", headers: "X-Padding: \(String(repeating: "a", count: 9000))\r\n")
            #expect(try statusThenClose(Array(request.utf8), port: port) == 431)
        }
    }

    @Test func unterminatedHeadOverTheLimitGets431WithoutWaitingForTheEnd() throws {
        try withServer { _, port throws in
            let request = "GET /\(String(repeating: "u", count: 9000))"
            #expect(try statusThenClose(Array(request.utf8), port: port) == 431)
        }
    }

    @Test func postWithBodyGets413() throws {
        try withServer { _, port throws in
            let request = "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"
            #expect(try statusThenClose(Array(request.utf8), port: port) == 413)
        }
    }

    @Test func chunkedBodyGets413() throws {
        try withServer { _, port throws in
            let request = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            #expect(try statusThenClose(Array(request.utf8), port: port) == 413)
        }
    }

    @Test func largeBodyGets413AndTheResponseSurvivesTheUnreadBody() throws {
        try withServer { _, port throws in
            let body = String(repeating: "b", count: 200_000)
            let request = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            #expect(try statusThenClose(Array(request.utf8), port: port) == 413)
        }
    }

    @Test func emptyBodyIsFine() throws {
        try withServer { _, port throws in
            let client = try RawClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(try client.readResponse().text == "POST /echo [] HTTP/1.1")
        }
    }

    @Test func serverAnswersNormallyAfterRandomGarbage() throws {
        try withServer { _, port throws in
            var generator = SplitMix64(seed: 0x5eed)
            for _ in 0..<40 {
                let client = try RawClient(port: port)
                let count = Int(generator.next() % 3000) + 1
                try client.send((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) } + [13, 10, 13, 10])
                let rest = client.readUntilClosed(timeout: .seconds(3))
                #expect(rest != nil, "garbage connection must be closed")
            }
            let client = try RawClient(port: port)
            try client.send(get("/healthz"))
            #expect(try client.readResponse().status == 200)
        }
    }
}

/// A small deterministic generator, so garbage tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
