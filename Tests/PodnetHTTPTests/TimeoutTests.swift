import Testing

@testable import PodnetHTTP

/// Deadlines: slow requests, idle keep-alive connections and clients that never read.
@Suite struct TimeoutTests {
    private let shortTimeout = loopbackConfiguration(readTimeout: .milliseconds(300))

    @Test func halfARequestIsClosedWith408AfterReadTimeout() throws {
        try withServer(shortTimeout) { _, port in
            let client = try RawClient(port: port)
            let clock = ContinuousClock()
            let started = clock.now
            try client.send("GET /healthz HTTP/1.1\r\nHo")
            let received = try #require(client.readUntilClosed(timeout: .seconds(3)), "slow client must be closed")
            let elapsed = clock.now - started
            #expect(String(decoding: received, as: UTF8.self).hasPrefix("HTTP/1.1 408 "))
            #expect(elapsed >= .milliseconds(250))
            #expect(elapsed < .seconds(2))
        }
    }

    @Test func tricklingBytesDoesNotExtendTheDeadline() throws {
        try withServer(shortTimeout) { _, port in
            let client = try RawClient(port: port)
            let clock = ContinuousClock()
            let started = clock.now
            var closed = false
            for byte in Array("GET /healthz HTTP/1.1\r\nX-Slow: \(String(repeating: "s", count: 100))".utf8) {
                do { try client.send([byte]) } catch { closed = true; break }
                if client.readUntilClosed(timeout: .milliseconds(50)) != nil { closed = true; break }
            }
            #expect(closed, "slowloris client must be closed")
            #expect(clock.now - started < .seconds(1))
        }
    }

    @Test func slowClientDoesNotStallOthers() throws {
        try withServer(loopbackConfiguration(readTimeout: .seconds(5))) { _, port in
            let slow = try RawClient(port: port)
            try slow.send("GET /healthz HTTP/1.1\r\nHost:")
            let clock = ContinuousClock()
            let started = clock.now
            let other = try RawClient(port: port)
            try other.send(get("/healthz"))
            #expect(try other.readResponse(timeout: .seconds(1)).status == 200)
            #expect(clock.now - started < .milliseconds(500))
            #expect(slow.staysSilent(for: .milliseconds(50)))
        }
    }

    @Test func idleKeepAliveConnectionIsClosedSilentlyAfterReadTimeout() throws {
        try withServer(shortTimeout) { _, port in
            let client = try RawClient(port: port)
            try client.send(get("/healthz"))
            #expect(try client.readResponse().status == 200)
            #expect(client.staysSilent(for: .milliseconds(150)))
            #expect(client.readUntilClosed(timeout: .seconds(2)) == [])
        }
    }

    @Test func clientThatNeverReadsIsClosedAndOthersAreServed() throws {
        try withServer(loopbackConfiguration(readTimeout: .milliseconds(500))) { _, port in
            let hog = try RawClient(port: port)
            // Far more response bytes than the socket buffers hold; the hog reads none of them.
            try hog.send((0..<64).map { _ in get("/big?bytes=262144") }.joined())
            let other = try RawClient(port: port)
            try other.send(get("/healthz"))
            #expect(try other.readResponse(timeout: .seconds(1)).status == 200)
            #expect(hog.readUntilClosed(timeout: .seconds(30)) != nil, "a client that never reads must be closed")
        }
    }
}
