import Synchronization

// Hardened for untrusted local clients: bounded heads (431), strict parsing (400), no bodies (413),
// a deadline for every request and idle connection, a connection lifetime and request limit, a
// connection limit whose newcomers displace the longest-waiting connection (503 only when all are
// busy) and a per-peer cap, no SIGPIPE.
// The handler runs on the loop thread, so it must be fast; a slow handler delays every client.

/// A small HTTP/1.1 server on the platform's sockets: one thread, one poll(2) loop, no request bodies.
public final class HTTPServer: Sendable {
    /// What the server listens on and its limits.
    public let configuration: HTTPServerConfiguration
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    private let onEvent: @Sendable (HTTPServerEvent) -> Void
    private let running = Mutex<Running?>(nil)

    /// The loop thread and the socket end whose closing stops it.
    private struct Running: Sendable {
        let thread: LoopThread
        let wakeSender: Int32
        let address: SocketAddressDescription
    }

    /// Creates a stopped server; `handler` is called on the server's thread for each request and must be fast.
    /// `onEvent` hears, rate-limited, of connections refused or displaced and of `accept` failing
    /// for lack of descriptors (the server has no logger of its own); it runs on the server's thread.
    public init(
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
        onEvent: @escaping @Sendable (HTTPServerEvent) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.handler = handler
        self.onEvent = onEvent
    }

    deinit {
        stop()
    }

    /// The address being served, or nil while stopped.
    public var boundAddress: SocketAddressDescription? {
        running.withLock { $0?.address }
    }

    /// Binds and listens, then serves on a new thread; returns the bound address (its port when 0 was asked).
    @discardableResult
    public func start() throws(HTTPServerError) -> SocketAddressDescription {
        try running.withLock { (running: inout Running?) throws(HTTPServerError) -> SocketAddressDescription in
            guard running == nil else { throw .alreadyRunning }
            let configuration = self.configuration
            if let problem = configuration.problem { throw .invalidConfiguration(problem) }
            guard let address = SocketAddress(host: configuration.host, port: configuration.port) else {
                throw .invalidHost(configuration.host)
            }
            let name = "\(configuration.host):\(configuration.port)"
            let (listener, bound) = try Socket.listen(on: address, named: name, backlog: 1024).get()
            let wakeSender: Int32
            let wakeReceiver: Int32
            switch Socket.pair() {
            case .success(let pair):
                (wakeSender, wakeReceiver) = pair
            case .failure(let failure):
                Socket.close(listener)
                throw .systemCall(call: failure.call, address: name, errno: failure.errno)
            }
            let handler = self.handler
            let onEvent = self.onEvent
            let spawned = LoopThread.spawn {
                let loop = EventLoop(
                    listener: listener, wakeReceiver: wakeReceiver, configuration: configuration, handler: handler,
                    onEvent: onEvent
                )
                loop.run()
            }
            switch spawned {
            case .success(let thread):
                running = Running(thread: thread, wakeSender: wakeSender, address: bound)
                return bound
            case .failure(let failure):
                Socket.close(listener)
                Socket.close(wakeSender)
                Socket.close(wakeReceiver)
                throw .systemCall(call: failure.call, address: name, errno: failure.errno)
            }
        }
    }

    /// Closes the listener and every connection and waits for the loop thread; safe to call repeatedly.
    public func stop() {
        let stopping = running.withLock { running -> Running? in
            defer { running = nil }
            return running
        }
        guard let stopping else { return }
        // The loop polls the other end: end-of-file there makes it close everything and return.
        Socket.close(stopping.wakeSender)
        if stopping.thread.isCurrent {
            stopping.thread.detach()
        } else {
            stopping.thread.join()
        }
    }
}
