import Foundation
import PodnetModel

/// One watched resource: its API path, how its objects become podnetd's model (`Model`) and how
/// that enters the cluster state.
struct ClusterResource<Object: Decodable & Sendable, Model: Sendable>: Sendable {
    /// `nodes`, `ippools`, `blockaffinities`.
    let name: String
    /// The collection's path.
    let path: String
    /// The object as podnetd keeps it; nil when it does not parse (it is left out).
    let convert: @Sendable (Object) -> Model?
    /// The object's name.
    let objectName: @Sendable (Object) -> String
    /// Replaces every object of the resource (after a list).
    let replaceAll: @Sendable (inout ClusterState, [Model]) -> Void
    /// Adds or replaces one object by name (ADDED, MODIFIED); nil removes it (DELETED, or an
    /// object that no longer parses).
    let set: @Sendable (inout ClusterState, _ name: String, Model?) -> Void
}

/// The objects of the three resources, each sorted by name.
struct ClusterState: Sendable {
    var pools = SortedByName<CalicoIPPool>()
    var affinities = SortedByName<CalicoBlockAffinity>()
    var nodes = SortedByName<ClusterNode>()
    /// The labels of this machine's Node (the pools' nodeSelectors); no other Node's are kept.
    var localNodeLabels: [String: String]?

    /// The view: the state's own arrays, shared until the next change.
    func view(nodeName: String, nodeNameSource: String, source: String, observedAt: String) -> ClusterView {
        ClusterView(
            nodeName: nodeName, nodeNameSource: nodeNameSource, source: source, observedAt: observedAt,
            pools: pools.elements, blockAffinities: affinities.elements, nodes: nodes.elements,
            localNodeLabels: localNodeLabels)
    }
}

/// A Node as the nodes resource keeps it: the model, and its labels when it is this machine's Node.
struct ListedNode: Sendable {
    var node: ClusterNode
    var localLabels: [String: String]?
}

enum ClusterResources {
    /// The nodes resource; of the Node named `localNodeName` the labels are kept too.
    static func nodes(localNodeName: String) -> ClusterResource<NodeObject, ListedNode> {
        ClusterResource<NodeObject, ListedNode>(
            name: "nodes", path: "/api/v1/nodes",
            convert: { object in
                ListedNode(
                    node: KubeObjectConversion.node(object),
                    localLabels: object.metadata.name == localNodeName ? object.metadata.labels ?? [:] : nil)
            },
            objectName: { $0.metadata.name },
            replaceAll: { state, listed in
                state.nodes = SortedByName(listed.map(\.node))
                state.localNodeLabels = listed.last { $0.localLabels != nil }?.localLabels
            },
            set: { state, name, listed in
                state.nodes.set(name, listed?.node)
                if name == localNodeName { state.localNodeLabels = listed?.localLabels }
            })
    }

    static let pools = ClusterResource<IPPoolObject, CalicoIPPool>(
        name: "ippools", path: "/apis/crd.projectcalico.org/v1/ippools", convert: KubeObjectConversion.pool,
        objectName: { $0.metadata.name },
        replaceAll: { state, pools in state.pools = SortedByName(pools) },
        set: { state, name, pool in state.pools.set(name, pool) })

    static let blockAffinities = ClusterResource<BlockAffinityObject, CalicoBlockAffinity>(
        name: "blockaffinities", path: "/apis/crd.projectcalico.org/v1/blockaffinities",
        convert: KubeObjectConversion.affinity, objectName: { $0.metadata.name },
        replaceAll: { state, affinities in state.affinities = SortedByName(affinities) },
        set: { state, name, affinity in state.affinities.set(name, affinity) })
}

/// One list of the three resources, for `podnetd check`: no watch.
public enum ClusterLister {
    /// The cluster's view now. A resource the server does not have (404: Calico not installed) is
    /// empty.
    public static func list(
        client: KubeAPIClient, nodeName: String, nodeNameSource: String
    ) async throws(KubeError) -> ClusterView {
        var state = ClusterState()
        try await listInto(&state, client: client, resource: ClusterResources.pools)
        try await listInto(&state, client: client, resource: ClusterResources.blockAffinities)
        try await listInto(&state, client: client, resource: ClusterResources.nodes(localNodeName: nodeName))
        return state.view(
            nodeName: nodeName, nodeNameSource: nodeNameSource,
            source: "\(client.credentials.server) (\(client.credentials.origin))", observedAt: RFC3339.now())
    }

    static func listInto<Object, Model>(
        _ state: inout ClusterState, client: KubeAPIClient, resource: ClusterResource<Object, Model>
    ) async throws(KubeError) {
        do {
            let listed = try await client.list(resource.path, as: Object.self, convert: resource.convert)
            resource.replaceAll(&state, listed.items)
        } catch .status(code: 404, _) {
            resource.replaceAll(&state, [])
        }
    }
}
