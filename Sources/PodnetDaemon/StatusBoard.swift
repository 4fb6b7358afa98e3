import Dispatch
import Synchronization

/// Where the watch loop publishes results and the HTTP server reads them.
///
/// The loop swaps in a new immutable `PublishedStatus`; readers copy it under a short lock and
/// never wait for an analysis. Its JSON is encoded right after publication on a thread of the
/// board's own, so the HTTP loop (one thread for every client, /healthz included) answers from
/// finished bytes instead of spending ~100 ms on the first /status after a 5,000-finding analysis.
/// While /explain is in use, the routing index of each new snapshot is built there too (~21 ms at
/// 100k routes), so an /explain does not stall every other client while it is built.
public final class StatusBoard: Sendable {
    private struct State {
        var status: PublishedStatus?
        /// When the watch loop promised to beat again (it sleeps until its next deadline).
        var nextBeatDue: ContinuousClock.Instant
        /// Since when the loop has been working on a turn; nil while it waits. A turn that blocks
        /// (a stuck system call) never reaches its next wait, so this is what shows a stall.
        var turnStartedAt: ContinuousClock.Instant?
        var loopProblem: String?
        var freshnessLimit: Duration
        /// Counts publications: an encoding whose status was superseded before it began is skipped.
        var generation: UInt64 = 0
        /// Why nothing is published yet although the loop runs: the first analysis waits for the cluster.
        var hold: FirstAnalysisHold?
        /// When /explain was last asked: while recent, new snapshots are indexed for it in the background.
        var lastExplain: ContinuousClock.Instant?
    }

    /// How long after an /explain each new snapshot is still indexed in the background. Not always:
    /// the index costs ~21 ms of CPU per analysis and ~10 MB at 100k routes, for an endpoint most
    /// nodes never see; the first /explain after a quiet spell builds it on the HTTP thread.
    public static let explainInUse: Duration = .seconds(600)

    /// The first analysis is waiting for the cluster's first view: what it waits for, since when,
    /// and for how long at most.
    public struct FirstAnalysisHold: Sendable, Equatable {
        /// What is missing, e.g. `waiting for the first list` or `the first list failed: …`.
        public var waitingFor: String
        public var since: ContinuousClock.Instant
        public var bound: Duration

        public init(waitingFor: String, since: ContinuousClock.Instant, bound: Duration) {
            self.waitingFor = waitingFor
            self.since = since
            self.bound = bound
        }
    }

    private let state: Mutex<State>
    /// Slack on top of the loop's own promise before it counts as stuck.
    public let heartbeatSlack: Duration
    /// Encodes published statuses' JSON, one at a time, newest only.
    private let encoder = DispatchQueue(label: "podnetd.status-json")

    /// The last analysis is stale when older than twice the resync interval plus slack: a resync
    /// analyses at least that often.
    public static func freshnessLimit(resyncInterval: Duration) -> Duration { resyncInterval * 2 + .seconds(10) }

    public init(heartbeatSlack: Duration = .seconds(10), freshnessLimit: Duration) {
        self.heartbeatSlack = heartbeatSlack
        state = Mutex(
            State(status: nil, nextBeatDue: .now + heartbeatSlack, loopProblem: nil, freshnessLimit: freshnessLimit))
    }

    /// After a reload changed the resync interval.
    public func setFreshnessLimit(_ limit: Duration) {
        state.withLock { $0.freshnessLimit = limit }
    }

    /// Makes `status` the latest and starts encoding its JSON off the caller's and the readers'
    /// threads. A reader that comes before the encoding ends waits for the rest of it (never a second
    /// encoding); under churn only the newest status is encoded.
    public func publish(_ status: PublishedStatus) {
        let generation = state.withLock {
            $0.status = status
            $0.generation &+= 1
            return $0.generation
        }
        encoder.async { [self] in
            guard state.withLock({ $0.generation }) == generation else { return }
            _ = status.json
            let wanted = state.withLock { state in
                state.generation == generation && state.lastExplain.map { ContinuousClock.now - $0 < Self.explainInUse } == true
            }
            if wanted, let explain = status.explain { _ = explain.indexed() }
        }
    }

    /// /explain was asked: keep indexing new snapshots for it off the HTTP thread for a while.
    public func explainRequested(at now: ContinuousClock.Instant = .now) {
        state.withLock { $0.lastExplain = now }
    }

    /// Called by the watch loop before it waits, with when it will turn again at the latest.
    public func beat(nextBeatBy: ContinuousClock.Instant = .now, problem: String? = nil) {
        state.withLock {
            $0.nextBeatDue = nextBeatBy
            $0.turnStartedAt = nil
            $0.loopProblem = problem
        }
    }

    /// Called by the watch loop when it wakes and starts working: it must wait again (`beat`)
    /// within `heartbeatSlack`, or it counts as stalled.
    public func turnStarted(at now: ContinuousClock.Instant = .now) {
        state.withLock { $0.turnStartedAt = now }
    }

    /// Says (or, with nil, stops saying) that the first analysis waits for the cluster's view.
    public func setFirstAnalysisHold(_ hold: FirstAnalysisHold?) {
        state.withLock { $0.hold = hold }
    }

    /// Why there is nothing to serve yet, for the 503 of /readyz, /status and /explain.
    public func notReadyReason(now: ContinuousClock.Instant = .now) -> String {
        guard let hold = state.withLock({ $0.hold }) else { return "first analysis pending" }
        return "the first analysis is waiting for the cluster's view (\(hold.waitingFor)) for \(format(now - hold.since)) "
            + "(at most \(format(hold.bound)), then it proceeds without it)"
    }

    public var latest: PublishedStatus? { state.withLock { $0.status } }

    /// Whether the first analysis has been published.
    public var isReady: Bool { latest != nil }

    /// nil when healthy, else why not.
    public func healthProblem(now: ContinuousClock.Instant = .now) -> String? {
        let snapshot = state.withLock {
            ($0.status?.analyzedAt, $0.nextBeatDue, $0.loopProblem, $0.freshnessLimit, $0.turnStartedAt, $0.hold != nil)
        }
        if let problem = snapshot.2 { return problem }
        if let turnStartedAt = snapshot.4, now > turnStartedAt + heartbeatSlack {
            return "watch loop is stalled: one turn has taken \(format(now - turnStartedAt))"
        }
        if now > snapshot.1 + heartbeatSlack {
            return "watch loop is \(format(now - snapshot.1)) late"
        }
        // Waiting (boundedly) for the cluster's view is not a fault: the loop turns and follows netlink.
        guard let analyzedAt = snapshot.0 else { return snapshot.5 ? nil : "no analysis yet" }
        if now - analyzedAt > snapshot.3 {
            return "last analysis is \(format(now - analyzedAt)) old"
        }
        return nil
    }

    private func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return "\((seconds * 10).rounded() / 10)s"
    }
}
