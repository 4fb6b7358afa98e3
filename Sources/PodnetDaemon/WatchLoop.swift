import Foundation
import Logging
import PodnetAnalysis
import PodnetConfig
import PodnetModel
import PodnetNetlink

/// What the daemon needs from its configuration, loaded (and reloaded on SIGHUP) as one value.
public struct LoadedConfiguration: Sendable {
    /// The parsed file, kept to resolve expectations again without re-reading it.
    public var config: PodnetConfig
    public var expectations: Expectations
    public var settings: DaemonSettings

    public init(config: PodnetConfig, expectations: Expectations, settings: DaemonSettings) {
        self.config = config
        self.expectations = expectations
        self.settings = settings
    }
}

/// The daemon's heart: keeps a live snapshot from netlink events, re-analyses shortly after each
/// change, and publishes immutable results for the HTTP server.
///
/// Runs on one thread; its memory between turns is a `WatchLoopState`, whose transitions decide
/// what is due. Nothing on this thread reads files: configurations arrive through `control`, read
/// by a `ConfigurationWorker`, so a blocking file cannot keep the loop from following netlink.
public struct WatchLoop: Sendable {
    public let board: StatusBoard
    public let metrics: DaemonMetrics
    public let control: LoopControl
    public let notifier: SystemdNotifier
    public let logger: Logger
    public let version: String
    /// Re-resolves expectations (kubelet config, DMI) after periodic resyncs, off the loop.
    public let worker: ConfigurationWorker
    /// Called after each reload with the new settings (the bearer token may change).
    public let onReload: @Sendable (DaemonSettings) -> Void
    /// Test hook: how long the loop blocks when it applies a reload, to stand for a stalled loop
    /// (`PODNETD_TEST_STALL_LOOP_ON_RELOAD_MS`); nil in production.
    public let stallOnReload: Duration?
    /// Where reload outcomes are logged, rate-limited (the daemon shares it with the signal thread).
    public var reloadLog: ReloadLog
    /// The node's name as resolved at start, shown in /status (`daemon.node`, `daemon.nodeSource`).
    public var node: NodeIdentity?
    /// The cluster's view for each analysis, from memory (never waits for the API); nil: none.
    public var clusterInput: @Sendable () -> ClusterInput? = { nil }
    /// What the cluster's first view still waits for (`ClusterFeed.pendingFirstView`); nil once complete.
    public var pendingClusterView: @Sendable () -> String? = { nil }
    /// Why the cluster's first view cannot come without a change (`ClusterFeed.firstViewRefusal`):
    /// the first analysis then waits no longer.
    public var clusterViewRefusal: @Sendable () -> String? = { nil }
    /// How long the first analysis waits for the cluster's first view (`kubernetes.firstListWaitSeconds`):
    /// an analysis without it would publish node-local results that flip once it arrives.
    public var firstViewWait: Duration = .zero

    /// How long the loop must have nothing due before it returns freed memory.
    static let quietBeforeTrim: Duration = .milliseconds(500)

    public init(
        board: StatusBoard, metrics: DaemonMetrics, control: LoopControl, notifier: SystemdNotifier, logger: Logger,
        version: String, worker: ConfigurationWorker, stallOnReload: Duration? = nil,
        onReload: @escaping @Sendable (DaemonSettings) -> Void
    ) {
        self.board = board
        self.metrics = metrics
        self.control = control
        self.notifier = notifier
        self.logger = logger
        self.version = version
        self.worker = worker
        self.stallOnReload = stallOnReload
        self.onReload = onReload
        self.reloadLog = ReloadLog(logger: logger)
    }

