import Glibc
import Testing

@testable import PodnetHTTP

/// The connection limit: newcomers displace the connection waiting longest, 503 only when every
/// slot is busy answering, and a fresh client is served throughout.
@Suite struct ConnectionLimitTests {
    @Test("500 silent connections against a limit of 64: each newcomer displaces the oldest; the newest 64 are served")
    func fiveHundredConnectionsAgainstALimitOf64() throws {
        let limit = 64
        let total = 500
        let configuration = HTTPServerConfiguration(
            host: "127.0.0.1", port: 0, readTimeout: .seconds(10), maxConnections: limit, maxConnectionsPerPeer: limit)
        try withServer(configuration) { _, port in
            var clients: [RawClient] = []
            for _ in 0..<total {
                clients.append(try RawClient(port: port))
                // Let the server accept in order: displacement follows arrival.
                if clients.count % 32 == 0 { usleep(20_000) }
            }
            usleep(200_000)
            // Displaced connections are closed without an answer; the newest ones stay open.
            var displaced = 0
            for client in clients.prefix(total - limit) {
                if let bytes = client.readUntilClosed(timeout: .milliseconds(500)), bytes.isEmpty { displaced += 1 }
            }
            #expect(displaced == total - limit)
            for client in clients.suffix(limit).prefix(8) {
                try client.send(get("/healthz"))
                #expect(try client.readResponse().status == 200)
            }
            // A fresh client gets in at once.
            let fresh = try RawClient(port: port)
            try fresh.send(get("/healthz"))
            #expect(try fresh.readResponse().status == 200)
        }
    }

    @Test("when every slot is busy answering (clients not reading a large body), a newcomer gets 503")
    func allBusyRefuses() throws {
        let limit = 2
        let configuration = HTTPServerConfiguration(
            host: "127.0.0.1", port: 0, readTimeout: .seconds(5), maxConnections: limit, maxConnectionsPerPeer: limit)
        // Larger than what loopback's socket buffers hold, so the response stays pending.
        let body = [UInt8](repeating: 0x61, count: 48 << 20)
        try withServer(configuration, handler: { _ in HTTPResponse(status: 200, contentType: "text/plain", body: body) }) {
            _, port in
            var stuck: [RawClient] = []
            for _ in 0..<limit {
                let client = try RawClient(port: port)
                try client.send(get("/big"))
                stuck.append(client)
            }
            usleep(300_000)
            let newcomer = try RawClient(port: port)
            let answer = newcomer.readUntilClosed(timeout: .seconds(3)) ?? []
            #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
            stuck.removeAll()
        }
    }

    @Test("a keep-alive connection is closed after its request limit and at the end of its lifetime")
    func lifetimeAndRequestLimit() throws {
        let configuration = HTTPServerConfiguration(
            host: "127.0.0.1", port: 0, readTimeout: .seconds(5), maxConnectionLifetime: .milliseconds(800),
            maxRequestsPerConnection: 3)
        try withServer(configuration) { _, port in
            let client = try RawClient(port: port)
            for number in 1...3 {
                try client.send(get("/healthz"))
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect((response.headers["Connection"] == "close") == (number == 3), "request \(number)")
            }
            #expect(client.readUntilClosed(timeout: .seconds(2)) != nil)

            // Idle past its lifetime: closed, well before the 5 s read timeout.
            let idle = try RawClient(port: port)
            try idle.send(get("/healthz"))
            #expect(try idle.readResponse().status == 200)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(idle.readUntilClosed(timeout: .seconds(3)) != nil)
            #expect(clock.now - start < .seconds(2))
        }
    }
}
