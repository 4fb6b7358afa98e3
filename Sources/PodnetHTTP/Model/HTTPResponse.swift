// The server owns framing: `Content-Length`, `Transfer-Encoding` and `Connection` set here are
// replaced by its own; `Server` and `Date` set here are sent instead of the server's.

/// A response produced by the handler; the server adds `Content-Length` and `Connection` itself.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code, 200...599 (anything else is sent as 500).
    public var status: Int
    /// Header fields to send, in order.
    public var headers: HTTPHeaders
    /// The body bytes (dropped for `HEAD`, 204 and 304).
    public var body: [UInt8]

    /// Creates a response from its parts.
    public init(status: Int = 200, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a body and its `Content-Type`.
    public init(status: Int = 200, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: ["Content-Type": contentType], body: body)
    }

    /// A UTF-8 plain-text response.
    public static func text(
        status: Int = 200,
        _ text: String,
        contentType: String = "text/plain; charset=utf-8"
    ) -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: Array(text.utf8))
    }

    /// A JSON response from already-encoded text.
    public static func json(status: Int = 200, _ json: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: Array(json.utf8))
    }

    /// A JSON response from already-encoded bytes.
    public static func json(status: Int = 200, _ json: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: json)
    }
}
