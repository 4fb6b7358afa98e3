import Glibc
import Synchronization
import Testing

@testable import PodnetHTTP

/// Fairness: one connection's pipelined requests cannot hold the loop while other clients wait,
/// and a client that does not read its responses gets no further request answered.
///
/// Measured in handler runs, not in wall time, so a slow or loaded machine cannot make these pass
/// or fail.
@Suite struct FairnessTests {
    @Test("another client is answered after at most two of 64 pipelined slow requests")
    func pipelinedSlowRequestsDoNotHoldTheLoop() throws {
        let gate = FirstRequestGate()
        let handler: @Sendable (HTTPRequest) -> HTTPResponse = { request in
            switch request.path {
            case "/slow":
                gate.enter()
                usleep(2_000)
                return .text(request.query["n"] ?? "?")
            case "/probe":
                return .text("\(gate.entered)")
            default:
                return testHandler(request)
            }
        }
        try withServer(loopbackConfiguration(), handler: handler) { _, port in
            let other = try RawClient(port: port)
            try other.send(get("/healthz"))
            #expect(try other.readResponse().status == 200, "the other client is open before the hog starts")

            // One write, so the loop reads all 64 requests at once; the first one's handler is
            // held until the probe has reached the server, so the probe is waiting while the
            // hog's other 63 requests are already buffered.
            let hog = try RawClient(port: port)
            try hog.send((1...64).map { get("/slow?n=\($0)") }.joined())
            try #require(gate.waitUntilEntered(), "the hog's first request never reached the handler")
            try other.send(get("/probe"))
            gate.open()

            let probe = try other.readResponse(timeout: .seconds(30))
            let slowRequestsBefore = try #require(Int(probe.text), "probe body: \(probe.text)")
            #expect(
                slowRequestsBefore <= 2,
                "the probe waited for \(slowRequestsBefore) of the hog's 64 requests; at most one per turn may go first"
            )
            for n in 1...64 {
                #expect(try hog.readResponse(timeout: .seconds(30)).text == "\(n)", "pipelined response \(n) in order")
            }
        }
    }

    @Test("requests pipelined before a half-close are all answered, turn by turn, then the connection closes")
    func pipelinedRequestsBeforeHalfCloseAreAllAnswered() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            try client.send((1...5).map { get("/echo?n=\($0)") }.joined())
            shutdown(client.descriptor, Int32(SHUT_WR))
            for n in 1...5 {
                #expect(try client.readResponse().text == "GET /echo [n=\(n)] HTTP/1.1")
            }
            #expect(client.readUntilClosed(timeout: .seconds(2)) == [])
        }
    }

    @Test("one pipelined request is answered per turn, and none while the previous response is unsent")
    func oneRequestPerTurnAndNoneWhileAResponseIsUnsent() throws {
        let handled = Tally()
        let responder = RequestResponder(configuration: loopbackConfiguration()) { request in
            handled.add()
            return testHandler(request)
        }
        let (serverEnd, clientEnd) = try Socket.pair().get()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)
        let connection = Connection(descriptor: serverEnd, peer: "local", now: MonotonicClock.now(), deadline: .max)
        defer {
            connection.close()
            Socket.close(clientEnd)
            scratch.deallocate()
        }
        func turn(_ events: Int32) {
            connection.handle(events: Int16(events), responder: responder, scratch: scratch, now: MonotonicClock.now())
        }

        // Small responses: each fits the socket at once, yet the next request waits for the next turn.
        try sendAll(clientEnd, (1...3).map { get("/echo?n=\($0)") }.joined())
        turn(POLLIN)
        #expect(handled.count == 1)
        #expect(connection.hasInputToParse, "two requests are still buffered")
        turn(0)
        #expect(handled.count == 2)
        turn(0)
        #expect(handled.count == 3)
        #expect(!connection.hasInputToParse)
        let echoes = String(decoding: receiveAvailable(clientEnd), as: UTF8.self)
        let order = (1...3).compactMap { echoes.firstRange(of: "GET /echo [n=\($0)]")?.lowerBound }
        #expect(order.count == 3 && order == order.sorted(), "responses in request order: \(echoes)")

        // Responses larger than the socket holds (its send buffer made small), under the 64 KiB
        // the server once let pile up: while the client reads nothing, only the first is rendered.
        var small: Int32 = 4096
        #expect(setsockopt(serverEnd, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size)) == 0)
        let bodyBytes = 24 * 1024
        try sendAll(clientEnd, (1...3).map { _ in get("/big?bytes=\(bodyBytes)") }.joined())
        for _ in 0..<5 { turn(POLLIN | POLLOUT) }
        #expect(handled.count == 4, "a response is unsent: no further request may run")
        #expect(!connection.hasInputToParse)

        // Once the client reads, the rest follow, intact and in order.
        var received: [UInt8] = []
        var turns = 0
        while turns < 10_000 && (handled.count < 6 || connection.interest(maxHeaderBytes: 8192) & Int16(POLLOUT) != 0) {
            received += receiveAvailable(clientEnd)
            turn(POLLOUT)
            turns += 1
        }
        received += receiveAvailable(clientEnd)
        #expect(handled.count == 6)
        let expectedBody = patternBytes(count: bodyBytes)
        var rest = received[...]
        for number in 1...3 {
            let headEnd = try #require(rest.firstRange(of: [13, 10, 13, 10]), "head of big response \(number)")
            #expect(rest[rest.startIndex..<headEnd.lowerBound].starts(with: Array("HTTP/1.1 200 OK".utf8)))
            let body = rest[headEnd.upperBound...].prefix(bodyBytes)
            #expect(body.elementsEqual(expectedBody), "body of big response \(number) intact")
            rest = rest[(headEnd.upperBound + body.count)...]
        }
        #expect(rest.isEmpty)
    }
}

