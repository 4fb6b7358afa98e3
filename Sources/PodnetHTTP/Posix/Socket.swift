import Glibc

/// What a non-blocking read or write did.
enum IOOutcome: Equatable {
    /// Moved this many bytes (more than zero).
    case transferred(Int)
    /// The peer closed its sending side (reads only).
    case endOfFile
    /// Nothing can move now; wait for poll.
    case wouldBlock
    /// The connection is broken (reset, timed out, ...); errno attached.
    case failed(Int32)
}

/// What one `accept` on the non-blocking listener did.
enum AcceptOutcome: Equatable {
    /// A new non-blocking, close-on-exec connection and its peer's numeric address ("" if unknown).
    case accepted(Int32, peer: String)
    /// No pending connection.
    case wouldBlock
    /// Out of descriptors or memory: stop accepting for a moment instead of spinning.
    case exhausted(Int32)
    /// A connection died before it was accepted, or a signal interrupted; try the next one.
    case skipped
}

/// The few socket system calls the server makes, with EINTR retried and SIGPIPE suppressed.
enum Socket {
    private typealias Accept4 =
        @Sendable @convention(c) (
            Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32
        ) -> Int32

    /// glibc's `accept4`, which the Glibc module does not export (it needs `_GNU_SOURCE`).
    private static let accept4: Accept4? = {
        guard let symbol = dlsym(nil, "accept4") else { return nil }
        return unsafeBitCast(symbol, to: Accept4.self)
    }()

    private static let streamFlags =
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)

    /// Creates a non-blocking listening socket bound to `address`; returns it with the bound address.
    static func listen(
        on address: SocketAddress, named name: String, backlog: Int32
    ) -> Result<(descriptor: Int32, bound: SocketAddressDescription), HTTPServerError> {
        let descriptor = socket(address.family, streamFlags, 0)
        guard descriptor >= 0 else {
            return .failure(.systemCall(call: "socket", address: name, errno: errno))
        }
        func fail(_ call: String) -> Result<(descriptor: Int32, bound: SocketAddressDescription), HTTPServerError> {
            let code = errno
            close(descriptor)
            return .failure(.systemCall(call: call, address: name, errno: code))
        }
        guard setOption(descriptor, SOL_SOCKET, SO_REUSEADDR, 1) else { return fail("setsockopt(SO_REUSEADDR)") }
        if address.family == AF_INET6 {
            let v6Only: Int32 = address.isIPv6Unspecified ? 0 : 1
            guard setOption(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, v6Only) else {
                return fail("setsockopt(IPV6_V6ONLY)")
            }
        }
        let bound = address.withSockAddr { Glibc.bind(descriptor, $0, $1) }
        guard bound == 0 else { return fail("bind") }
        guard Glibc.listen(descriptor, backlog) == 0 else { return fail("listen") }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return fail("getsockname") }
        guard let description = SocketAddress.describe(storage) else {
            close(descriptor)
            return .failure(.systemCall(call: "getsockname", address: name, errno: EAFNOSUPPORT))
        }
        return .success((descriptor, description))
    }

    /// Accepts one pending connection as non-blocking and close-on-exec, with Nagle off.
    static func accept(_ listener: Int32) -> AcceptOutcome {
        let descriptor: Int32
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        descriptor = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                if let accept4 {
                    return accept4(listener, address, &length, Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
                }
                return Glibc.accept(listener, address, &length)
            }
        }
        if accept4 == nil, descriptor >= 0 {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        guard descriptor >= 0 else {
            switch errno {
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .exhausted(errno)
            case EINTR, ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET,
                EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
                return .skipped
            default: return .exhausted(errno)
            }
        }
        _ = setOption(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return .accepted(descriptor, peer: SocketAddress.describe(storage)?.host ?? "")
    }

    /// Reads what is available into `buffer`.
    static func receive(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOOutcome {
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .transferred(count) }
            if count == 0 { return .endOfFile }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(errno)
            }
        }
    }

    /// Writes as much of `bytes` as the socket takes now, never raising SIGPIPE.
    static func send(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> IOOutcome {
        guard !bytes.isEmpty else { return .transferred(0) }
        while true {
            let count = Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            if count >= 0 { return .transferred(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(errno)
            }
        }
    }

    /// Sends a FIN after the last response byte; the descriptor stays open for reading.
    static func shutdownWrite(_ descriptor: Int32) {
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Closes a descriptor once (Linux releases it even when close reports EINTR).
    static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// A connected, non-blocking, close-on-exec Unix socket pair, used to wake the loop.
    static func pair() -> Result<(Int32, Int32), SystemCallError> {
        var descriptors: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, streamFlags, 0, &descriptors) == 0 else {
            return .failure(SystemCallError(call: "socketpair", errno: errno))
        }
        return .success((descriptors[0], descriptors[1]))
    }

    private static func setOption(_ descriptor: Int32, _ level: Int32, _ option: Int32, _ value: Int32) -> Bool {
        var value = value
        return setsockopt(descriptor, level, option, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }
}
