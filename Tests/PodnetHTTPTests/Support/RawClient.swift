import Glibc
import PodnetHTTP

/// Why a raw client call failed.
enum RawClientError: Error, CustomStringConvertible {
    case connect(host: String, port: UInt16, errno: Int32)
    case send(errno: Int32)
    case receive(errno: Int32)
    case timedOut(String)
    case closedEarly(received: Int)
    case malformedResponse(String)

    var description: String {
        switch self {
        case .connect(let host, let port, let code):
            "connect \(host):\(port): \(String(cString: strerror(code))) (errno \(code))"
        case .send(let code): "send: \(String(cString: strerror(code)))"
        case .receive(let code): "recv: \(String(cString: strerror(code)))"
        case .timedOut(let what): "timed out waiting for \(what)"
        case .closedEarly(let count): "connection closed after \(count) buffered bytes"
        case .malformedResponse(let why): "malformed response: \(why)"
        }
    }
}

/// A response as read off the wire by `RawClient`.
struct RawResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A TCP client speaking raw bytes to a test server; loopback addresses only.
final class RawClient {
    /// The client's socket.
    let descriptor: Int32
    private var buffer: [UInt8] = []
    private var ended = false
    /// Whether the connection ended with a reset (ECONNRESET) rather than an orderly FIN.
    private(set) var endedWithReset = false

    /// Connects (blocking) to `host`, which must be `127.0.0.1` or `::1`.
    init(host: String = "127.0.0.1", port: UInt16) throws {
        precondition(host == "127.0.0.1" || host == "::1", "tests talk to loopback only")
        let family = host == "::1" ? AF_INET6 : AF_INET
        // `descriptor` is set only after connect succeeds: a throwing init that had set it would
        // still run deinit and close the number twice, possibly closing a parallel test's socket.
        let candidate = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard candidate >= 0 else { throw RawClientError.connect(host: host, port: port, errno: errno) }
        let result: Int32
        if family == AF_INET {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(candidate, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, "::1", &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(candidate, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        guard result == 0 else {
            let code = errno
            close(candidate)
            throw RawClientError.connect(host: host, port: port, errno: code)
        }
        descriptor = candidate
    }

    deinit {
        close(descriptor)
    }

    /// Sends all of `text`.
    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends all of `bytes` (blocking), never raising SIGPIPE.
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw RawClientError.send(errno: errno)
            }
            sent += count
        }
    }

    /// Makes close() send a reset instead of a FIN (SO_LINGER 0).
    func resetOnClose() {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    /// Reads one response; `head` marks a HEAD request, whose response has no body.
    func readResponse(head: Bool = false, timeout: Duration = .seconds(5)) throws -> RawResponse {
        let deadline = ContinuousClock.now + timeout
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: buffer).map { $0 + 4 }
            if headEnd == nil { try fill(until: deadline, waitingFor: "response head") }
        }
        let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = headText.split(separator: "\r\n")
        guard !lines.isEmpty else { throw RawClientError.malformedResponse("empty head") }
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw RawClientError.malformedResponse("status line \(statusLine)")
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw RawClientError.malformedResponse("field \(line)") }
            headers.add(
                name: String(line[..<colon]),
                value: String(line[line.index(after: colon)...]).trimmingCharacters(in: " ")
            )
        }
        let length = head ? 0 : Int(headers["Content-Length"] ?? "0") ?? 0
        while buffer.count < headEnd! + length {
            try fill(until: deadline, waitingFor: "\(length)-byte body")
        }
        let body = Array(buffer[headEnd!..<(headEnd! + length)])
        buffer.removeFirst(headEnd! + length)
        return RawResponse(status: status, headers: headers, body: body)
    }

    /// Waits for the server to close; returns the bytes received before the close, or nil if still open.
    func readUntilClosed(timeout: Duration) -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        while !ended {
            do {
                try fill(until: deadline, waitingFor: "close")
            } catch RawClientError.timedOut {
                return nil
            } catch RawClientError.closedEarly {
                break
            } catch {
                break
            }
        }
        defer { buffer = [] }
        return buffer
    }

    /// Whether the server has sent nothing and kept the connection open for `duration`.
    func staysSilent(for duration: Duration) -> Bool {
        readUntilClosed(timeout: duration) == nil && buffer.isEmpty
    }

    /// Reads once more into the buffer, waiting at most until `deadline`.
    private func fill(until deadline: ContinuousClock.Instant, waitingFor what: String) throws {
        if ended { throw RawClientError.closedEarly(received: buffer.count) }
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw RawClientError.timedOut(what) }
            let milliseconds = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk[0..<count]
                return
            }
            if count < 0 && errno == EINTR { continue }
            // End of file, or a reset after the server closed: either way the connection is over.
            if count < 0 && errno == ECONNRESET { endedWithReset = true }
            ended = true
            throw RawClientError.closedEarly(received: buffer.count)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

extension String {
    /// The string without leading and trailing occurrences of `character`.
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
