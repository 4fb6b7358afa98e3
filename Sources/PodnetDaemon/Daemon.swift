import Foundation
import Logging
import PodnetAnalysis
import PodnetConfig
import PodnetCluster
import PodnetHTTP
import Synchronization

/// `podnetd serve`: wires the watch loop, the HTTP servers, signals and systemd together.
public struct Daemon: Sendable {
    public let loader: ConfigurationLoader
    /// Replaces the config's `listen` addresses (the `--listen` flag).
    public let listenOverride: [ListenEndpoint]?
    public let version: String
    /// The git commit of the build, exported with the version in `podnetd_build_info`.
    public let commit: String
    public let logger: Logger

    public init(
        loader: ConfigurationLoader, listenOverride: [ListenEndpoint]?, version: String, commit: String = "unknown",
        logger: Logger
    ) {
        self.loader = loader
        self.listenOverride = listenOverride
        self.version = version
        self.commit = commit
        self.logger = logger
    }

    /// Why the daemon could not start.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs until SIGTERM/SIGINT; throws only when it cannot start (bad config, address in use).
    public func run() throws {
        // Before any thread exists, so that only the signal thread ever receives them.
        SignalWatcher.blockDaemonSignals()
        MemoryTrim.useOneArena(environment: ProcessInfo.processInfo.environment)
        var loader = self.loader
        var initial: LoadedConfiguration
        do {
            initial = try loader.load()
        } catch {
            throw StartError(description: "\(error)")
        }
        let settings = initial.settings
        let logger = {
            var configured = self.logger
            configured.logLevel = settings.logLevel
            return configured
        }()
        let node = ExpectationsResolver(files: loader.files).nodeIdentity(initial.config)
        loader.node = node
        initial.expectations.nodeName = node.name
        logger.info("node name \(node.name) (from \(node.source.rawValue))")
        for reason in node.skipped { logger.warning("node name source skipped: \(reason)") }
        let board = StatusBoard(freshnessLimit: StatusBoard.freshnessLimit(resyncInterval: settings.resyncInterval))
        let metrics = DaemonMetrics(
            catalogue: CheckID.catalogue.map { (check: $0.id.rawValue, severity: $0.defaultSeverity.rawValue) },
            version: version, commit: commit, maxFindingSeries: settings.maxFindingSeries, node: node.name)
        metrics.setResyncInterval(settings.resyncInterval)
        let auth = Mutex(BearerTokenCheck(token: settings.bearerToken))
        let routes = DaemonRoutes(board: board, metrics: metrics, auth: { auth.withLock { $0 } })

        var servers: [HTTPServer] = []
        for endpoint in listenOverride ?? settings.listen {
            let server = HTTPServer(
                configuration: HTTPServerConfiguration(host: endpoint.host, port: endpoint.port),
                handler: { routes.handle($0) },
                onEvent: { event in
                    logger.warning("\(event)", metadata: ["listen": "\(endpoint)", "event": "\(event.kind.rawValue)"])
                })
            do {
                let bound = try server.start()
                logger.info("listening on http://\(bound)/ (/status, /metrics, /healthz, /readyz)")
            } catch {
                servers.forEach { $0.stop() }
                throw StartError(description: "cannot listen on \(endpoint): \(error)")
            }
            servers.append(server)
        }

        let control = LoopControl()
        let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        let worker = ConfigurationWorker(
            loader: loader,
            onStart: { request in
                if case .reload = request { notifier.reloading() }
            },
            deliver: { control.deliver($0) })
        let reloadLog = ReloadLog(logger: logger)
        let signals = SignalWatcher()
        signals.start { signal in
            switch signal {
            case .reload:
                reloadLog.log(.requested, "SIGHUP: reloading the configuration")
                if let busy = worker.submit(.reload) {
                    reloadLog.log(
                        .busy, "the configuration is still being read after \(busy); this reload waits for that read to end")
                }
            case .stop:
                logger.info("stopping")
                control.requestStop()
            }
        }
        let cluster = ClusterFeed(
            config: initial.config, nodeName: node.name, nodeNameSource: node.source.rawValue, logger: logger,
            onChange: { control.requestAnalysis() })
        var loop = WatchLoop(
            board: board, metrics: metrics, control: control, notifier: notifier, logger: logger,
            version: version, worker: worker, stallOnReload: Self.testStall(ProcessInfo.processInfo.environment),
            onReload: { newSettings in
                auth.withLock { $0 = BearerTokenCheck(token: newSettings.bearerToken) }
                board.setFreshnessLimit(StatusBoard.freshnessLimit(resyncInterval: newSettings.resyncInterval))
                metrics.setResyncInterval(newSettings.resyncInterval)
                if newSettings.listen != settings.listen, listenOverride == nil {
                    reloadLog.log(.listenChanged, "listen addresses changed in the config: they take effect on restart")
                }
                if newSettings.logLevel != settings.logLevel || newSettings.maxFindingSeries != settings.maxFindingSeries {
                    reloadLog.log(.restartOnlySettings, "logLevel and maxFindingSeries changes take effect on restart")
                }
                if newSettings.nodeName != settings.nodeName {
                    reloadLog.log(.nodeNameChanged, "nodeName changes take effect on restart")
                }
            })
        loop.node = node
        loop.reloadLog = reloadLog
        loop.clusterInput = { cluster.input() }
        loop.pendingClusterView = { cluster.pendingFirstView }
        loop.clusterViewRefusal = { cluster.firstViewRefusal }
        loop.firstViewWait = .seconds(initial.config.kubernetes.firstListWaitSeconds)
        loop.run(initial: initial)
        _ = ClusterOnce.blocking { await cluster.stop() }
        servers.forEach { $0.stop() }
        signals.stop()
        logger.info("stopped")
    }

    /// The test hook that blocks the watch loop on every reload it applies, standing for a loop
    /// stuck in a system call (tests check /healthz and the watchdog against it).
    static func testStall(_ environment: [String: String]) -> Duration? {
        guard let text = environment["PODNETD_TEST_STALL_LOOP_ON_RELOAD_MS"], let milliseconds = Int(text),
            milliseconds > 0
        else { return nil }
        return .milliseconds(milliseconds)
    }
}
