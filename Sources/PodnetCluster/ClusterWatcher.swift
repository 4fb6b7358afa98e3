import Foundation
import Logging
import PodnetAnalysis
import PodnetModel
import Synchronization

/// Keeps the cluster's view current: per resource one list, then one watch from its
/// resourceVersion (bookmarks keep it fresh; a node joining or leaving is one event, never a
/// relist), a relist only on 410 Gone, backoff with jitter on errors. Readers never wait: `input`
/// returns the last good view with its age, from memory.
public final class ClusterWatcher: Sendable {
    /// How the watches are doing, per resource.
    struct Stream: Sendable {
        var resourceVersion: String?
        /// The watch is connected (or the resource is absent from the server and was listed as empty).
        var connected = false
        var listed = false
        /// The last time the server confirmed this resource (list, event, bookmark).
        var lastContact: ContinuousClock.Instant?
        var relists = 0
        var watchStarts = 0
        /// Since when this resource's requests fail (nil: its last request succeeded), and how.
        /// Kept per resource: another resource's bookmark says nothing about this one.
        var failingSince: ContinuousClock.Instant?
        var error: String?
        /// The last error is a refusal no retry overcomes by itself (see `isRefusal`).
        var refused = false
    }

    struct Shared: Sendable {
        var state = ClusterState()
        var streams: [String: Stream] = [:]
        var lastError: String?
        var version = 0
        /// The view of `version`, indexed once for every analysis until the cluster changes.
        var cached: (version: Int, index: ClusterIndex)?
    }

    let client: KubeAPIClient
    let nodeName: String
    let nodeNameSource: String
    let logger: Logger
    let onChange: @Sendable () -> Void
    let watchTimeoutSeconds: ClosedRange<Int>
    private let shared = Mutex(Shared())
    private let tasks = Mutex<[Task<Void, Never>]>([])
    static let resourceNames = ["ippools", "blockaffinities", "nodes"]

    /// - Parameters:
    ///   - nodeName: the Node this machine is (`NodeIdentity` in PodnetConfig resolves it).
    ///   - onChange: called (from a watch task) whenever the view or its health changed.
    public init(
        client: KubeAPIClient, nodeName: String, nodeNameSource: String, logger: Logger,
        watchTimeoutSeconds: ClosedRange<Int> = 240...360, onChange: @escaping @Sendable () -> Void = {}
    ) {
        self.client = client
        self.nodeName = nodeName
        self.nodeNameSource = nodeNameSource
        self.logger = logger
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.onChange = onChange
    }

    /// Starts the three list-and-watch loops.
    public func start() {
        let started = [
            Task { await self.run(ClusterResources.pools) },
            Task { await self.run(ClusterResources.blockAffinities) },
            Task { await self.run(ClusterResources.nodes(localNodeName: self.nodeName)) },
        ]
        tasks.withLock { $0 = started }
    }

