/// The numeric address and port a server is bound to.
public struct SocketAddressDescription: Sendable, Hashable, CustomStringConvertible {
    /// The numeric host, e.g. `127.0.0.1` or `::1` (no brackets).
    public var host: String
    /// The bound port, the kernel's choice when 0 was configured.
    public var port: UInt16

    /// Creates a description from a numeric host and a port.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with IPv6 hosts in brackets: `[::1]:9647`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
