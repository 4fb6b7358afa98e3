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
/// Runs on one thread; all its mutable state is confined to `run()`.
public struct WatchLoop: Sendable {
    public let board: StatusBoard
    public let metrics: DaemonMetrics
    public let control: LoopControl
    public let notifier: SystemdNotifier
    public let logger: Logger
    public let version: String
    /// Reads the config file (on SIGHUP) and resolves expectations (kubelet config, DMI).
    public let loader: ConfigurationLoader
    /// Called after each reload with the new settings (the bearer token may change).
    public let onReload: @Sendable (DaemonSettings) -> Void
    /// The cluster's view for each analysis, from memory (never waits for the API); nil: none.
    public var clusterInput: @Sendable () -> ClusterInput? = { nil }

    /// How long the loop must have nothing due before it returns freed memory.
    static let quietBeforeTrim: Duration = .milliseconds(500)

    public init(
        board: StatusBoard, metrics: DaemonMetrics, control: LoopControl, notifier: SystemdNotifier, logger: Logger,
        version: String, loader: ConfigurationLoader, onReload: @escaping @Sendable (DaemonSettings) -> Void
    ) {
        self.board = board
        self.metrics = metrics
        self.control = control
        self.notifier = notifier
        self.logger = logger
        self.version = version
        self.loader = loader
        self.onReload = onReload
    }

    /// Runs until `control.requestStop()`. `initial` is the configuration the daemon started with.
    public func run(initial: LoadedConfiguration) {
        var configuration = initial
        var state = LoopState(startedAt: Date())
        var stream: NetlinkEventStream?
        var updater = SnapshotUpdater(NodeSnapshot())
        var nextResync = ContinuousClock.now
        var resyncReason = "startup"
        var analysisDue: ContinuousClock.Instant?
        var lastWatchdog = ContinuousClock.Instant.now - .seconds(3600)
        var announcedReady = false
        // Why the kernel state cannot be read, kept until a dump succeeds again: /healthz shows it.
        var readProblem: String?
        // Events only make sense on top of a dump: until the first one succeeds there is nothing to analyse.
        var haveSnapshot = false
        var trimPending = false

        while !control.shouldStop {
            let now = ContinuousClock.now

            if control.takeReloadRequest() {
                notifier.reloading()
                do {
                    configuration = try loader.load()
                    onReload(configuration.settings)
                    logger.info("configuration reloaded")
                    resyncReason = "reload"
                    nextResync = now
                } catch {
                    logger.error("configuration reload failed, keeping the last good one: \(error)")
                }
                // READY=1 only once there is something to serve.
                if announcedReady { notifier.ready(status: "watching") }
            }

            if stream == nil {
                do {
                    stream = try NetlinkEventStream()
                    control.attach(stream)
                    // Events from before this stream existed are lost: start from a dump.
                    nextResync = min(nextResync, now)
                } catch {
                    let problem = "cannot open the netlink event socket: \(error)"
                    if problem != readProblem { logger.error("\(problem); retrying every second") }
                    readProblem = problem
                    board.beat(problem: problem)
                    sleep(for: .seconds(1))
                    continue
                }
            }

            if now >= nextResync {
                // Subscribe first, then dump: events racing the dump are applied on top of it.
                do {
                    updater = SnapshotUpdater(try NetlinkSnapshotReader().snapshot())
                    metrics.countResync(reason: resyncReason)
                    state.lastResync = (Date(), resyncReason)
                    if resyncReason == "periodic" {
                        // kubelet's maxPods or the instance type may have changed on disk; the
                        // config file itself changes only on SIGHUP.
                        do {
                            configuration.expectations = try loader.resolve(configuration.config).expectations
                        } catch {
                            logger.warning("kubelet config or DMI unreadable, keeping the last expectations: \(error)")
                        }
                    }
                    analysisDue = now
                    haveSnapshot = true
                    if readProblem != nil { logger.notice("the network state is readable again") }
                    readProblem = nil
                    resyncReason = "periodic"
                    nextResync = now + configuration.settings.resyncInterval
                } catch {
                    let problem = "cannot read the network state: \(error)"
                    if problem != readProblem { logger.error("\(problem); retrying every second") }
                    readProblem = problem
                    nextResync = now + .seconds(1)
                }
            }

            // Sleep until the next deadline: no polling. Events, stop and reload wake the stream.
            var deadlines = [nextResync]
            if let analysisDue { deadlines.append(analysisDue) }
            if let interval = notifier.watchdogInterval { deadlines.append(lastWatchdog + interval) }
            let wakeAt = deadlines.min() ?? now
            board.beat(nextBeatBy: wakeAt, problem: readProblem)
            var wait = max(.zero, wakeAt - ContinuousClock.now)
            // The snapshot handed to the analysis (and after a resync the dump and the replaced
            // updater) were transient: their pages go back to the kernel once things are quiet for a
            // moment, since the trim takes ~10 ms on a 100k-route heap and must not delay an event.
            let trimIfQuiet = trimPending && wait > Self.quietBeforeTrim
            if trimIfQuiet { wait = Self.quietBeforeTrim }
            do {
                let events = try stream?.next(timeout: wait) ?? []
                if trimIfQuiet, events.isEmpty, ContinuousClock.now - now >= Self.quietBeforeTrim {
                    MemoryTrim.returnFreedMemory()
                    trimPending = false
                }
                guard haveSnapshot else { continue }  // the dump that comes next includes them
                if !events.isEmpty {
                    updater.apply(events)
                    metrics.countNetlinkEvents(events.count)
                }
                if control.takeAnalysisRequest() {
                    analysisDue = min(analysisDue ?? .now + configuration.settings.debounce, .now + configuration.settings.debounce)
                }
                if updater.needsResync {
                    if events.contains(.overrun) {
                        logger.warning("netlink receive buffer overrun: events were lost, re-reading the whole state")
                        resyncReason = "overrun"
                    } else {
                        // A replaced route, a multipath change, a nexthop object, a `default` devconf
                        // change: the kernel does not describe all it changed.
                        logger.debug("a change netlink cannot describe in full: re-reading the whole state")
                        resyncReason = "implicit-change"
                    }
                    nextResync = .now
                } else if !events.isEmpty {
                    analysisDue = min(analysisDue ?? .now + configuration.settings.debounce, .now + configuration.settings.debounce)
                }
            } catch {
                logger.error("netlink event socket failed, reopening it and re-reading the state: \(error)")
                stream = nil
                resyncReason = "socket-error"
                nextResync = .now
                continue
            }

            if let due = analysisDue, ContinuousClock.now >= due {
                let nextDue = analyse(updater.snapshot, configuration: configuration, state: &state)
                analysisDue = nextDue
                trimPending = true
                if !announcedReady {
                    notifier.ready(status: "watching")
                    announcedReady = true
                    logger.info("first analysis done; serving")
                }
            }

            if let interval = notifier.watchdogInterval, ContinuousClock.now - lastWatchdog >= interval {
                notifier.watchdog()
                lastWatchdog = .now
            }
        }
        notifier.stopping()
    }

