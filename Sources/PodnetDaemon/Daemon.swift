import Foundation
import Logging
import PodnetAnalysis
import PodnetCluster
import PodnetHTTP
import Synchronization

/// `podnetd serve`: wires the watch loop, the HTTP servers, signals and systemd together.
public struct Daemon: Sendable {
    public let loader: ConfigurationLoader
    /// Replaces the config's `listen` addresses (the `--listen` flag).
    public let listenOverride: [ListenEndpoint]?
    public let version: String
    public let logger: Logger

    public init(loader: ConfigurationLoader, listenOverride: [ListenEndpoint]?, version: String, logger: Logger) {
        self.loader = loader
        self.listenOverride = listenOverride
        self.version = version
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
        let initial: LoadedConfiguration
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
        let board = StatusBoard(freshnessLimit: StatusBoard.freshnessLimit(resyncInterval: settings.resyncInterval))
        let metrics = DaemonMetrics(
            catalogue: CheckID.catalogue.map { (check: $0.id.rawValue, severity: $0.defaultSeverity.rawValue) },
            version: version, maxFindingSeries: settings.maxFindingSeries)
        metrics.setResyncInterval(settings.resyncInterval)
        let auth = Mutex(BearerTokenCheck(token: settings.bearerToken))
        let routes = DaemonRoutes(board: board, metrics: metrics, auth: { auth.withLock { $0 } })

        var servers: [HTTPServer] = []
        for endpoint in listenOverride ?? settings.listen {
            let server = HTTPServer(
                configuration: HTTPServerConfiguration(host: endpoint.host, port: endpoint.port),
                handler: { routes.handle($0) })
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
        let signals = SignalWatcher()
        signals.start { signal in
            switch signal {
            case .reload:
                logger.info("SIGHUP: reloading the configuration")
                control.requestReload()
            case .stop:
                logger.info("stopping")
                control.requestStop()
            }
        }
        // LEAD-MERGE: take the node name from trust-fleet's resolver (PodnetConfig); the host name stands in.
        let nodeName = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? ""
        let cluster = ClusterFeed(
            config: initial.config, nodeName: nodeName, nodeNameSource: "hostname", logger: logger,
            onChange: { control.requestAnalysis() })
        var loop = WatchLoop(
            board: board, metrics: metrics, control: control,
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), logger: logger,
            version: version, loader: loader,
            onReload: { newSettings in
                auth.withLock { $0 = BearerTokenCheck(token: newSettings.bearerToken) }
                board.setFreshnessLimit(StatusBoard.freshnessLimit(resyncInterval: newSettings.resyncInterval))
                metrics.setResyncInterval(newSettings.resyncInterval)
                if newSettings.listen != settings.listen, listenOverride == nil {
                    logger.warning("listen addresses changed in the config: they take effect on restart")
                }
                if newSettings.logLevel != settings.logLevel || newSettings.maxFindingSeries != settings.maxFindingSeries {
                    logger.warning("logLevel and maxFindingSeries changes take effect on restart")
                }
            })
        loop.clusterInput = { cluster.input() }
        loop.run(initial: initial)
        _ = ClusterOnce.blocking { await cluster.stop() }
        servers.forEach { $0.stop() }
        signals.stop()
        logger.info("stopped")
    }
}
