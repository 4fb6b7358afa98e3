import Glibc

/// One accepted client socket: buffered input, pending output, and where it is in its life.
///
/// Confined to the loop thread. Input is read only while it may still hold a head within limits,
/// and a request is answered only once the previous response has gone to the kernel, at most one
/// per loop turn: a client that pipelines without reading holds at most one response here and
/// one handler run per turn, so every other connection is served in the next turn. Every phase
/// has a deadline, so no client holds a slot forever.
final class Connection {
    /// Where the connection is in its life.
    enum Phase: Equatable {
        /// Reading requests and answering them in order.
        case open
        /// Writing a final response; then the write side is shut down.
        case closingAfterWrite
        /// Discarding what the client still sends, so the close does not reset the last response.
        case lingering
        /// The descriptor is closed.
        case closed
    }

    /// The socket.
    let descriptor: Int32
    /// The peer's numeric address, without the port.
    let peer: String
    /// When it was accepted (monotonic nanoseconds).
    let openedAt: UInt64
    /// Requests answered so far.
    private(set) var requestsAnswered = 0
    /// Since when it has been waiting (accepted, or its last response sent, or its client last
    /// took any of a response); nil while it is answering. A client that has taken nothing of its
    /// response for `stalledOutputGrace` is not being answered but waiting, on itself: else
    /// clients asking for a large body and never reading would hold every slot. Lingering
    /// connections have had their answer: they wait since 0.
    func waitingSince(now: UInt64) -> UInt64? {
        switch phase {
        case .open where pendingOutput == 0: return hasInputToParse ? nil : idleSince
        case .open, .closingAfterWrite:
            return pendingOutput > 0 && now &- lastOutputProgress >= Self.stalledOutputGrace ? lastOutputProgress : nil
        case .lingering: return 0
        case .closed: return nil
        }
    }
    /// How long a client may take none of its response and still count as being answered.
    static let stalledOutputGrace: UInt64 = 1_000_000_000
    private var idleSince: UInt64
    /// When the pending response was queued or the kernel last took bytes of it.
    private var lastOutputProgress: UInt64 = 0
    /// Where the connection is in its life.
    private(set) var phase: Phase = .open
    /// When the next request, the pending output, the final write or the drain must be done
    /// (monotonic nanoseconds): `readTimeout` after accepting or after the previous response drained.
    private(set) var deadline: UInt64

    private var input: [UInt8] = []
    private var scanned = 0
    /// Whether `input` changed since the parser last found no complete request in it.
    private var inputUnparsed = false
    private var inputEnded = false
    private var output = WireResponse()
    private var outputSent = 0

    init(descriptor: Int32, peer: String, now: UInt64, deadline: UInt64) {
        self.descriptor = descriptor
        self.peer = peer
        openedAt = now
        idleSince = now
        self.deadline = deadline
    }

    private var pendingOutput: Int { output.count - outputSent }

    /// Whether a request may be waiting in the buffered input, answerable now: the loop then
    /// handles the connection in its next turn without waiting for poll.
    var hasInputToParse: Bool { phase == .open && pendingOutput == 0 && inputUnparsed }

    /// The poll(2) events this connection waits for now.
    func interest(maxHeaderBytes: Int) -> Int16 {
        switch phase {
        case .open:
            var events: Int16 = 0
            if !inputEnded && input.count < maxHeaderBytes {
                events |= Int16(POLLIN)
            }
            if pendingOutput > 0 { events |= Int16(POLLOUT) }
            return events
        case .closingAfterWrite: return Int16(POLLOUT)
        case .lingering: return Int16(POLLIN)
        case .closed: return 0
        }
    }

