import Foundation
import Logging
import PodnetAnalysis
import PodnetConfig
import PodnetModel
import Synchronization

/// The daemon's source of cluster input: the API watches (when credentials exist) and ipamd's record
/// re-read every few seconds, each in tasks of their own. The watch loop only calls `input()`, which
/// reads memory and never waits for the network.
public final class ClusterFeed: Sendable {
    /// How often ipamd's checkpoint (and introspection endpoint) are read again.
    public static let ipamdInterval: Duration = .seconds(10)

    let watcher: ClusterWatcher?
    let maxViewAgeSeconds: Int
    let credentialsProblem: String?
    private let ipamd = Mutex<IpamdView?>(nil)
    private let ipamdTask = Mutex<Task<Void, Never>?>(nil)
    /// Whether ipamd's record has been read once (the daemon's first analysis waits for it).
    let ipamdReadOnce = Mutex(false)

    /// Starts what the config asks for. `nodeName` is the Node this machine is; `onChange` is called
    /// when the view, its health or ipamd's record changed (to re-analyse soon).
    public init(
        config: PodnetConfig, nodeName: String, nodeNameSource: String, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        onChange: @escaping @Sendable () -> Void
    ) {
        maxViewAgeSeconds = config.kubernetes.maxViewAgeSeconds
        var watcher: ClusterWatcher?
        var problem: String?
        if config.kubernetes.enabled {
            do {
                let credentials = try KubeCredentialsResolver.resolve(
                    explicitKubeconfig: config.kubernetes.kubeconfig, environment: environment)
                let client = try KubeAPIClient(
                    credentials: credentials, requestTimeoutSeconds: config.kubernetes.requestTimeoutSeconds)
                watcher = ClusterWatcher(
                    client: client, nodeName: nodeName, nodeNameSource: nodeNameSource, logger: logger, onChange: onChange)
                logger.info("watching the cluster at \(credentials.server) (\(credentials.origin)) as node \(nodeName) (\(nodeNameSource))")
            } catch {
                if config.kubernetes.kubeconfig != nil { problem = "\(error)" }
                logger.notice("not reading the cluster: \(error)")
            }
        }
        self.watcher = watcher
        self.credentialsProblem = problem
        watcher?.start()
        let settings = config.ipamd
        let task = Task { [self] in
            var last: IpamdView?
            while !Task.isCancelled {
                let view: IpamdView?
                do {
                    view = try await IpamdReader.read(
                        checkpointPath: settings.checkpointPath, introspectionAddress: settings.introspectionAddress)
                } catch {
                    view = IpamdView(source: settings.checkpointPath, introspectionError: "\(error)")
                }
                // The cooldown flags change with time alone; compare what matters for the checks.
                let first = !self.ipamdReadOnce.withLock { $0 }
                if view != last || first {
                    self.ipamd.withLock { $0 = view }
                    self.ipamdReadOnce.withLock { $0 = true }
                    last = view
                    onChange()
                }
                try? await Task.sleep(for: Self.ipamdInterval)
            }
        }
        ipamdTask.withLock { $0 = task }
    }

    /// The input for the next analysis; nil when podnetd reads nothing of the cluster here.
    public func input() -> ClusterInput? {
        let ipamdView = ipamd.withLock { $0 }
        if let watcher {
            var input = watcher.input(maxViewAgeSeconds: maxViewAgeSeconds)
            input.ipamd = ipamdView
            return input
        }
        if let credentialsProblem {
            return ClusterInput(maxViewAgeSeconds: maxViewAgeSeconds, unavailableReason: credentialsProblem, ipamd: ipamdView)
        }
        return ipamdView.map { ClusterInput(maxViewAgeSeconds: maxViewAgeSeconds, ipamd: $0) }
    }

    /// Stops the watches and the ipamd reader.
    public func stop() async {
        ipamdTask.withLock { $0?.cancel() }
        await watcher?.stop()
    }

    /// Lists and watch starts per resource, for the benchmark.
    public func counters() -> [String: (relists: Int, watchStarts: Int, connected: Bool)] {
        watcher?.counters() ?? [:]
    }
}
