#if canImport(Glibc)
    import Glibc
#endif

/// Calls `probe` every `interval` until it returns a value or `timeout` has passed; returns the
/// value (nil on timeout) and how long it took from the first call.
func poll<T>(
    timeout: Duration, interval: Duration = .milliseconds(25), _ probe: () throws -> T?
) rethrows -> (value: T?, elapsed: Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    while true {
        if let value = try probe() { return (value, clock.now - start) }
        if clock.now - start >= timeout { return (nil, clock.now - start) }
        pause(interval)
    }
}

/// Sleeps the calling thread (these tests are synchronous: they drive processes and sockets).
func pause(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

extension Duration {
    /// The duration in seconds, fractional.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
