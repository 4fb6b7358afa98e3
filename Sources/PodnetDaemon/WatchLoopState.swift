import Foundation

/// The watch loop's memory between turns and its rules for what to do next, as named transitions.
///
/// Holds no kernel socket, reads no clock and does no I/O: the loop reports what happened (a dump
/// succeeded, events arrived, the socket failed, an analysis ran) with the time it happened, and
/// asks what is due. Unit tests drive it the same way, without a kernel.
struct WatchLoopState {
    typealias Instant = ContinuousClock.Instant

    /// When the next full re-read is due and why (waiting out netlink overruns, retrying uncertain reads).
    private(set) var resyncs: ResyncScheduler
    /// When the next analysis is due; nil while nothing changed.
    private(set) var analysisDue: Instant?
    /// When `WATCHDOG=1` was last sent; nil before the first.
    private(set) var lastWatchdog: Instant?
    /// Whether `READY=1` has been sent (after the first analysis).
    private(set) var announcedReady = false
    /// Why the kernel state cannot be read, kept until a dump succeeds again: /healthz shows it.
    private(set) var readProblem: String?
    /// Events only make sense on top of a dump: until the first one succeeds there is nothing to analyse.
    private(set) var haveSnapshot = false
    /// Whether an analysis or dump left transient memory to return once things are quiet.
    private(set) var trimPending = false
    /// Until this instant the first analysis waits for the cluster's first view (nil: it does not,
    /// or no longer, waits). Events are applied meanwhile; only the analysis waits.
    private(set) var firstAnalysisHeldUntil: Instant?

    /// When the daemon started (wall clock, for `/status`).
    let startedAt: Date
    /// Findings remembered across analyses.
    var tracker = FindingTracker()
    /// How the first analysis' wait for the cluster's view ended and after how many seconds (`/status`).
    var firstAnalysisWait: (outcome: String, seconds: Double)?
    /// The last successful re-read (wall clock) and why it happened.
    private(set) var lastResync: (at: Date, reason: String)?

    init(startedAt: Date, now: Instant) {
        self.startedAt = startedAt
        resyncs = ResyncScheduler(now: now)
    }

    // MARK: - Transitions

    /// A new configuration is in force: re-read everything with it at once.
    mutating func reloadApplied(now: Instant) {
        resyncs.request("reload", at: now)
    }

    /// What the node should look like changed (kubelet's maxPods, the instance type): analyse again
    /// at once, if there is a snapshot to analyse.
    mutating func expectationsChanged(now: Instant) {
        guard haveSnapshot else { return }
        analysisDue = now
    }

    /// A new event socket is open: events from before it existed are lost, so start from a dump.
    mutating func streamOpened(now: Instant) {
        resyncs.request(nil, at: now)
    }

    /// The event socket failed: reopen it and re-read everything.
    mutating func streamFailed(now: Instant) {
        resyncs.request("socket-error", at: now)
    }

    /// The kernel state cannot be read (`problem` says why). Returns whether the problem is new,
    /// i.e. worth logging (the same one every second is logged once).
    @discardableResult
    mutating func readFailed(_ problem: String, retryAt: Instant) -> Bool {
        let isNew = problem != readProblem
        readProblem = problem
        resyncs.retry(at: retryAt)
        return isNew
    }

    /// What a failed re-read means for the loop.
    enum ResyncFailure: Equatable {
        /// The dumps kept changing: nothing is concluded, the read is retried soon. `first` of a streak.
        case uncertain(first: Bool)
        /// The state cannot be read (`/healthz` says so); `isNew` when the problem is worth logging.
        case unreadable(isNew: Bool)
    }

    /// A re-read failed with `problem`; `uncertain` when its dumps kept changing rather than failing.
    /// A short streak of uncertain reads is retried quietly; a longer one, or any other failure, is
    /// a read problem.
    mutating func resyncFailed(_ problem: String, uncertain: Bool, now: Instant) -> ResyncFailure {
        resyncs.failed(at: now, uncertain: uncertain)
        if uncertain && resyncs.uncertainStreak < ResyncScheduler.uncertainStreakReported {
            return .uncertain(first: resyncs.uncertainStreak == 1)
        }
        let isNew = problem != readProblem
        readProblem = problem
        return .unreadable(isNew: isNew)
    }

    /// A full dump succeeded. Returns the reason it was taken and whether the state had been
    /// unreadable before (worth a log line saying it is readable again).
    mutating func resyncSucceeded(now: Instant, wallNow: Date, interval: Duration) -> (reason: String, recovered: Bool)
    {
        let reason = resyncs.reason
        let recovered = readProblem != nil
        lastResync = (wallNow, reason)
        analysisDue = now
        haveSnapshot = true
        readProblem = nil
        resyncs.resynced(at: now, interval: interval)
        return (reason, recovered)
    }

    /// What a batch of events asks of the loop.
    enum EventsOutcome: Equatable {
        /// Nothing: no snapshot yet (the coming dump includes them), or no events.
        case none
        /// Events were lost: re-read once the burst is over; `firstOfBurst` is worth a log line.
        case overrun(firstOfBurst: Bool)
        /// Re-read everything at once, for this reason.
        case resync(reason: String)
        /// Analyse after the debounce.
        case analyse
    }

