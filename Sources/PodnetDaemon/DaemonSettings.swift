import Logging

/// The daemon's own settings (the `listen`, `resyncInterval`, … keys of the config file).
public struct DaemonSettings: Sendable, Equatable {
    /// Addresses to serve HTTP on (`127.0.0.1:9647` by default).
    public var listen: [ListenEndpoint]
    public var resyncInterval: Duration
    public var grace: Duration
    public var debounce: Duration
    public var maxFindingSeries: Int
    /// The bearer token /status and /metrics require; nil leaves them open.
    public var bearerToken: String?
    public var logLevel: Logger.Level
    /// The config's `nodeName` (restart-only: it labels every metric series).
    public var nodeName: String? = nil

    public init(
        listen: [ListenEndpoint] = [ListenEndpoint(host: "127.0.0.1", port: 9647)], resyncInterval: Duration = .seconds(60),
        grace: Duration = .seconds(5), debounce: Duration = .milliseconds(50), maxFindingSeries: Int = 200,
        bearerToken: String? = nil, logLevel: Logger.Level = .info
    ) {
        self.logLevel = logLevel
        self.listen = listen
        self.resyncInterval = resyncInterval
        self.grace = grace
        self.debounce = debounce
        self.maxFindingSeries = maxFindingSeries
        self.bearerToken = bearerToken
    }
}

/// One address the HTTP server listens on.
public struct ListenEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
