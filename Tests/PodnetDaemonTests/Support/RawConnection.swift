#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to `127.0.0.1:port`, for sending what no HTTP client would.
///
/// Create it on a thread inside the daemon's namespace (`ServedDaemon.connect()`); once connected,
/// the socket belongs to that namespace and any thread may use it (one at a time).
final class RawConnection: @unchecked Sendable {
    // @unchecked: the descriptor is immutable; the tests use a connection from one thread at a time.
    let descriptor: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `127.0.0.1:port`; from the loopback address `127.0.0.<sourceHost>` when given
    /// (a client that spreads its connections over several source addresses).
    init(port: UInt16, sourceHost: UInt8? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        if let sourceHost {
            var source = sockaddr_in()
            source.sin_family = sa_family_t(AF_INET)
            source.sin_addr.s_addr = (UInt32(0x7f00_0000) | UInt32(sourceHost)).bigEndian
            let bound = withUnsafePointer(to: &source) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                // deinit closes the descriptor: the instance is fully initialized.
                throw Failure(description: "bind 127.0.0.\(sourceHost): \(String(cString: strerror(errno)))")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw Failure(description: "connect 127.0.0.1:\(port): \(reason)")
        }
    }

    deinit { Glibc.close(descriptor) }

    /// Sends all of `text`; false when the peer has closed or reset the connection.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// What one wait for input gave.
    enum Input: Equatable {
        case data([UInt8])
        /// The peer closed (end of file) or reset the connection.
        case closed
        case timedOut
    }

    /// Waits up to `timeout` for input and reads what is there.
    func receive(timeout: Duration) -> Input {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var ready: Int32
        repeat { ready = Glibc.poll(&entry, 1, milliseconds) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return .timedOut }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return .closed }
        return .data(Array(buffer[0..<count]))
    }

    /// Everything received until the peer closes or `timeout` passes, and whether it closed.
    func receiveUntilClosed(timeout: Duration) -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        while true {
            let left = deadline - .now
            guard left > .zero else { return (bytes, false) }
            switch receive(timeout: left) {
            case .data(let chunk): bytes += chunk
            case .closed: return (bytes, true)
            case .timedOut: return (bytes, false)
            }
        }
    }

    /// The status code of the first response in `bytes` (`HTTP/1.1 431 …`), or nil.
    static func status(of bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        guard text.hasPrefix("HTTP/1.") else { return nil }
        let parts = text.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 ? Int(parts[1]) : nil
    }
}
