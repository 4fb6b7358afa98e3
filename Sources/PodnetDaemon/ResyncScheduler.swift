/// When the watch loop re-reads the whole network state, and why (the `reason` label of
/// `podnetd_resyncs_total`).
///
/// Most re-reads are due at once (startup, reload, a reopened socket, a change netlink cannot describe)
/// or periodic. After an overrun (events lost because the receive buffer was full) the re-read waits
/// until the event stream has been quiet for `quietAfterOverrun`: the burst that overran the buffer is
/// usually still going, and a dump taken in the middle of it is stale at once, overruns the buffer
/// again and asks for the next dump — without the wait a burst of 20,000 route changes cost about
/// four resyncs, with it one. The wait is bounded by `longestOverrunWait`, so a stream that never goes
/// quiet still gets re-read. While it waits the live snapshot is known to be stale: the loop must not
/// analyse it (no finding can be trusted, a missing route may only be a lost event).
///
/// A re-read whose dumps kept changing (`NetlinkError.isInconsistentState`: the state is uncertain)
/// is retried soon; only a streak of them counts as a read problem.
struct ResyncScheduler {
    /// Quiet needed on the event stream after an overrun before the state is re-read.
    static let quietAfterOverrun: Duration = .milliseconds(250)
    /// Longest wait for that quiet, from the first overrun of a burst.
    static let longestOverrunWait: Duration = .seconds(5)
    /// Retry delay after a re-read that found the state changing under every dump.
    static let retryAfterUncertain: Duration = .milliseconds(500)
    /// Retry delay after a re-read that failed.
    static let retryAfterFailure: Duration = .seconds(1)
    /// Uncertain re-reads in a row after which the loop reports a read problem (/healthz 503).
    static let uncertainStreakReported = 4

    /// When the next re-read is due.
    private(set) var due: ContinuousClock.Instant
    /// Why: "startup", "periodic", "overrun", "implicit-change", "socket-error", "reload".
    private(set) var reason: String
    /// When the current wait for quiet after an overrun began; nil when not waiting.
    private var overrunAt: ContinuousClock.Instant?
    /// Uncertain re-reads in a row.
    private(set) var uncertainStreak = 0

    init(now: ContinuousClock.Instant) {
        due = now
        reason = "startup"
    }

    /// True while events were lost and the re-read waits for quiet: the live snapshot is stale.
    var isWaitingOutOverrun: Bool { overrunAt != nil }

    func isDue(at now: ContinuousClock.Instant) -> Bool { now >= due }

    /// A re-read now, for `reason` (nil keeps the pending one). A change netlink cannot describe
    /// adds nothing while an overrun wait is on: that re-read covers it.
    mutating func request(_ reason: String?, at now: ContinuousClock.Instant) {
        if reason == "implicit-change" && isWaitingOutOverrun { return }
        if let reason { self.reason = reason }
        if reason != nil { overrunAt = nil }
        due = min(due, now)
    }

    /// Retry a re-read that could not even start (no event socket) at `instant`, for the same reason.
    mutating func retry(at instant: ContinuousClock.Instant) { due = instant }

    /// Events were lost: re-read once the stream is quiet (or the wait is at its longest).
    mutating func overrun(at now: ContinuousClock.Instant) {
        let since = overrunAt ?? now
        overrunAt = since
        reason = "overrun"
        due = min(now + ResyncScheduler.quietAfterOverrun, since + ResyncScheduler.longestOverrunWait)
    }

    /// Events arrived: while waiting out an overrun, the quiet period starts again.
    mutating func eventsArrived(at now: ContinuousClock.Instant) {
        guard let since = overrunAt else { return }
        due = min(now + ResyncScheduler.quietAfterOverrun, since + ResyncScheduler.longestOverrunWait)
    }

    /// The re-read succeeded: the next one is periodic, `interval` from now.
    mutating func resynced(at now: ContinuousClock.Instant, interval: Duration) {
        overrunAt = nil
        uncertainStreak = 0
        reason = "periodic"
        due = now + interval
    }

    /// The re-read failed; `uncertain` when its dumps kept changing rather than failing. Retried soon,
    /// for the same reason.
    mutating func failed(at now: ContinuousClock.Instant, uncertain: Bool) {
        // Still waiting out an overrun: the wait starts over, so that quiet (not the exhausted
        // longest wait) decides the retry.
        if overrunAt != nil { overrunAt = now }
        if uncertain {
            uncertainStreak += 1
            due = now + ResyncScheduler.retryAfterUncertain
        } else {
            uncertainStreak = 0
            due = now + ResyncScheduler.retryAfterFailure
        }
    }
}
