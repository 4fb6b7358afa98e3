/// Finds and validates the request head at the start of a connection's buffered input.
///
/// Strict where laxness is a risk (bare CR, obs-fold, space before colon, duplicate Host,
/// conflicting Content-Length all give 400); lenient where RFC 9112 allows it (a bare LF ends a
/// line, blank lines before a request are skipped, absolute-form targets are accepted).
struct RequestHeadParser: Sendable {
    /// The most bytes a request line plus header section may take, final blank line included.
    let maxHeaderBytes: Int

    /// The result of looking at the buffered input once.
    enum Outcome: Equatable {
        /// No complete head yet: drop `discard` leading blank-line bytes, and after them `scanned`
        /// bytes are known to hold no head terminator.
        case incomplete(discard: Int, scanned: Int)
        /// A valid head taking the first `consumed` bytes.
        case complete(ParsedRequest, consumed: Int)
        /// The request is refused; answer with the rejection's status and close.
        case rejected(RequestRejection)
    }

    /// Parses the head at the start of `input`; `scanned` is a previous `.incomplete` result's.
    func parse(_ input: [UInt8], scanned: Int = 0) -> Outcome {
        var start = 0
        while start < input.count {
            if input[start] == ASCII.lineFeed {
                start += 1
            } else if input[start] == ASCII.carriageReturn, start + 1 < input.count,
                input[start + 1] == ASCII.lineFeed
            {
                start += 2
            } else {
                break
            }
        }
        let limit = min(input.count, start + maxHeaderBytes)
        // A terminator is recognised at its final LF by looking back, so scanning resumes exactly
        // where the last call stopped: each byte is looked at once however slowly it arrives.
        var index = start + scanned
        var headEnd: Int?
        while index < limit {
            if input[index] == ASCII.lineFeed {
                if index > start, input[index - 1] == ASCII.lineFeed {
                    headEnd = index + 1
                    break
                }
                if index > start + 1, input[index - 1] == ASCII.carriageReturn, input[index - 2] == ASCII.lineFeed {
                    headEnd = index + 1
                    break
                }
            }
            index += 1
        }
        guard let headEnd else {
            if input.count - start >= maxHeaderBytes { return .rejected(.headTooLarge) }
            return .incomplete(discard: start, scanned: input.count - start)
        }
        switch parseHead(input[start..<headEnd]) {
        case .success(let parsed): return .complete(parsed, consumed: headEnd)
        case .failure(let rejection): return .rejected(rejection)
        }
    }

    /// Validates a complete head (request line, fields, blank line).
    private func parseHead(_ head: ArraySlice<UInt8>) -> Result<ParsedRequest, RequestRejection> {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = head.startIndex
        for index in head.indices where head[index] == ASCII.lineFeed {
            var lineEnd = index
            if lineEnd > lineStart, head[lineEnd - 1] == ASCII.carriageReturn { lineEnd -= 1 }
            let line = head[lineStart..<lineEnd]
            if line.isEmpty { break }
            if line.contains(ASCII.carriageReturn) { return .failure(.malformed("bare CR in head")) }
            lines.append(line)
            lineStart = index + 1
        }
        guard let requestLine = lines.first else { return .failure(.malformed("empty request")) }
        let parts = requestLine.split(separator: ASCII.space, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            return .failure(.malformed("request line is not 'method target version'"))
        }
        let (methodBytes, target, versionBytes) = (parts[0], parts[1], parts[2])
        guard methodBytes.allSatisfy(ASCII.isTokenCharacter) else { return .failure(.malformed("invalid method")) }
        let method = String(decoding: methodBytes, as: UTF8.self)
        let version = String(decoding: versionBytes, as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .failure(.malformed("unsupported version"))
        }
        guard target.allSatisfy(ASCII.isTargetByte) else { return .failure(.malformed("invalid request target")) }
        let path: String
        let query: [String: String]
        switch Self.splitTarget(target, method: method) {
        case .success(let parts): (path, query) = parts
        case .failure(let rejection): return .failure(rejection)
        }

        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            if line.first == ASCII.space || line.first == ASCII.tab {
                return .failure(.malformed("obsolete line folding"))
            }
            guard let colon = line.firstIndex(of: ASCII.colon) else {
                return .failure(.malformed("header field without colon"))
            }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(ASCII.isTokenCharacter) else {
                return .failure(.malformed("invalid header field name"))
            }
            var value = line[(colon + 1)...]
            while let first = value.first, first == ASCII.space || first == ASCII.tab { value = value.dropFirst() }
            while let last = value.last, last == ASCII.space || last == ASCII.tab { value = value.dropLast() }
            guard value.allSatisfy(ASCII.isFieldValueByte) else {
                return .failure(.malformed("control character in header field value"))
            }
            headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        }

