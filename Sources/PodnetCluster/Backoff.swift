/// Exponential backoff with jitter between failed API requests: 1 s doubling up to 30 s, each wait
/// drawn from its upper half so that a fleet of nodes does not retry in step.
struct Backoff: Sendable {
    var initialSeconds: Double = 1
    var maximumSeconds: Double = 30
    private(set) var failures = 0

    /// The wait after one more failure.
    mutating func next() -> Duration {
        failures += 1
        let ceiling = min(maximumSeconds, initialSeconds * Double(1 << min(failures - 1, 16)))
        return .milliseconds(Int64(Double.random(in: (ceiling / 2)...ceiling) * 1000))
    }

    /// After a success.
    mutating func reset() { failures = 0 }
}
