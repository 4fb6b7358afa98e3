import PodnetModel

/// How the cluster's view was used in one analysis: where it came from, how old it was, and where
/// each expectation came from (config, cluster, ipamd, kernel inference).
public struct ClusterReport: Sendable, Codable, Hashable {
    /// `current`, `api-unreachable` (the last good view used), `stale` (cluster checks stopped),
    /// `unavailable` (no view).
    public var state: String
    /// The API server and credentials, or why there is no view.
    public var source: String
    /// The Node this machine is, and how that name was chosen.
    public var nodeName: String?
    public var nodeNameSource: String?
    /// Seconds since the view was last known current; nil without a view.
    public var viewAgeSeconds: Int?
    public var nodes: Int
    public var blockAffinities: Int
    public var pools: Int
    /// Where each expectation came from.
    public var expectationSources: [ExpectationSource]

    public init(
        state: String, source: String, nodeName: String? = nil, nodeNameSource: String? = nil,
        viewAgeSeconds: Int? = nil, nodes: Int = 0, blockAffinities: Int = 0, pools: Int = 0,
        expectationSources: [ExpectationSource] = []
    ) {
        self.state = state
        self.source = source
        self.nodeName = nodeName
        self.nodeNameSource = nodeNameSource
        self.viewAgeSeconds = viewAgeSeconds
        self.nodes = nodes
        self.blockAffinities = blockAffinities
        self.pools = pools
        self.expectationSources = expectationSources
    }

    enum CodingKeys: String, CodingKey {
        case state, source, nodeName, nodeNameSource, viewAgeSeconds, nodes, blockAffinities, pools
        case expectationSources
    }
}

/// One expectation and where it came from: `config`, `cluster (…)`, `ipamd (…)`, `kernel inference`.
public struct ExpectationSource: Sendable, Codable, Hashable {
    public var expectation: String
    public var source: String

    public init(expectation: String, source: String) {
        self.expectation = expectation
        self.source = source
    }

    enum CodingKeys: String, CodingKey { case expectation, source }
}
