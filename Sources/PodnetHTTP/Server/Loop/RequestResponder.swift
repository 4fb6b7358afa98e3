/// Everything a connection needs to turn buffered bytes into response bytes; confined to the loop thread.
final class RequestResponder {
    /// Finds and validates request heads.
    let parser: RequestHeadParser
    /// How long a request may take to arrive, in nanoseconds.
    let readTimeout: UInt64
    /// How long a connection is drained after an error response before it is closed, in nanoseconds.
    let lingerTimeout: UInt64
    /// How long a connection may stay open, in nanoseconds.
    let maxLifetime: UInt64
    /// Requests answered on one connection before it is closed.
    let maxRequestsPerConnection: Int
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    private var serializer: ResponseSerializer

    init(configuration: HTTPServerConfiguration, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        parser = RequestHeadParser(maxHeaderBytes: configuration.maxHeaderBytes)
        readTimeout = MonotonicClock.nanoseconds(configuration.readTimeout)
        lingerTimeout = min(readTimeout, 1_000_000_000)
        maxLifetime = MonotonicClock.nanoseconds(configuration.maxConnectionLifetime)
        maxRequestsPerConnection = configuration.maxRequestsPerConnection
        self.handler = handler
        serializer = ResponseSerializer(serverName: configuration.serverName)
    }

    /// Calls the handler (a `HEAD` as `GET`) and renders its response for this request.
    func respond(to parsed: ParsedRequest) -> WireResponse {
        var request = parsed.request
        if parsed.isHead { request.method = "GET" }
        let response = handler(request)
        return serializer.renderForWire(
            response,
            keepAlive: parsed.keepAlive,
            announceKeepAlive: parsed.keepAlive && request.version == "HTTP/1.0",
            includeBody: !parsed.isHead
        )
    }

    /// A response the server sends on its own before closing (400, 408, 413, 431, 503).
    func error(status: Int) -> [UInt8] {
        serializer.renderError(status: status)
    }
}
