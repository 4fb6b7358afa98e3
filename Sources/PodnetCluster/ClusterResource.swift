import Foundation
import PodnetModel

/// One watched resource: its API path and how its objects enter the cluster state.
struct ClusterResource<Object: Decodable & Sendable>: Sendable {
    /// `nodes`, `ippools`, `blockaffinities`.
    let name: String
    /// The collection's path.
    let path: String
    /// Replaces every object of the resource (after a list).
    let replaceAll: @Sendable (inout ClusterState, [Object]) -> Void
    /// Adds or replaces one object (ADDED, MODIFIED).
    let upsert: @Sendable (inout ClusterState, Object) -> Void
    /// Removes one object by name (DELETED).
    let remove: @Sendable (inout ClusterState, String) -> Void
    /// The object's name.
    let objectName: @Sendable (Object) -> String
}

/// The objects of the three resources, by name.
struct ClusterState: Sendable {
    var pools: [String: CalicoIPPool] = [:]
    var affinities: [String: CalicoBlockAffinity] = [:]
    var nodes: [String: ClusterNode] = [:]
    /// The Node that is this machine, whose labels alone are kept (the pools' nodeSelectors).
    var localNodeName = ""
    var localNodeLabels: [String: String]?

    /// Keeps `object`'s labels when it is this machine's Node.
    mutating func noteLabels(of object: NodeObject) {
        if object.metadata.name == localNodeName { localNodeLabels = object.metadata.labels ?? [:] }
    }

    /// The view, sorted by name.
    func view(nodeName: String, nodeNameSource: String, source: String, observedAt: String) -> ClusterView {
        ClusterView(
            nodeName: nodeName, nodeNameSource: nodeNameSource, source: source, observedAt: observedAt,
            pools: pools.values.sorted { $0.name < $1.name },
            blockAffinities: affinities.values.sorted { $0.name < $1.name },
            nodes: nodes.values.sorted { $0.name < $1.name },
            localNodeLabels: nodes[nodeName] == nil ? nil : localNodeLabels)
    }
}

enum ClusterResources {
    static let nodes = ClusterResource<NodeObject>(
        name: "nodes", path: "/api/v1/nodes",
        replaceAll: { state, objects in
            state.nodes = Dictionary(
                objects.map { ($0.metadata.name, KubeObjectConversion.node($0)) }, uniquingKeysWith: { _, last in last })
            state.localNodeLabels = nil
            for object in objects { state.noteLabels(of: object) }
        },
        upsert: { state, object in
            state.nodes[object.metadata.name] = KubeObjectConversion.node(object)
            state.noteLabels(of: object)
        },
        remove: { state, name in state.nodes[name] = nil },
        objectName: { $0.metadata.name })

    static let pools = ClusterResource<IPPoolObject>(
        name: "ippools", path: "/apis/crd.projectcalico.org/v1/ippools",
        replaceAll: { state, objects in
            state.pools = Dictionary(
                objects.compactMap { object in KubeObjectConversion.pool(object).map { (object.metadata.name, $0) } },
                uniquingKeysWith: { _, last in last })
        },
        upsert: { state, object in state.pools[object.metadata.name] = KubeObjectConversion.pool(object) },
        remove: { state, name in state.pools[name] = nil },
        objectName: { $0.metadata.name })

    static let blockAffinities = ClusterResource<BlockAffinityObject>(
        name: "blockaffinities", path: "/apis/crd.projectcalico.org/v1/blockaffinities",
        replaceAll: { state, objects in
            state.affinities = Dictionary(
                objects.compactMap { object in KubeObjectConversion.affinity(object).map { (object.metadata.name, $0) } },
                uniquingKeysWith: { _, last in last })
        },
        upsert: { state, object in state.affinities[object.metadata.name] = KubeObjectConversion.affinity(object) },
        remove: { state, name in state.affinities[name] = nil },
        objectName: { $0.metadata.name })
}

/// One list of the three resources, for `podnetd check`: no watch.
public enum ClusterLister {
    /// The cluster's view now. A resource the server does not have (404: Calico not installed) is
    /// empty.
    public static func list(
        client: KubeAPIClient, nodeName: String, nodeNameSource: String
    ) async throws(KubeError) -> ClusterView {
        var state = ClusterState()
        state.localNodeName = nodeName
        try await listInto(&state, client: client, resource: ClusterResources.pools)
        try await listInto(&state, client: client, resource: ClusterResources.blockAffinities)
        try await listInto(&state, client: client, resource: ClusterResources.nodes)
        return state.view(
            nodeName: nodeName, nodeNameSource: nodeNameSource,
            source: "\(client.credentials.server) (\(client.credentials.origin))", observedAt: RFC3339.now())
    }

    static func listInto<Object>(
        _ state: inout ClusterState, client: KubeAPIClient, resource: ClusterResource<Object>
    ) async throws(KubeError) {
        do {
            let listed = try await client.list(resource.path, as: Object.self)
            resource.replaceAll(&state, listed.items)
        } catch .status(code: 404, _) {
            resource.replaceAll(&state, [])
        }
    }
}