    /// Analyses, remembers findings across runs, logs what appeared and resolved, and publishes.
    /// Returns when to analyse again even without events (a finding's grace period ends).
    private func analyse(_ snapshot: NodeSnapshot, configuration: LoadedConfiguration, state: inout LoopState) -> ContinuousClock.Instant? {
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
        for finding in update.appeared {
            logger.log(
                level: finding.severity == .info ? .info : .warning,
                "finding appeared: \(finding.summary)",
                metadata: ["check": "\(finding.check)", "object": "\(finding.object)", "severity": "\(finding.severity)"])
        }
        for finding in update.resolved {
            logger.notice(
                "finding resolved: \(finding.summary)",
                metadata: ["check": "\(finding.check)", "object": "\(finding.object)"])
        }
        let daemonState = DaemonStateReport(
            version: version, startedAt: RFC3339.format(secondsSince1970: Int(state.startedAt.timeIntervalSince1970)),
            lastResync: state.lastResync.map { RFC3339.format(secondsSince1970: Int($0.at.timeIntervalSince1970)) },
            lastResyncReason: state.lastResync?.reason,
            graceSeconds: Double(configuration.settings.grace.components.seconds), pendingFindings: update.pending,
            analysisMilliseconds: duration.milliseconds, snapshotRoutes: snapshot.routes.count)
        let document = StatusDocument(report: report, reported: update.reported, daemon: daemonState)
        board.publish(PublishedStatus(json: document.json(), text: document.text(), analyzedAt: .now))
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

/// The loop's memory between turns.
struct LoopState {
    var startedAt: Date
    var tracker = FindingTracker()
    var lastResync: (at: Date, reason: String)?
}

extension Duration {
    /// The duration in milliseconds, fractional.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
