import Glibc
import Testing

@testable import PodnetHTTP

/// Ordinary traffic: GET, HEAD, queries, keep-alive, pipelining, HTTP/1.0.
@Suite struct ServingTests {
    @Test func getReturnsTheHandlersBodyWithContentLength() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send(get("/healthz"))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "ok\n")
            #expect(response.headers["Content-Length"] == "3")
            #expect(response.headers["Content-Type"] == "text/plain; charset=utf-8")
            #expect(response.headers["Server"] == "podnetd")
            #expect(response.headers["Date"]?.hasSuffix(" GMT") == true)
        }
    }

    @Test func unknownPathGetsTheHandlers404() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send(get("/nope"))
            #expect(try client.readResponse().status == 404)
        }
    }

    @Test func headHasTheGetHeadersAndNoBody() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send(get("/echo?a=1"))
            let viaGet = try client.readResponse()
            // HEAD then GET pipelined: the GET parses only if HEAD's response carried no body bytes.
            try client.send("HEAD /echo?a=1 HTTP/1.1\r\nHost: x\r\n\r\n" + get("/healthz"))
            let viaHead = try client.readResponse(head: true)
            let after = try client.readResponse()
            #expect(viaHead.status == 200)
            #expect(viaHead.body.isEmpty)
            // The handler saw GET (its echo starts "GET "), so the lengths match exactly.
            #expect(viaHead.headers["Content-Length"] == viaGet.headers["Content-Length"])
            #expect(viaGet.text.hasPrefix("GET /echo"))
            #expect(after.text == "ok\n")
        }
    }

    @Test func queryIsSplitAndPercentDecodedPathIsNot() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send(get("/echo?format=text&x=1&name=a%20b+c&empty"))
            #expect(try client.readResponse().text == "GET /echo [empty=,format=text,name=a b c,x=1] HTTP/1.1")
        }
    }

    @Test func keepAliveServesTwoRequestsOnOneConnection() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send(get("/healthz"))
            let first = try client.readResponse()
            #expect(first.headers["Connection"] == nil)
            try client.send(get("/echo"))
            #expect(try client.readResponse().text.hasPrefix("GET /echo"))
            #expect(first.text == "ok\n")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send((1...5).map { get("/echo?n=\($0)") }.joined())
            for n in 1...5 {
                #expect(try client.readResponse().text == "GET /echo [n=\(n)] HTTP/1.1")
            }
        }
    }

    @Test func pipelinedRequestsSplitAcrossWritesAreAnsweredInOrder() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            let all = Array((1...3).map { get("/echo?n=\($0)") }.joined().utf8)
            for piece in stride(from: 0, to: all.count, by: 7) {
                try client.send(Array(all[piece..<min(all.count, piece + 7)]))
            }
            for n in 1...3 {
                #expect(try client.readResponse().text == "GET /echo [n=\(n)] HTTP/1.1")
            }
        }
    }

    @Test func http10ClosesAfterTheResponse() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send("GET /healthz HTTP/1.0\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.headers["Connection"] == "close")
            #expect(client.readUntilClosed(timeout: .seconds(2)) == [])
        }
    }

    @Test func http10KeepAliveStaysOpen() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try client.readResponse().headers["Connection"] == "keep-alive")
            try client.send("GET /echo HTTP/1.0\r\n\r\n")
            #expect(try client.readResponse().text == "GET /echo [] HTTP/1.0")
            #expect(client.readUntilClosed(timeout: .seconds(2)) == [])
        }
    }

    @Test func connectionCloseIsHonouredAndLaterPipelinedRequestsDropped() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send(get("/healthz", headers: "Connection: close\r\n") + get("/echo"))
            let response = try client.readResponse()
            #expect(response.headers["Connection"] == "close")
            #expect(client.readUntilClosed(timeout: .seconds(2)) == [])
        }
    }

    @Test func halfClosedClientStillGetsItsResponse() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send(get("/healthz"))
            shutdown(client.descriptor, Int32(SHUT_WR))
            #expect(try client.readResponse().text == "ok\n")
            #expect(client.readUntilClosed(timeout: .seconds(2)) == [])
        }
    }

    @Test func absoluteFormTargetIsServedByPath() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send("GET http://127.0.0.1/echo?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try client.readResponse().text == "GET /echo [q=1] HTTP/1.1")
        }
    }

    @Test func largeBodyArrivesIntactThroughPartialWrites() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            let size = 4 * 1024 * 1024
            try client.send(get("/big?bytes=\(size)") + get("/healthz"))
            let big = try client.readResponse(timeout: .seconds(10))
            #expect(big.body.count == size)
            #expect(big.body == patternBytes(count: size))
            #expect(try client.readResponse().text == "ok\n")
        }
    }
}
