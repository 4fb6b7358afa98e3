import Synchronization

/// Where the watch loop publishes results and the HTTP server reads them.
///
/// The loop swaps in a new immutable `PublishedStatus`; readers copy it under a short lock and
/// never wait for an analysis.
public final class StatusBoard: Sendable {
    private struct State {
        var status: PublishedStatus?
        var heartbeat: ContinuousClock.Instant
        var loopProblem: String?
    }

    private let state: Mutex<State>
    /// The watch loop is considered stuck when it has not beaten for this long.
    public let heartbeatTimeout: Duration
    /// The last analysis is stale when older than this (a resync analyses at least every interval).
    public let freshnessLimit: Duration

    public init(heartbeatTimeout: Duration, freshnessLimit: Duration) {
        self.heartbeatTimeout = heartbeatTimeout
        self.freshnessLimit = freshnessLimit
        state = Mutex(State(status: nil, heartbeat: .now, loopProblem: nil))
    }

    public func publish(_ status: PublishedStatus) {
        state.withLock { $0.status = status }
    }

    /// Called by the watch loop on every turn.
    public func beat(problem: String? = nil) {
        state.withLock {
            $0.heartbeat = .now
            $0.loopProblem = problem
        }
    }

    public var latest: PublishedStatus? { state.withLock { $0.status } }

    /// Whether the first analysis has been published.
    public var isReady: Bool { latest != nil }

    /// nil when healthy, else why not.
    public func healthProblem(now: ContinuousClock.Instant = .now) -> String? {
        let snapshot = state.withLock { ($0.status?.analyzedAt, $0.heartbeat, $0.loopProblem) }
        if let problem = snapshot.2 { return problem }
        if now - snapshot.1 > heartbeatTimeout {
            return "watch loop has not run for \(format(now - snapshot.1))"
        }
        guard let analyzedAt = snapshot.0 else { return "no analysis yet" }
        if now - analyzedAt > freshnessLimit {
            return "last analysis is \(format(now - analyzedAt)) old"
        }
        return nil
    }

    private func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return "\((seconds * 10).rounded() / 10)s"
    }
}
