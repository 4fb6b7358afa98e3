import Glibc

/// The single-threaded poll(2) loop: accepts, reads, answers, writes and times out every connection.
///
/// Fair: each turn answers at most one request per connection, so a client pipelining many
/// requests (or slow ones) delays every other connection by at most one handler run; its further
/// requests wait in its input buffer and are taken up turn by turn (`Connection.hasInputToParse`).
///
/// Created and run on the server's own thread; it owns the listener, the wake socket's receiving
/// end and every connection, and closes them all when `run()` returns.
final class EventLoop {
    /// Accepts per wake-up, so a connection flood cannot starve the connections already open.
    private static let acceptBatch = 64
    /// How long accepting pauses when the process is out of descriptors or memory.
    private static let acceptBackoff: UInt64 = 100_000_000
    private static let readChunk = 16 * 1024

    private let listener: Int32
    private let wakeReceiver: Int32
    private let slots: SlotPolicy
    private let maxHeaderBytes: Int
    private let onEvent: @Sendable (HTTPServerEvent) -> Void
    private var events = HTTPServerEventLimiter()
    private let responder: RequestResponder
    private let scratch: UnsafeMutableRawBufferPointer
    private var connections: [Connection] = []
    private var pollDescriptors: [pollfd] = []
    private var acceptResumesAt: UInt64 = 0

    init(
        listener: Int32,
        wakeReceiver: Int32,
        configuration: HTTPServerConfiguration,
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
        onEvent: @escaping @Sendable (HTTPServerEvent) -> Void
    ) {
        self.listener = listener
        self.wakeReceiver = wakeReceiver
        self.onEvent = onEvent
        slots = SlotPolicy(
            maxConnections: configuration.maxConnections, maxPerPeer: configuration.maxConnectionsPerPeer)
        maxHeaderBytes = configuration.maxHeaderBytes
        responder = RequestResponder(configuration: configuration, handler: handler)
        scratch = .allocate(byteCount: Self.readChunk, alignment: 16)
    }

    deinit {
        scratch.deallocate()
    }

    /// Serves until the wake socket becomes readable (data or end-of-file), then closes everything.
    func run() {
        defer { closeEverything() }
        while true {
            var now = MonotonicClock.now()
            let accepting = now >= acceptResumesAt
            pollDescriptors.removeAll(keepingCapacity: true)
            pollDescriptors.append(pollfd(fd: wakeReceiver, events: Int16(POLLIN), revents: 0))
            pollDescriptors.append(pollfd(fd: accepting ? listener : -1, events: Int16(POLLIN), revents: 0))
            for connection in connections {
                let events = connection.interest(maxHeaderBytes: maxHeaderBytes)
                pollDescriptors.append(pollfd(fd: connection.descriptor, events: events, revents: 0))
            }
            let ready = poll(&pollDescriptors, nfds_t(pollDescriptors.count), timeout(now: now, accepting: accepting))
            if ready < 0 {
                if errno != EINTR { usleep(10_000) }
                if stopRequested() { return }
                continue
            }
            if pollDescriptors[0].revents != 0 { return }
            now = MonotonicClock.now()
            for (offset, connection) in connections.enumerated() {
                let events = pollDescriptors[offset + 2].revents
                if events != 0 || connection.hasInputToParse {
                    connection.handle(events: events, responder: responder, scratch: scratch, now: now)
                }
            }
            // A connection with a request buffered is answered in the next turn first (lifetime
            // and request limits then close it with `Connection: close`), not cut off with a 408.
            for connection in connections
            where connection.phase != .closed && connection.deadline <= now && !connection.hasInputToParse {
                connection.expire(responder: responder)
            }
            connections.removeAll { $0.phase == .closed }
            if accepting && pollDescriptors[1].revents != 0 {
                acceptPending(now: now)
            }
            events.flush(now: now).forEach(onEvent)
        }
    }

