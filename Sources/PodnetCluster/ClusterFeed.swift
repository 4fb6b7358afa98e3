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
    /// How often ipamd's checkpoint (and introspection endpoint) are read again without a reason.
    public static let ipamdInterval: Duration = .seconds(10)
    /// The least time between two ipamd reads asked for by analyses.
    public static let ipamdRefreshSpacing: Duration = .seconds(1)

    let watcher: ClusterWatcher?
    let maxViewAgeSeconds: Int
    let credentialsProblem: String?
    private let ipamd = Mutex<IpamdView?>(nil)
    private let ipamdTask = Mutex<Task<Void, Never>?>(nil)
    private let ipamdTicker = Mutex<Task<Void, Never>?>(nil)
    /// Wakes the ipamd reader: its timer, and every analysis (see `input()`).
    private let ipamdWake: AsyncStream<Void>.Continuation
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
                // Silent only when there is nothing to read; a kubeconfig named in the config, or
                // Calico's that the unit's sandbox keeps from podnetd, is a finding.
                if config.kubernetes.kubeconfig != nil || UnitSandbox.remedy(for: "\(error)") != nil { problem = "\(error)" }
                logger.notice("not reading the cluster: \(error)")
            }
        }
        self.watcher = watcher
        self.credentialsProblem = problem
        watcher?.start()
        let settings = config.ipamd
        // A pod created or deleted changes the kernel and ipamd's record within milliseconds of each
        // other. Judged against a record up to ipamdInterval old, a deleted pod's IP would look
        // allocated but unrouted (a false critical) for longer than the findings' grace period. So
        // each analysis asks for a fresh read (at most one per ipamdRefreshSpacing), and a changed
        // record triggers the next analysis well inside the grace period.
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        ipamdWake = wake
        let ticker = Task {
            while !Task.isCancelled {
                wake.yield()
                try? await Task.sleep(for: Self.ipamdInterval)
            }
        }
        let task = Task { [self] in
            var last: IpamdView?
            for await _ in wakes {
                if Task.isCancelled { break }
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
                try? await Task.sleep(for: Self.ipamdRefreshSpacing)
            }
        }
        ipamdTask.withLock { $0 = task }
        ipamdTicker.withLock { $0 = ticker }
    }

    /// The input for the next analysis; nil when podnetd reads nothing of the cluster here.
    public func input() -> ClusterInput? {
        let ipamdView = ipamd.withLock { $0 }
        // Off a VPC CNI node there is nothing to refresh; the timer still looks for a checkpoint.
        if ipamdView != nil { ipamdWake.yield() }
        if let watcher {
            var input = watcher.input(maxViewAgeSeconds: maxViewAgeSeconds)
            input.ipamd = ipamdView
            return input
        }
        if let credentialsProblem {
            var input = ClusterInput(maxViewAgeSeconds: maxViewAgeSeconds, unavailableReason: credentialsProblem, ipamd: ipamdView)
            input.accessRemedy = UnitSandbox.remedy(for: credentialsProblem)
            return input
        }
        return ipamdView.map { ClusterInput(maxViewAgeSeconds: maxViewAgeSeconds, ipamd: $0) }
    }

    /// Stops the watches and the ipamd reader.
    public func stop() async {
        ipamdTicker.withLock { $0?.cancel() }
        ipamdTask.withLock { $0?.cancel() }
        ipamdWake.finish()
        await watcher?.stop()
    }

    /// Lists and watch starts per resource, for the benchmark.
    public func counters() -> [String: (relists: Int, watchStarts: Int, connected: Bool)] {
        watcher?.counters() ?? [:]
    }
}
