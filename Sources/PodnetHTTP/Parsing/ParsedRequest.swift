/// A request head that passed validation, with what the connection does after answering it.
struct ParsedRequest: Equatable, Sendable {
    /// The request as received (a `HEAD` is still `HEAD` here).
    var request: HTTPRequest
    /// Whether the connection stays open after the response.
    var keepAlive: Bool

    /// Whether the response carries headers only.
    var isHead: Bool { request.method == "HEAD" }
}
