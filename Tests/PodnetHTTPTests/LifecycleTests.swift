import Glibc
import Synchronization
import Testing

@testable import PodnetHTTP

/// Starting, binding, stopping.
@Suite struct LifecycleTests {
    @Test func servesOnIPv6Loopback() throws {
        let server = HTTPServer(configuration: loopbackConfiguration(host: "::1"), handler: testHandler)
        let address: SocketAddressDescription
        do {
            address = try server.start()
        } catch {
            Issue.record("could not listen on [::1] (is IPv6 loopback disabled on this machine?): \(error)")
            return
        }
        defer { server.stop() }
        #expect(address.host == "::1")
        #expect(address.description == "[::1]:\(address.port)")
        let client = try RawClient(host: "::1", port: address.port)
        try client.send(get("/healthz"))
        #expect(try client.readResponse().text == "ok\n")
    }

    @Test func bracketedIPv6HostIsAccepted() throws {
        let server = HTTPServer(configuration: loopbackConfiguration(host: "[::1]"), handler: testHandler)
        #expect(try server.start().host == "::1")
        server.stop()
    }

    @Test func startReportsTheEphemeralPort() throws {
        let server = HTTPServer(configuration: loopbackConfiguration(), handler: testHandler)
        let address = try server.start()
        defer { server.stop() }
        #expect(address.host == "127.0.0.1")
        #expect(address.port != 0)
        #expect(server.boundAddress == address)
    }

    @Test func bindingAPortInUseThrowsWithErrnoText() throws {
        try withServer { _, port in
            var configuration = loopbackConfiguration()
            configuration.port = port
            let second = HTTPServer(configuration: configuration, handler: testHandler)
            do throws(HTTPServerError) {
                try second.start()
                Issue.record("second bind to port \(port) succeeded")
                second.stop()
            } catch {
                #expect(error == .systemCall(call: "bind", address: "127.0.0.1:\(port)", errno: EADDRINUSE))
                #expect(error.description.contains("Address already in use"))
                #expect(error.description.contains("127.0.0.1:\(port)"))
            }
        }
    }

    @Test(arguments: ["localhost", "256.0.0.1", "", "fe80::1%lo", "127.0.0.1:80"])
    func nonLiteralHostsAreRejected(host: String) {
        let server = HTTPServer(configuration: loopbackConfiguration(host: host), handler: testHandler)
        #expect(throws: HTTPServerError.invalidHost(host)) { try server.start() }
    }

    @Test func outOfRangeLimitsAreRejected() {
        for configuration in [
            loopbackConfiguration(maxConnections: 0),
            loopbackConfiguration(maxHeaderBytes: 10),
            loopbackConfiguration(readTimeout: .zero),
        ] {
            let server = HTTPServer(configuration: configuration, handler: testHandler)
            #expect(throws: HTTPServerError.self) { try server.start() }
            #expect(server.boundAddress == nil)
        }
    }

    @Test func startingTwiceThrowsAndRestartAfterStopWorks() throws {
        let server = HTTPServer(configuration: loopbackConfiguration(), handler: testHandler)
        try server.start()
        #expect(throws: HTTPServerError.alreadyRunning) { try server.start() }
        server.stop()
        server.stop()
        let again = try server.start()
        defer { server.stop() }
        let client = try RawClient(port: again.port)
        try client.send(get("/healthz"))
        #expect(try client.readResponse().status == 200)
    }

    @Test func stopReturnsQuicklyClosesConnectionsAndReleasesThePort() throws {
        let server = HTTPServer(configuration: loopbackConfiguration(), handler: testHandler)
        let port = try server.start().port
        let idle = try RawClient(port: port)
        try idle.send(get("/healthz"))
        _ = try idle.readResponse()
        let partial = try RawClient(port: port)
        try partial.send("GET / HTTP/1.1\r\n")
        let fresh = try RawClient(port: port)

        let elapsed = ContinuousClock().measure { server.stop() }
        #expect(elapsed < .seconds(1))
        #expect(server.boundAddress == nil)
        for client in [idle, partial, fresh] {
            #expect(client.readUntilClosed(timeout: .seconds(1)) != nil, "stop() must close every connection")
        }
        #expect(throws: RawClientError.self) { try RawClient(port: port) }

        var configuration = loopbackConfiguration()
        configuration.port = port
        let successor = HTTPServer(configuration: configuration, handler: testHandler)
        #expect(try successor.start().port == port)
        defer { successor.stop() }
        let client = try RawClient(port: port)
        try client.send(get("/healthz"))
        #expect(try client.readResponse().status == 200)
    }

    @Test func stopFromInsideTheHandlerDoesNotDeadlock() throws {
        let box = ServerBox()
        let server = HTTPServer(configuration: loopbackConfiguration()) { _ in
            box.server?.stop()
            return .text("bye\n")
        }
        box.server = server
        let port = try server.start().port
        let client = try RawClient(port: port)
        try client.send(get("/"))
        #expect(client.readUntilClosed(timeout: .seconds(2)) != nil)
        #expect(server.boundAddress == nil)
        box.server = nil
    }

    @Test func abortedClientsDoNotKillTheServer() throws {
        try withServer { _, port in
            for _ in 0..<20 {
                let client = try RawClient(port: port)
                try client.send(get("/big?bytes=2000000"))
                client.resetOnClose()
            }
            let client = try RawClient(port: port)
            try client.send(get("/healthz"))
            #expect(try client.readResponse().status == 200)
        }
    }
}

/// Lets a handler reach the server it runs in.
final class ServerBox: Sendable {
    private let stored = Mutex<HTTPServer?>(nil)
    var server: HTTPServer? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
