/// What the analysis needs to know about a node besides its network state, with where each value
/// came from: recorded by `podnetd dump` (schemaVersion 2 and later), so that `podnetd check
/// --snapshot` on another machine analyses with this node's facts instead of its own.
public struct NodeFacts: Hashable, Sendable, Codable {
    /// The node's vCPU count (chooses the recommended max-pods cap); nil when unknown.
    public var vCPUs: Int?
    /// The EC2 instance type; nil when unknown.
    public var instanceType: String?
    /// Where `instanceType` came from (`config`, the DMI product name, …) or why it is unknown.
    public var instanceTypeSource: String
    /// kubelet's maxPods; nil when unknown.
    public var maxPods: Int?
    /// The maxPods values podnetd accepts from any source (its config, kubelet's file and flag, a
    /// Node's capacity, a dump). kubelet itself sets no upper bound, but far beyond any node's pods
    /// a value is a typo, and at the extremes it overflowed the capacity arithmetic.
    public static let acceptedMaxPods = 1...100_000
    /// Where `maxPods` came from (kubelet flag, kubelet config file, default, `config`) or why it is unknown.
    public var maxPodsSource: String
    /// Whether a `--max-pods` flag may override `maxPods` but could not be read.
    public var maxPodsMayBeOverridden: Bool
    /// kubelet's config file maxPods was read from (or would be set in); nil when none was found.
    public var kubeletConfigPath: String?
    /// The kernel release (`uname -r`); nil when unknown.
    public var kernelRelease: String?
    /// The node's Kubernetes name as podnetd resolves it (config `nodeName`, `NODE_NAME`, Calico's
    /// nodename file, the hostname): the name reports and alerts give the node. Nil in dumps of an
    /// older podnetd, whose hostname then stands for it.
    public var nodeName: String?
    /// Where `nodeName` came from (`config`, `NODE_NAME`, `calico-nodename`, `hostname`).
    public var nodeNameSource: String?

    public init(
        vCPUs: Int? = nil, instanceType: String? = nil, instanceTypeSource: String = "unknown", maxPods: Int? = nil,
        maxPodsSource: String = "unknown", maxPodsMayBeOverridden: Bool = false, kubeletConfigPath: String? = nil,
        kernelRelease: String? = nil, nodeName: String? = nil, nodeNameSource: String? = nil
    ) {
        self.vCPUs = vCPUs
        self.instanceType = instanceType
        self.instanceTypeSource = instanceTypeSource
        self.maxPods = maxPods
        self.maxPodsSource = maxPodsSource
        self.maxPodsMayBeOverridden = maxPodsMayBeOverridden
        self.kubeletConfigPath = kubeletConfigPath
        self.kernelRelease = kernelRelease
        self.nodeName = nodeName
        self.nodeNameSource = nodeNameSource
    }
}