    /// A batch of `count` events (possibly empty, when the wait timed out) was applied to the
    /// snapshot; `needsResync` when the updater cannot follow them (`neededResyncBefore`: it could not
    /// before this batch either), `overrun` when the kernel dropped events.
    mutating func eventsApplied(
        count: Int, needsResync: Bool, neededResyncBefore: Bool = false, overrun: Bool, now: Instant,
        debounce: Duration
    ) -> EventsOutcome {
        guard haveSnapshot else { return .none }
        if count > 0 { resyncs.eventsArrived(at: now) }
        if overrun {
            let first = !resyncs.isWaitingOutOverrun
            resyncs.overrun(at: now)
            return .overrun(firstOfBurst: first)
        }
        if needsResync {
            // A replaced route, a multipath change, a nexthop object, a `default` devconf change:
            // the kernel does not describe all it changed.
            guard !neededResyncBefore else { return .none }
            resyncs.request("implicit-change", at: now)
            return .resync(reason: "implicit-change")
        }
        guard count > 0 else { return .none }
        analysisDue = min(analysisDue ?? now + debounce, now + debounce)
        return .analyse
    }

    /// Something other than netlink changed what the analysis sees (the cluster's view): analyse
    /// after the debounce, if there is a snapshot to analyse.
    mutating func analysisRequested(now: Instant, debounce: Duration) {
        guard haveSnapshot else { return }
        analysisDue = min(analysisDue ?? now + debounce, now + debounce)
    }

    /// Events were read unparsed while waiting out an overrun: the quiet period starts again.
    mutating func eventsDiscarded(now: Instant) { resyncs.eventsArrived(at: now) }

    /// True while events were lost and the re-read waits for the burst to end: the live snapshot is
    /// stale, so events are read unparsed and nothing is analysed.
    var isWaitingOutOverrun: Bool { resyncs.isWaitingOutOverrun }

    /// Whether an analysis is due at `now`. Never of a `stale` snapshot (one that needs a re-read:
    /// a missing route in it may only be a lost event), nor while the first one is held.
    func isAnalysisDue(now: Instant, stale: Bool = false) -> Bool {
        guard let analysisDue, !stale else { return false }
        if let firstAnalysisHeldUntil, now < firstAnalysisHeldUntil { return false }
        return now >= analysisDue
    }

    /// The first analysis waits for the cluster's first view until `until` at the latest (ignored
    /// once the daemon has announced itself ready).
    mutating func holdFirstAnalysis(until: Instant) {
        guard !announcedReady else { return }
        firstAnalysisHeldUntil = until
    }

    /// The first analysis no longer waits (the view arrived, or the wait reached its bound).
    mutating func releaseFirstAnalysis() { firstAnalysisHeldUntil = nil }

    /// Whether a full re-read is due at `now`.
    func isResyncDue(now: Instant) -> Bool { resyncs.isDue(at: now) }

    /// An analysis ran; `nextDue` is when a finding's grace period ends (analyse again then).
    /// Returns true the first time: the moment to send `READY=1`.
    mutating func analysed(nextDue: Instant?) -> Bool {
        analysisDue = nextDue
        trimPending = true
        defer { announcedReady = true }
        return !announcedReady
    }

    /// Freed memory went back to the kernel.
    mutating func trimmed() { trimPending = false }

    /// Whether `WATCHDOG=1` is due at `now` (never without a watchdog).
    func isWatchdogDue(now: Instant, interval: Duration?) -> Bool {
        guard let interval else { return false }
        guard let lastWatchdog else { return true }
        return now - lastWatchdog >= interval
    }

    /// `WATCHDOG=1` was sent at `now`.
    mutating func watchdogSent(now: Instant) { lastWatchdog = now }

    /// How the loop waits for its next turn.
    struct Wait: Equatable {
        /// The nearest deadline: the loop promises to turn again by then.
        var wakeAt: Instant
        /// How long to wait for events: up to `wakeAt`, or shorter to trim memory when quiet.
        var timeout: Duration
        /// Whether, if the wait passes with no events, freed memory should go back to the kernel.
        var trimIfQuiet: Bool
    }

    /// The wait before the next turn: until the nearest deadline (resync, analysis unless the
    /// snapshot is `stale`, watchdog). No
    /// polling: events, a stop or a configuration wake the loop earlier. The snapshot handed to the
    /// analysis (and after a resync the dump and the replaced updater) were transient: their pages
    /// go back to the kernel once things are quiet for `quietBeforeTrim`, since the trim takes ~10 ms
    /// on a 100k-route heap and must not delay an event.
    func nextWait(now: Instant, watchdogInterval: Duration?, quietBeforeTrim: Duration, stale: Bool = false) -> Wait {
        var wakeAt = resyncs.due
        // A held first analysis is due when the hold ends (or earlier, when the view wakes the loop).
        if let analysisDue, !stale { wakeAt = min(wakeAt, max(analysisDue, firstAnalysisHeldUntil ?? analysisDue)) }
        if let watchdogInterval { wakeAt = min(wakeAt, (lastWatchdog ?? now) + watchdogInterval) }
        if watchdogInterval != nil && lastWatchdog == nil { wakeAt = now }
        var timeout = max(.zero, wakeAt - now)
        let trimIfQuiet = trimPending && timeout > quietBeforeTrim
        if trimIfQuiet { timeout = quietBeforeTrim }
        return Wait(wakeAt: wakeAt, timeout: timeout, trimIfQuiet: trimIfQuiet)
    }
}
