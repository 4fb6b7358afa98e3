/// Where and how defensively an `HTTPServer` listens.
public struct HTTPServerConfiguration: Sendable, Equatable {
    /// An IPv4 or IPv6 literal (`127.0.0.1`, `::1`, `::`, `[::1]`); `::` also accepts IPv4 clients.
    public var host: String
    /// The TCP port; 0 asks the kernel for an ephemeral one (see `start()`'s result).
    public var port: UInt16
    /// The largest request line plus header section, terminating blank line included (else 431).
    public var maxHeaderBytes: Int
    /// Time for a whole request head to arrive, and how long an idle keep-alive connection may wait.
    public var readTimeout: Duration
    /// Connections open at once. When all are taken, a new one displaces the connection that has
    /// waited longest for a request (see `SlotPolicy`); only when all are busy answering is it
    /// answered 503 and closed.
    public var maxConnections: Int
    /// Connections one peer address may hold; its next one displaces its own longest-waiting one.
    public var maxConnectionsPerPeer: Int
    /// How long a connection may stay open: after it, the next response closes it, or it is
    /// closed while idle.
    public var maxConnectionLifetime: Duration
    /// Requests answered on one connection; the last one's response closes it.
    public var maxRequestsPerConnection: Int
    /// The `Server` header value, or nil to send none.
    public var serverName: String?

    /// Creates a configuration; the defaults suit the node agent's loopback endpoint.
    public init(
        host: String = "127.0.0.1",
        port: UInt16 = 9647,
        maxHeaderBytes: Int = 8192,
        readTimeout: Duration = .seconds(10),
        maxConnections: Int = 256,
        serverName: String? = "podnetd",
        maxConnectionsPerPeer: Int = 64,
        maxConnectionLifetime: Duration = .seconds(60),
        maxRequestsPerConnection: Int = 100
    ) {
        self.host = host
        self.port = port
        self.maxHeaderBytes = maxHeaderBytes
        self.readTimeout = readTimeout
        self.maxConnections = maxConnections
        self.serverName = serverName
        self.maxConnectionsPerPeer = maxConnectionsPerPeer
        self.maxConnectionLifetime = maxConnectionLifetime
        self.maxRequestsPerConnection = maxRequestsPerConnection
    }

    /// The first reason this configuration cannot be served, or nil.
    var problem: String? {
        if maxHeaderBytes < 64 { return "maxHeaderBytes must be at least 64, is \(maxHeaderBytes)" }
        if maxHeaderBytes > 1 << 20 { return "maxHeaderBytes must be at most 1 MiB, is \(maxHeaderBytes)" }
        if maxConnections < 1 { return "maxConnections must be at least 1, is \(maxConnections)" }
        if readTimeout <= .zero { return "readTimeout must be positive, is \(readTimeout)" }
        if maxConnectionsPerPeer < 1 { return "maxConnectionsPerPeer must be at least 1, is \(maxConnectionsPerPeer)" }
        if maxConnectionLifetime <= .zero { return "maxConnectionLifetime must be positive, is \(maxConnectionLifetime)" }
        if maxRequestsPerConnection < 1 {
            return "maxRequestsPerConnection must be at least 1, is \(maxRequestsPerConnection)"
        }
        if let serverName, !ResponseSerializer.isValidFieldValue(serverName) {
            return "serverName must not contain control characters"
        }
        return nil
    }
}
