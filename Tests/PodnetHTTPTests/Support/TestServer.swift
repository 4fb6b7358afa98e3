import PodnetHTTP

/// A request handler for tests: `/healthz`, `/echo`, `/big?bytes=N`, else 404.
let testHandler: @Sendable (HTTPRequest) -> HTTPResponse = { request in
    switch request.path {
    case "/healthz":
        return .text("ok\n")
    case "/echo":
        let query = request.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return .text("\(request.method) \(request.path) [\(query)] \(request.version)")
    case "/big":
        let size = Int(request.query["bytes"] ?? "") ?? 0
        return HTTPResponse(status: 200, contentType: "application/octet-stream", body: patternBytes(count: size))
    default:
        return .text(status: 404, "not found\n")
    }
}

/// `count` bytes of a repeating, position-dependent pattern, to check large bodies arrive intact.
func patternBytes(count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
}

/// A loopback configuration on an ephemeral port, with test-sized limits.
func loopbackConfiguration(
    host: String = "127.0.0.1",
    readTimeout: Duration = .seconds(5),
    maxConnections: Int = 256,
    maxHeaderBytes: Int = 8192
) -> HTTPServerConfiguration {
    HTTPServerConfiguration(
        host: host, port: 0, maxHeaderBytes: maxHeaderBytes, readTimeout: readTimeout, maxConnections: maxConnections
    )
}

/// Runs `body` against a started server that is stopped afterwards.
func withServer(
    _ configuration: HTTPServerConfiguration = loopbackConfiguration(),
    handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse = testHandler,
    _ body: (HTTPServer, UInt16) throws -> Void
) throws {
    let server = HTTPServer(configuration: configuration, handler: handler)
    let address = try server.start()
    defer { server.stop() }
    try body(server, address.port)
}

/// A minimal valid HTTP/1.1 GET.
func get(_ target: String, headers: String = "") -> String {
    "GET \(target) HTTP/1.1\r\nHost: localhost\r\n\(headers)\r\n"
}