    /// Runs until `control.requestStop()`. `initial` is the configuration the daemon started with.
    public func run(initial: LoadedConfiguration) {
        var configuration = initial
        var state = WatchLoopState(startedAt: Date(), now: .now)
        var stream: NetlinkEventStream?
        var updater = SnapshotUpdater(NodeSnapshot())
        let holdStarted = ContinuousClock.now
        if firstViewWait > .zero, pendingClusterView() != nil {
            state.holdFirstAnalysis(until: holdStarted + firstViewWait)
            notifier.status("waiting for the cluster's first view")
            updateFirstAnalysisHold(&state, started: holdStarted)
        }

        while !control.shouldStop {
            let now = ContinuousClock.now
            board.turnStarted(at: now)

            for outcome in control.takeOutcomes() {
                apply(outcome, to: &configuration, state: &state, now: now)
            }

            if stream == nil {
                do {
                    stream = try NetlinkEventStream()
                    control.attach(stream)
                    state.streamOpened(now: now)
                } catch {
                    let problem = "cannot open the netlink event socket: \(error)"
                    if state.readFailed(problem, retryAt: now) { logger.error("\(problem); retrying every second") }
                    board.beat(nextBeatBy: now + .seconds(1), problem: problem)
                    sleep(for: .seconds(1))
                    continue
                }
            }

            if state.isResyncDue(now: now) {
                // Subscribe first, then dump: events racing the dump are applied on top of it.
                do {
                    var dumps = DumpStatistics()
                    let fresh = try NetlinkSnapshotReader().snapshot(statistics: &dumps)
                    let dumped = ContinuousClock.now
                    updater = SnapshotUpdater(fresh)
                    let resync = state.resyncSucceeded(
                        now: now, wallNow: Date(), interval: configuration.settings.resyncInterval)
                    logger.debug(
                        "state re-read (\(resync.reason)): dumps \(Int((dumped - now).milliseconds)) ms (\(dumps.dumps), \(dumps.redone) redone), index \(Int((ContinuousClock.now - dumped).milliseconds)) ms")
                    metrics.countResync(reason: resync.reason)
                    if resync.reason == "periodic" {
                        // kubelet's maxPods or the instance type may have changed on disk; the
                        // config file itself changes only on SIGHUP. Read off the loop.
                        worker.submit(.refresh(configuration.config))
                    }
                    if resync.recovered { logger.notice("the network state is readable again") }
                } catch {
                    if error.isInconsistentState { metrics.countUncertainSnapshot() }
                    switch state.resyncFailed(
                        "cannot read the network state: \(error)", uncertain: error.isInconsistentState, now: .now)
                    {
                    case .uncertain(let first):
                        // Uncertain, not unreadable: nothing is analysed from it (no finding from a torn
                        // view), the last analysis stays published, and the read is retried soon.
                        if first { logger.notice("the network state changed during the dump: re-reading it soon") }
                    case .unreadable(let isNew):
                        if isNew { logger.error("cannot read the network state: \(error); retrying") }
                    }
                }
            }

            if state.firstAnalysisHeldUntil != nil { updateFirstAnalysisHold(&state, started: holdStarted) }
            // A snapshot that needs a resync is stale: it is not analysed until the resync.
            let wait = state.nextWait(
                now: now, watchdogInterval: notifier.watchdogInterval, quietBeforeTrim: Self.quietBeforeTrim,
                stale: updater.needsResync)
            board.beat(nextBeatBy: wait.wakeAt, problem: state.readProblem)
            do {
                let timeout = max(.zero, wait.timeout - (.now - now))
                let events: [NetlinkEvent]
                if state.isWaitingOutOverrun, let stream {
                    // Events were lost and a fresh dump follows the burst: what arrives meanwhile is
                    // read unparsed, only to know when the stream goes quiet.
                    if try stream.discard(timeout: timeout) > 0 { state.eventsDiscarded(now: .now) }
                    events = []
                } else {
                    events = try stream?.next(timeout: timeout) ?? []
                }
                board.turnStarted()
                if wait.trimIfQuiet, events.isEmpty, ContinuousClock.now - now >= Self.quietBeforeTrim {
                    MemoryTrim.returnFreedMemory()
                    state.trimmed()
                }
                let neededResync = updater.needsResync
                if state.haveSnapshot && !events.isEmpty {
                    updater.apply(events)
                    metrics.countNetlinkEvents(events.count)
                }
                let outcome = state.eventsApplied(
                    count: events.count, needsResync: state.haveSnapshot && updater.needsResync,
                    neededResyncBefore: neededResync, overrun: events.contains(.overrun), now: .now,
                    debounce: configuration.settings.debounce)
                switch outcome {
                case .overrun(firstOfBurst: true):
                    logger.warning(
                        "netlink receive buffer overrun: events were lost, re-reading the whole state once the burst is over")
                case .resync:
                    logger.debug("a change netlink cannot describe in full: re-reading the whole state")
                default:
                    break
                }
                if control.takeAnalysisRequest() {
                    state.analysisRequested(now: .now, debounce: configuration.settings.debounce)
                }
            } catch {
                logger.error("netlink event socket failed, reopening it and re-reading the state: \(error)")
                stream = nil
                state.streamFailed(now: .now)
                continue
            }

            if state.firstAnalysisHeldUntil != nil { updateFirstAnalysisHold(&state, started: holdStarted) }
            if state.isAnalysisDue(now: .now, stale: updater.needsResync) {
                let nextDue = analyse(updater.snapshot, configuration: configuration, state: &state)
                if state.analysed(nextDue: nextDue) {
                    notifier.ready(status: "watching")
                    logger.info("first analysis done; serving")
                }
            }

            // Sent only from here: a loop that stops turning stops the pings, and systemd's
            // watchdog restarts the daemon.
            if state.isWatchdogDue(now: .now, interval: notifier.watchdogInterval) {
                notifier.watchdog()
                state.watchdogSent(now: .now)
            }
        }
        worker.stop()
        notifier.stopping()
    }