        let hosts = headers.values(for: "Host")
        if hosts.count > 1 || (version == "HTTP/1.1" && hosts.isEmpty) {
            return .failure(.malformed("HTTP/1.1 needs exactly one Host header field"))
        }
        switch Self.announcedBody(headers) {
        case .success(true): return .failure(.bodyNotAccepted)
        case .success(false): break
        case .failure(let rejection): return .failure(rejection)
        }
        let options = headers.values(for: "Connection").flatMap { value in
            value.split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() }
        }
        let keepAlive =
            version == "HTTP/1.1"
            ? !options.contains("close")
            : options.contains("keep-alive") && !options.contains("close")
        let request = HTTPRequest(method: method, path: path, query: query, headers: headers, version: version)
        return .success(ParsedRequest(request: request, keepAlive: keepAlive))
    }

    /// Path and query of an origin-form, absolute-form or `OPTIONS *` target.
    private static func splitTarget(
        _ rawTarget: ArraySlice<UInt8>, method: String
    ) -> Result<(String, [String: String]), RequestRejection> {
        let target = rawTarget.prefix { $0 != UInt8(ascii: "#") }
        var pathAndQuery: ArraySlice<UInt8>
        if target.first == ASCII.slash {
            pathAndQuery = target
        } else if target.elementsEqual("*".utf8) && method == "OPTIONS" {
            return .success(("*", [:]))
        } else if let schemeEnd = Self.absoluteFormAuthorityStart(target) {
            let rest = target[schemeEnd...]
            let authorityEnd = rest.firstIndex { $0 == ASCII.slash || $0 == ASCII.questionMark } ?? rest.endIndex
            guard authorityEnd > rest.startIndex else { return .failure(.malformed("absolute-form target without host")) }
            pathAndQuery = rest[authorityEnd...]
            if pathAndQuery.first != ASCII.slash { pathAndQuery = ArraySlice([ASCII.slash]) + pathAndQuery }
        } else {
            return .failure(.malformed("unsupported request target form"))
        }
        guard let questionMark = pathAndQuery.firstIndex(of: ASCII.questionMark) else {
            return .success((String(decoding: pathAndQuery, as: UTF8.self), [:]))
        }
        let path = String(decoding: pathAndQuery[pathAndQuery.startIndex..<questionMark], as: UTF8.self)
        return .success((path, QueryString.parse(pathAndQuery[(questionMark + 1)...])))
    }

    /// The index after `http://` or `https://` (any case), or nil when the target has no scheme.
    private static func absoluteFormAuthorityStart(_ target: ArraySlice<UInt8>) -> Int? {
        for scheme in ["http://", "https://"] where target.count > scheme.utf8.count {
            let end = target.startIndex + scheme.utf8.count
            if ASCII.equalsIgnoringCase(target[target.startIndex..<end], scheme) { return end }
        }
        return nil
    }

    /// Whether the head announces a body: Transfer-Encoding, or a valid non-zero Content-Length.
    private static func announcedBody(_ headers: HTTPHeaders) -> Result<Bool, RequestRejection> {
        if headers.contains("Transfer-Encoding") { return .success(true) }
        var length: Substring?
        for value in headers.values(for: "Content-Length") {
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = item.trimmingASCIISpaces()
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
                else { return .failure(.malformed("invalid Content-Length")) }
                let significant = digits.drop { $0 == "0" }
                if let length, length != significant { return .failure(.malformed("conflicting Content-Length")) }
                length = significant
            }
        }
        return .success(!(length?.isEmpty ?? true))
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> Substring {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