    /// Milliseconds until the nearest deadline (rounded up), or -1 when nothing is due; 0 while a
    /// connection has a buffered request to answer.
    private func timeout(now: UInt64, accepting: Bool) -> Int32 {
        if connections.contains(where: \.hasInputToParse) { return 0 }
        var nearest = accepting ? UInt64.max : acceptResumesAt
        if let flush = events.nextFlush { nearest = min(nearest, flush) }
        for connection in connections { nearest = min(nearest, connection.deadline) }
        guard nearest != .max else { return -1 }
        guard nearest > now else { return 0 }
        let milliseconds = (nearest - now + 999_999) / 1_000_000
        return Int32(min(milliseconds, UInt64(Int32.max)))
    }

    private func acceptPending(now: UInt64) {
        for _ in 0..<Self.acceptBatch {
            switch Socket.accept(listener) {
            case .accepted(let descriptor, let peer):
                switch slots.admit(peer: peer, occupants: occupants(now: now)) {
                case .admit:
                    break
                case .admitDisplacing(let index, let reason):
                    connections[index].close()
                    connections.remove(at: index)
                    report(.displaced, "\(peer): \(reason.rawValue)", now: now)
                case .refuse(let reason):
                    refuse(descriptor)
                    report(.refused, "\(peer): \(reason.rawValue)", now: now)
                    continue
                }
                connections.append(
                    Connection(descriptor: descriptor, peer: peer, now: now, deadline: now + responder.readTimeout))
            case .wouldBlock:
                return
            case .skipped:
                continue
            case .exhausted(let code):
                let name: String
                switch code {
                case EMFILE: name = "EMFILE: the process is out of file descriptors (LimitNOFILE)"
                case ENFILE: name = "ENFILE: the system is out of file descriptors"
                case ENOBUFS, ENOMEM: name = "out of memory for sockets"
                default: name = "errno \(code)"
                }
                // Out of descriptors: a connection that only waits gives its descriptor to the
                // client knocking, so that holding connections cannot shut out a scrape.
                if code == EMFILE || code == ENFILE, let victim = slots.victim(among: occupants(now: now)) {
                    let holder = connections[victim.index].peer
                    connections[victim.index].close()
                    connections.remove(at: victim.index)
                    report(.acceptFailed, "\(name); closed a waiting connection of \(holder) to accept", now: now)
                    continue
                }
                acceptResumesAt = now + Self.acceptBackoff
                report(.acceptFailed, "\(name); \(connections.count) connections open, accepting again in 100 ms", now: now)
                return
            }
        }
    }

    /// The open connections as the slot policy sees them.
    private func occupants(now: UInt64) -> [SlotPolicy.Occupant] {
        connections.enumerated().map {
            SlotPolicy.Occupant(
                index: $0.offset, peer: $0.element.peer, waitingSince: $0.element.waitingSince(now: now))
        }
    }

    private func report(_ kind: HTTPServerEvent.Kind, _ detail: String, now: UInt64) {
        if let event = events.record(kind, detail: detail, now: now) { onEvent(event) }
    }

    /// Answers a connection over the limit with 503 and closes it at once.
    private func refuse(_ descriptor: Int32) {
        let unavailable = responder.error(status: 503)
        _ = unavailable.withUnsafeBytes { Socket.send(descriptor, $0) }
        Socket.shutdownWrite(descriptor)
        // Read what already arrived, so closing sends FIN rather than a reset that could drop the 503.
        for _ in 0..<4 {
            guard case .transferred = Socket.receive(descriptor, into: scratch) else { break }
        }
        Socket.close(descriptor)
    }

    /// Whether stop() has signalled, checked without blocking (used when poll itself fails).
    private func stopRequested() -> Bool {
        var byte: UInt8 = 0
        let count = recv(wakeReceiver, &byte, 1, Int32(MSG_DONTWAIT))
        return count >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    private func closeEverything() {
        for connection in connections { connection.close() }
        connections = []
        Socket.close(listener)
        Socket.close(wakeReceiver)
    }
}