    /// Ends the first analysis' wait for the cluster's view when the view is complete or the wait
    /// reached its bound (then saying why it proceeds without it); else tells readers what it waits for.
    private func updateFirstAnalysisHold(_ state: inout WatchLoopState, started: ContinuousClock.Instant) {
        guard let until = state.firstAnalysisHeldUntil else { return }
        let now = ContinuousClock.now
        let waited = (now - started).milliseconds / 1000
        if let pending = pendingClusterView() {
            let refusal = clusterViewRefusal()
            guard now >= until || refusal != nil else {
                board.setFirstAnalysisHold(
                    StatusBoard.FirstAnalysisHold(waitingFor: pending, since: started, bound: firstViewWait))
                return
            }
            if let refusal {
                state.firstAnalysisWait = (outcome: "gave up after \(String(format: "%.1f", waited)) s: the API refused the first list: \(refusal)", seconds: waited)
                logger.warning(
                    "the Kubernetes API refused the cluster's first list (\(refusal)): analysing without the view at once; the cluster-derived checks run once it arrives")
            } else {
                let bound = firstViewWait.components.seconds
                state.firstAnalysisWait = (outcome: "gave up after \(bound) s: \(pending)", seconds: waited)
                logger.warning(
                    "no view of the cluster \(bound) s after start (\(pending)): analysing without it (kubernetes.firstListWaitSeconds); the cluster-derived checks run once it arrives")
            }
        } else {
            state.firstAnalysisWait = (outcome: "the cluster's view arrived", seconds: waited)
            logger.info("the cluster's view arrived \(Int(waited * 1000)) ms after start: analysing")
        }
        state.releaseFirstAnalysis()
        board.setFirstAnalysisHold(nil)
    }

    /// Puts a configuration read by the worker into force (or logs why it could not be read).
    private func apply(
        _ outcome: ConfigurationWorker.Outcome, to configuration: inout LoadedConfiguration,
        state: inout WatchLoopState, now: ContinuousClock.Instant
    ) {
        switch outcome {
        case .reloaded(let loaded):
            if let stallOnReload { sleep(for: stallOnReload) }
            configuration = loaded
            onReload(loaded.settings)
            reloadLog.log(.reloaded, "configuration reloaded")
            state.reloadApplied(now: now)
        case .reloadFailed(let reason):
            reloadLog.log(.failed, "configuration reload failed, keeping the last good one: \(reason)")
        case .refreshed(let expectations):
            guard expectations != configuration.expectations else { return }
            configuration.expectations = expectations
            state.expectationsChanged(now: now)
            return
        case .refreshFailed(let reason):
            logger.warning("kubelet config or DMI unreadable, keeping the last expectations: \(reason)")
            return
        }
        // READY=1 (after the worker's RELOADING=1) only once there is something to serve.
        if state.announcedReady { notifier.ready(status: "watching") }
    }

    /// Analyses, remembers findings across runs, logs what appeared and resolved, and publishes.
    /// Returns when to analyse again even without events (a finding's grace period ends).
    private func analyse(_ snapshot: NodeSnapshot, configuration: LoadedConfiguration, state: inout WatchLoopState) -> ContinuousClock.Instant? {
        let started = ContinuousClock.now
        let wallNow = Date()
        let checkedAt = RFC3339.format(secondsSince1970: Int(wallNow.timeIntervalSince1970))
        let cluster = clusterInput()
        let report =
            if let cluster {
                Analyzer.analyze(
                    snapshot: snapshot, expectations: configuration.expectations, cluster: cluster, checkedAt: checkedAt)
            } else {
                Analyzer.analyze(snapshot: snapshot, expectations: configuration.expectations, checkedAt: checkedAt)
            }
        let duration = ContinuousClock.now - started
        let update = state.tracker.observe(report.findings, grace: configuration.settings.grace, now: wallNow)
        for entry in FindingLog.entries(appeared: update.appeared, resolved: update.resolved) {
            logger.log(entry)
        }
        let daemonState = DaemonStateReport(
            version: version, startedAt: RFC3339.format(secondsSince1970: Int(state.startedAt.timeIntervalSince1970)),
            lastResync: state.lastResync.map { RFC3339.format(secondsSince1970: Int($0.at.timeIntervalSince1970)) },
            lastResyncReason: state.lastResync?.reason,
            graceSeconds: Double(configuration.settings.grace.components.seconds), pendingFindings: update.pending,
            analysisMilliseconds: duration.milliseconds, snapshotRoutes: snapshot.routes.count,
            node: node?.name, nodeSource: node?.source.rawValue,
            firstAnalysisWait: state.firstAnalysisWait?.outcome, firstAnalysisWaitSeconds: state.firstAnalysisWait?.seconds)
        let document = StatusDocument(report: report, reported: update.reported, daemon: daemonState)
        board.publish(
            PublishedStatus(
                document: document, analyzedAt: .now,
                explain: ExplainSource(snapshot: snapshot, expectations: configuration.expectations, report: report)))
        metrics.record(MetricsUpdate(report: document.effectiveReport, snapshot: snapshot, duration: duration, at: wallNow))
        // While the API is away the view ages on its own: look again so its age and the bound hold.
        if cluster?.outage != nil {
            let soon = ContinuousClock.now + .seconds(5)
            return min(update.nextDue ?? soon, soon)
        }
        return update.nextDue
    }

    private func sleep(for duration: Duration) {
        Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

extension Duration {
    /// The duration in milliseconds, fractional.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