    /// Stops the loops and closes the connections.
    public func stop() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
        await client.shutdown()
    }

    /// The analyzer's cluster input now: the last good view, its age and the outage, if any.
    public func input(maxViewAgeSeconds: Int, now: ContinuousClock.Instant = .now) -> ClusterInput {
        shared.withLock { shared in
            let streams = Self.resourceNames.map { shared.streams[$0] ?? Stream() }
            // The outage lasts while any resource fails, from the first of them to fail.
            let outage = streams.compactMap { stream in stream.failingSince.map { (since: $0, reason: stream.error) } }
                .min { $0.since < $1.since }
                .map { ClusterOutage(seconds: Self.seconds(now - $0.since), reason: $0.reason ?? "unknown") }
            let remedy = outage == nil ? nil : UnitSandbox.remedy(for: shared.lastError)
            guard streams.allSatisfy(\.listed) else {
                let reason = shared.lastError.map { "the first list failed: \($0)" } ?? "waiting for the first list"
                var input = ClusterInput(maxViewAgeSeconds: maxViewAgeSeconds, outage: outage, unavailableReason: reason)
                input.accessRemedy = remedy
                return input
            }
            // Age: 0 while every watch is connected; else since the oldest contact of a disconnected one.
            let age = streams.filter { !$0.connected }.compactMap(\.lastContact).map { Self.seconds(now - $0) }.max() ?? 0
            let index: ClusterIndex
            if let cached = shared.cached, cached.version == shared.version {
                index = cached.index
            } else {
                let view = shared.state.view(
                    nodeName: nodeName, nodeNameSource: nodeNameSource,
                    source: "\(client.credentials.server) (\(client.credentials.origin))", observedAt: RFC3339.now())
                index = ClusterIndex(view: view)
                shared.cached = (shared.version, index)
            }
            var input = ClusterInput(
                indexedView: index, viewAgeSeconds: age, maxViewAgeSeconds: maxViewAgeSeconds, outage: outage)
            input.accessRemedy = remedy
            return input
        }
    }

    /// Why the first complete view cannot arrive until someone changes something: a resource not
    /// listed yet whose last attempt was refused (see `isRefusal`); nil while it may still come.
    public func firstListRefusal() -> String? {
        shared.withLock { shared in
            Self.resourceNames.compactMap { shared.streams[$0] }.first { !$0.listed && $0.refused }?.error
        }
    }

    /// An answer retrying does not change by itself: the server rejected the credentials (401) or
    /// RBAC does not grant the request (403), the credentials cannot be read, or this host's
    /// firewall drops the packets (`UnitSandbox`). A timeout, a refused connection, 429 or 5xx may pass.
    static func isRefusal(_ error: any Error) -> Bool {
        switch error as? KubeError {
        case .status(let code, _): code == 401 || code == 403
        case .credentials: true
        case .transport(let message): UnitSandbox.remedy(for: message) != nil
        default: false
        }
    }

    /// Lists and watch starts per resource (the scale benchmark reports them).
    public func counters() -> [String: (relists: Int, watchStarts: Int, connected: Bool)] {
        shared.withLock { shared in
            shared.streams.mapValues { ($0.relists, $0.watchStarts, $0.connected) }
        }
    }

    static func seconds(_ duration: Duration) -> Int { Int(duration.components.seconds) }

    // MARK: - One resource

    private func run<Object, Model>(_ resource: ClusterResource<Object, Model>) async {
        var backoff = Backoff()
        // 410s since the last watch that ran its course: the first lists again at once (client-go's
        // reflector does too), a second backs off like any error, so that a server answering 410
        // every time (a continue token that expires before the list ends) is not asked in a loop.
        var goneInARow = 0
        while !Task.isCancelled {
            do {
                if shared.withLock({ $0.streams[resource.name]?.resourceVersion }) == nil {
                    try await relist(resource)
                }
                guard let version = shared.withLock({ $0.streams[resource.name]?.resourceVersion }) else {
                    // The server has no such resource (Calico not installed): look again later.
                    try await Task.sleep(for: .seconds(300))
                    continue
                }
                let opened = ContinuousClock.now
                let events = try await client.watch(
                    resource.path, resourceVersion: version,
                    timeoutSeconds: Int.random(in: watchTimeoutSeconds),
                    connected: { self.update(resource.name, error: nil) { $0.connected = true; $0.watchStarts += 1 } }
                ) { line in
                    try self.apply(line, to: resource)
                }
                // As client-go's reflector: a watch that ends within a second without an event (a
                // proxy closing streams) is an error, else it would be opened again in a loop.
                if events == 0, ContinuousClock.now - opened < .seconds(1) {
                    throw KubeError.transport("the watch of \(resource.path) ended at once without an event")
                }
                backoff.reset()
                goneInARow = 0
            } catch KubeError.gone {
                logger.info("watch too old: listing again", metadata: ["resource": "\(resource.name)"])
                shared.withLock { $0.streams[resource.name]?.resourceVersion = nil }
                goneInARow += 1
                if goneInARow > 1 {
                    do {
                        try await Task.sleep(for: backoff.next())
                    } catch {
                        return
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                let message = "\(error)"
                logger.warning("Kubernetes API: \(message)", metadata: ["resource": "\(resource.name)"])
                let refused = Self.isRefusal(error)
                update(resource.name, error: message) {
                    $0.connected = false
                    $0.refused = refused
                }
                do {
                    try await Task.sleep(for: backoff.next())
                } catch {
                    return
                }
            }
        }
    }

    private func relist<Object, Model>(_ resource: ClusterResource<Object, Model>) async throws(KubeError) {
        do {
            let listed = try await client.list(resource.path, as: Object.self, convert: resource.convert)
            shared.withLock { shared in
                resource.replaceAll(&shared.state, listed.items)
                shared.version += 1
            }
            update(resource.name, error: nil) {
                $0.resourceVersion = listed.resourceVersion
                $0.listed = true
                $0.relists += 1
            }
        } catch .status(code: 404, _) {
            shared.withLock { shared in
                resource.replaceAll(&shared.state, [])
                shared.version += 1
            }
            update(resource.name, error: nil) {
                $0.listed = true
                $0.connected = true
                $0.relists += 1
            }
        }
    }

    /// Applies one watch event line.
    private func apply<Object, Model>(_ line: Data, to resource: ClusterResource<Object, Model>) throws {
        let decoder = JSONDecoder()
        let head: WatchEventHead
        do {
            head = try decoder.decode(WatchEventHead.self, from: line)
        } catch {
            throw KubeError.decoding("\(resource.name) watch: not an event: \(error)")
        }
        switch head.type {
        case "ADDED", "MODIFIED":
            let object: Object
            do {
                object = try decoder.decode(WatchEvent<Object>.self, from: line).object
            } catch {
                throw KubeError.decoding("\(resource.name) watch: \(error)")
            }
            let model = resource.convert(object)
            shared.withLock { shared in
                resource.set(&shared.state, resource.objectName(object), model)
                shared.version += 1
            }
        case "DELETED":
            if let name = head.object.metadata?.name {
                shared.withLock { shared in
                    resource.set(&shared.state, name, nil)
                    shared.version += 1
                }
            }
        case "BOOKMARK":
            break
        case "ERROR":
            if head.object.code == 410 { throw KubeError.gone }
            throw KubeError.status(code: head.object.code ?? 0, message: head.object.message ?? "watch error")
        default:
            throw KubeError.decoding("\(resource.name) watch: unknown event type \(head.type)")
        }
        update(resource.name, error: nil) { stream in
            if let version = head.object.metadata?.resourceVersion { stream.resourceVersion = version }
        }
    }

    /// Changes a stream's record, notes contact or the error, and tells the owner.
    private func update(_ name: String, error: String?, _ change: (inout Stream) -> Void) {
        let now = ContinuousClock.now
        shared.withLock { shared in
            var stream = shared.streams[name] ?? Stream()
            change(&stream)
            if let error {
                shared.lastError = error
                stream.error = error
                if stream.failingSince == nil { stream.failingSince = now }
            } else {
                stream.lastContact = now
                stream.failingSince = nil
                stream.error = nil
                stream.refused = false
            }
            shared.streams[name] = stream
        }
        onChange()
    }
}
