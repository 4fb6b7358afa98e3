import Foundation
import PodnetTestSupport
import Testing

/// What clients send cannot crash or stall the running daemon: each bad request gets its status,
/// slow and surplus connections are closed, and `/healthz` answers 200 afterwards.
@Suite("serve: hostile clients", .timeLimit(.minutes(1)))
struct ServeHostileClientTests {
    /// Sends `request` on a fresh connection; the status of the answer and whether the daemon closed.
    func exchange(_ request: [UInt8], daemon: ServedDaemon) throws -> (status: Int?, closed: Bool) {
        let connection = try daemon.connect()
        connection.send(request)
        let answer = connection.receiveUntilClosed(timeout: .seconds(5))
        return (RawConnection.status(of: answer.bytes), answer.closed)
    }

    func expectStillServing(_ daemon: ServedDaemon) throws {
        #expect(daemon.isRunning, "the daemon died: exit \(String(describing: daemon.exited))\n\(daemon.stderr)")
        #expect(try daemon.get("/healthz").status == 200)
    }

    @Test("garbage is 400, a 9 KB header 431, a request body 413, and each connection is closed")
    func malformedRequests() throws {
        try withServedDaemon { _, daemon in
            let garbage = try exchange(Array("\u{1}\u{2}this is not HTTP\r\n\r\n".utf8), daemon: daemon)
            #expect(garbage.status == 400 && garbage.closed, "\(garbage)")

            let binary = try exchange([0, 255, 13, 10, 0x80, 0xfe, 13, 10, 13, 10], daemon: daemon)
            #expect(binary.status == 400 && binary.closed, "\(binary)")

            let bigHeader =
                "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: \(String(repeating: "a", count: 9 * 1024))\r\n\r\n"
            let tooLarge = try exchange(Array(bigHeader.utf8), daemon: daemon)
            #expect(tooLarge.status == 431 && tooLarge.closed, "\(tooLarge)")

            let withBody = "GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"
            let body = try exchange(Array(withBody.utf8), daemon: daemon)
            #expect(body.status == 413 && body.closed, "\(body)")

            let chunked =
                "POST /status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            let chunkedBody = try exchange(Array(chunked.utf8), daemon: daemon)
            #expect(chunkedBody.status == 413 && chunkedBody.closed, "\(chunkedBody)")

            try expectStillServing(daemon)
        }
    }

    @Test("a client sending its head one byte at a time is answered 408 and closed after the 10 s read timeout")
    func slowClientIsClosed() throws {
        try withServedDaemon { _, daemon in
            let connection = try daemon.connect()
            let clock = ContinuousClock()
            let start = clock.now
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            var received: [UInt8] = []
            var closed = false
            while clock.now - start < .seconds(15) && !closed {
                switch connection.receive(timeout: .milliseconds(500)) {
                case .data(let bytes): received += bytes
                case .closed: closed = true
                case .timedOut: connection.send("a")
                }
            }
            let elapsed = clock.now - start
            #expect(closed, "still open after \(elapsed)")
            #expect(elapsed > .seconds(9) && elapsed < .seconds(13), "closed after \(elapsed)")
            #expect(
                received.isEmpty || RawConnection.status(of: received) == 408,
                "\(String(decoding: received, as: UTF8.self))")
            try expectStillServing(daemon)
        }
    }

    @Test(
        "500 concurrent connections from one address: each newcomer displaces the oldest waiting one, 64 (the per-peer cap) stay and are served, the daemon stays up"
    )
    func connectionFlood() throws {
        try withServedDaemon { _, daemon in
            var connections = try daemon.connect(count: 500)
            // Displaced connections are closed without an answer (503 only when every slot is busy
            // answering); held ones wait silently for a request. One deadline for all: by then the
            // daemon has long accepted every one.
            let deadline = ContinuousClock.now + .seconds(2)
            var displaced = 0
            var refused = 0
            var silent: [RawConnection] = []
            var other: [String] = []
            for connection in connections {
                switch connection.receive(timeout: max(.zero, deadline - .now)) {
                case .timedOut:
                    silent.append(connection)
                case .data(let bytes):
                    let rest = connection.receiveUntilClosed(timeout: .seconds(2))
                    if RawConnection.status(of: bytes) == 503 && rest.closed {
                        refused += 1
                    } else {
                        other.append(String(decoding: bytes + rest.bytes, as: UTF8.self))
                    }
                case .closed:
                    displaced += 1
                }
            }
            #expect(other.isEmpty, "unexpected answers: \(other.prefix(3))")
            #expect(!silent.isEmpty && silent.count <= 64, "\(silent.count) connections held open from one address")
            #expect(displaced + refused + silent.count == 500)
            #expect(displaced >= 500 - 64, "only \(displaced) displaced")

            // While the flood is connected, the held connections are served...
            var served = 0
            for connection in silent.prefix(20) {
                connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let answer = connection.receiveUntilClosed(timeout: .seconds(5))
                if RawConnection.status(of: answer.bytes) == 200 && answer.closed { served += 1 }
            }
            #expect(served == min(20, silent.count), "\(served) of the held connections answered 200")
            // ...and so is a newcomer, at once.
            try expectStillServing(daemon)
            #expect(daemon.stderr.contains("idle HTTP connection closed to make room"), "logged:\n\(daemon.stderr)")

            silent = []
            connections = []
            let after = try daemon.connect()
            after.send("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(RawConnection.status(of: after.receiveUntilClosed(timeout: .seconds(5)).bytes) == 200)
        }
    }
}
