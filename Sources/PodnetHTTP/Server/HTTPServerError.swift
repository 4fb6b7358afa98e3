#if canImport(Glibc)
    import Glibc
#endif

/// Why an `HTTPServer` could not start.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configured host is not an IPv4 or IPv6 literal.
    case invalidHost(String)
    /// A configuration value is out of range; the text says which.
    case invalidConfiguration(String)
    /// `start()` was called while the server was already running.
    case alreadyRunning
    /// A system call failed; `call` names it, `address` is what it was for, `errno` the code.
    case systemCall(call: String, address: String, errno: Int32)

    /// The `strerror` text of the failed call's errno, or nil for errors without one.
    public var errnoDescription: String? {
        guard case .systemCall(_, _, let code) = self else { return nil }
        return String(cString: strerror(code))
    }

    /// A one-line explanation, e.g. `bind 127.0.0.1:9647: Address already in use (errno 98)`.
    public var description: String {
        switch self {
        case .invalidHost(let host):
            return "invalid listen host \"\(host)\": expected an IPv4 or IPv6 literal"
        case .invalidConfiguration(let problem):
            return "invalid HTTP server configuration: \(problem)"
        case .alreadyRunning:
            return "HTTP server is already running"
        case .systemCall(let call, let address, let code):
            return "\(call) \(address): \(errnoDescription ?? "") (errno \(code))"
        }
    }
}