    /// Reacts to poll's `events` (none when only `hasInputToParse`): reads, answers at most one
    /// request, writes, advances the phase.
    func handle(events: Int16, responder: RequestResponder, scratch: UnsafeMutableRawBufferPointer, now: UInt64) {
        if events & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
            close()
            return
        }
        if events & Int16(POLLIN) != 0 {
            read(into: scratch, now: now)
        }
        advance(responder: responder, now: now)
    }

    /// Called when `deadline` has passed: a partial request gets a best-effort 408, then close.
    func expire(responder: RequestResponder) {
        if phase == .open && !input.isEmpty && pendingOutput == 0 {
            let timeout = responder.error(status: 408)
            _ = timeout.withUnsafeBytes { Socket.send(descriptor, $0) }
        }
        close()
    }

    /// Closes the socket now, dropping anything unsent.
    func close() {
        guard phase != .closed else { return }
        Socket.close(descriptor)
        phase = .closed
        input = []
        inputUnparsed = false
        output = WireResponse()
        outputSent = 0
    }

    private func read(into scratch: UnsafeMutableRawBufferPointer, now: UInt64) {
        switch Socket.receive(descriptor, into: scratch) {
        case .transferred(let count):
            if phase == .open {
                input.append(contentsOf: scratch[0..<count])
                inputUnparsed = true
            }
        case .endOfFile:
            inputEnded = true
            if phase == .lingering { close() }
        case .wouldBlock:
            break
        case .failed:
            close()
        }
    }

    private func advance(responder: RequestResponder, now: UInt64) {
        if hasInputToParse { answerNextRequest(responder: responder, now: now) }
        flush(responder: responder, now: now)
        if phase == .closingAfterWrite && pendingOutput == 0 {
            startLingering(responder: responder, now: now)
        }
        if phase == .open && inputEnded && pendingOutput == 0 && !inputUnparsed {
            close()
        }
    }

    /// Answers the first complete request in the input, if there is one. Only one: the next waits
    /// until this response has gone and the loop has turned, so that other connections go between.
    private func answerNextRequest(responder: RequestResponder, now: UInt64) {
        switch responder.parser.parse(input, scanned: scanned) {
        case .incomplete(let discard, let newlyScanned):
            if discard > 0 { input.removeFirst(discard) }
            scanned = newlyScanned
            inputUnparsed = false
        case .complete(var parsed, let consumed):
            input.removeFirst(consumed)
            scanned = 0
            inputUnparsed = !input.isEmpty
            deadline = now + responder.readTimeout
            requestsAnswered += 1
            // The last request a connection may make, or one past its lifetime, is answered
            // with `Connection: close`: no client keeps a slot for ever.
            if requestsAnswered >= responder.maxRequestsPerConnection || now >= openedAt &+ responder.maxLifetime {
                parsed.keepAlive = false
            }
            enqueue(responder.respond(to: parsed), now: now)
            if !parsed.keepAlive { finish(now: now, responder: responder) }
        case .rejected(let rejection):
            enqueue(WireResponse(head: responder.error(status: rejection.status)), now: now)
            finish(now: now, responder: responder)
        }
    }

    /// No more requests are read: write what is queued, then close.
    private func finish(now: UInt64, responder: RequestResponder) {
        phase = .closingAfterWrite
        input = []
        scanned = 0
        inputUnparsed = false
        deadline = now + responder.readTimeout
    }

    /// Queues a response; only called once the previous one has gone (`pendingOutput == 0`).
    private func enqueue(_ response: WireResponse, now: UInt64) {
        output = response
        outputSent = 0
        lastOutputProgress = now
    }

    /// Writes pending output; once it has all gone, an open connection's idle time starts.
    private func flush(responder: RequestResponder, now: UInt64) {
        guard pendingOutput > 0 else { return }
        while pendingOutput > 0 {
            let outcome = output.withUnsentBytes(after: outputSent) { Socket.send(descriptor, $0) }
            switch outcome {
            case .transferred(let count) where count > 0:
                outputSent += count
                lastOutputProgress = now
            case .transferred, .wouldBlock:
                return
            case .failed, .endOfFile:
                close()
                return
            }
        }
        output = WireResponse()
        outputSent = 0
        if phase == .open { waitForNextRequest(now: now, responder: responder) }
    }

    /// Idle between requests: the next one has `readTimeout`, but not past the connection's lifetime.
    private func waitForNextRequest(now: UInt64, responder: RequestResponder) {
        idleSince = now
        deadline = min(now + responder.readTimeout, max(now, openedAt &+ responder.maxLifetime))
    }

    private func startLingering(responder: RequestResponder, now: UInt64) {
        if inputEnded {
            close()
            return
        }
        Socket.shutdownWrite(descriptor)
        phase = .lingering
        deadline = now + responder.lingerTimeout
    }
}
