/// Turns a handler's response into bytes on the wire, owning the framing headers.
struct ResponseSerializer {
    /// The `Server` header value, or nil for none.
    let serverName: String?
    private var date = HTTPDate()

    /// Headers whose values only the server may decide.
    private static let framingHeaders = ["Content-Length", "Transfer-Encoding", "Connection"]

    init(serverName: String?) {
        self.serverName = serverName
    }

    /// Status line, headers and (unless `includeBody` is false) body of `response`.
    ///
    /// `keepAlive` false adds `Connection: close`; `announceKeepAlive` adds `Connection: keep-alive`
    /// for HTTP/1.0 clients that asked for it. 204 and 304 carry neither a body nor Content-Length.
    mutating func render(
        _ response: HTTPResponse, keepAlive: Bool, announceKeepAlive: Bool, includeBody: Bool
    ) -> [UInt8] {
        let wire = renderForWire(
            response, keepAlive: keepAlive, announceKeepAlive: announceKeepAlive, includeBody: includeBody)
        return wire.head + wire.body
    }

    /// `render`'s bytes as head and body, the body sharing the response's storage.
    mutating func renderForWire(
        _ response: HTTPResponse, keepAlive: Bool, announceKeepAlive: Bool, includeBody: Bool
    ) -> WireResponse {
        var status = response.status
        var body = response.body
        if !(200...599).contains(status) {
            status = 500
            body = Array("Internal Server Error\n".utf8)
        }
        let bodyless = status == 204 || status == 304
        var head = "HTTP/1.1 \(status) \(ReasonPhrase.forStatus(status))\r\n"
        if let serverName, !response.headers.contains("Server") { head += "Server: \(serverName)\r\n" }
        if !response.headers.contains("Date") { head += "Date: \(date.now())\r\n" }
        for (name, value) in response.headers
        where !Self.framingHeaders.contains(where: { HTTPHeaders.namesMatch($0, name) })
            && Self.isValidFieldName(name) && Self.isValidFieldValue(value)
        {
            head += "\(name): \(value)\r\n"
        }
        if !bodyless { head += "Content-Length: \(body.count)\r\n" }
        if !keepAlive {
            head += "Connection: close\r\n"
        } else if announceKeepAlive {
            head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        return WireResponse(head: Array(head.utf8), body: includeBody && !bodyless ? body : [])
    }

    /// A short plain-text response the server sends on its own (400, 408, 413, 431, 503), closing.
    mutating func renderError(status: Int) -> [UInt8] {
        let response = HTTPResponse.text(status: status, ReasonPhrase.forStatus(status) + "\n")
        return render(response, keepAlive: false, announceKeepAlive: false, includeBody: true)
    }

    /// Whether `name` is a token (else the field is dropped rather than corrupting the head).
    static func isValidFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(ASCII.isTokenCharacter)
    }

    /// Whether `value` has no CR, LF or other control characters (tab allowed).
    static func isValidFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy(ASCII.isFieldValueByte)
    }
}
