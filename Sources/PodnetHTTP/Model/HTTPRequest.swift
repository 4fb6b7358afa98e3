/// A parsed HTTP/1.x request head; the server accepts no request bodies.
public struct HTTPRequest: Sendable, Equatable {
    /// The method token as sent, e.g. `GET` (a `HEAD` request reaches the handler as `GET`).
    public var method: String
    /// The path of the request target, without the query and not percent-decoded.
    public var path: String
    /// The query parameters, percent-decoded (`+` is a space); the last of repeated keys wins.
    public var query: [String: String]
    /// The header fields in the order received.
    public var headers: HTTPHeaders
    /// The protocol version as sent: `HTTP/1.1` or `HTTP/1.0`.
    public var version: String

    /// Creates a request; handlers' tests can build one without a socket.
    public init(
        method: String = "GET",
        path: String = "/",
        query: [String: String] = [:],
        headers: HTTPHeaders = [:],
        version: String = "HTTP/1.1"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.version = version
    }
}