/// Holds the first caller of `enter()` until `open()`, counting every caller; used from the
/// server's loop thread (the handler) and the test's thread.
private final class FirstRequestGate: Sendable {
    private let state = Mutex((entered: 0, open: false))

    /// How many times `enter()` was called.
    var entered: Int { state.withLock { $0.entered } }

    /// Counts the call; the first waits (at most 30 s) until `open()`.
    func enter() {
        let first = state.withLock { state -> Bool in
            state.entered += 1
            return state.entered == 1
        }
        guard first else { return }
        for _ in 0..<30_000 where !state.withLock({ $0.open }) { usleep(1_000) }
    }

    /// Waits (at most 30 s) until the first `enter()`; false if it never came.
    func waitUntilEntered() -> Bool {
        for _ in 0..<30_000 {
            if entered > 0 { return true }
            usleep(1_000)
        }
        return false
    }

    /// Lets the first caller go on.
    func open() {
        state.withLock { $0.open = true }
    }
}

/// Counts handler runs; shared by the handler and the test.
private final class Tally: Sendable {
    private let value = Mutex(0)

    /// The runs counted so far.
    var count: Int { value.withLock { $0 } }

    /// Counts one run.
    func add() {
        value.withLock { $0 += 1 }
    }
}

/// Writes all of `text` to a non-blocking socket whose buffer has room for it.
private func sendAll(_ descriptor: Int32, _ text: String) throws {
    let bytes = Array(text.utf8)
    let sent = bytes.withUnsafeBytes { Socket.send(descriptor, $0) }
    try #require(sent == .transferred(bytes.count), "sent \(sent) of \(bytes.count) bytes")
}

/// Everything readable on a non-blocking socket now.
private func receiveAvailable(_ descriptor: Int32) -> [UInt8] {
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while case .transferred(let count) = chunk.withUnsafeMutableBytes({ Socket.receive(descriptor, into: $0) }) {
        received += chunk[0..<count]
    }
    return received
}
