import PodnetModel

/// What the node's pod network should look like: the analyzer's second input, built from the
/// config file, kubelet's config and the machine (see PodnetConfig's `ExpectationsResolver`).
public struct Expectations: Sendable, Hashable {
    /// Detect the pod network, or take the one named.
    public var cni: CNISetting
    /// The pod CIDRs (Calico IP pools; the pod CIDR of the cluster for host-gw). Empty: inferred
    /// from what the node shows (Calico blocks, ENI subnets).
    public var podCIDRs: [IPPrefix]
    /// Calico's IPv4 IPAM block size (prefix length), 26 by default.
    public var blockSize: Int
    /// Calico's IPv6 IPAM block size, 122 by default.
    public var blockSizeV6: Int
    /// The Kubernetes service CIDR(s); empty when not configured.
    public var serviceCIDRs: [IPPrefix]
    public var calico: CalicoExpectations
    public var hostGW: HostGWExpectations
    /// kubelet's maxPods; nil when it could not be determined.
    public var maxPods: Int?
    /// Where `maxPods` came from, for people: `kubelet config /var/lib/kubelet/config.yaml`,
    /// `default 110`, `config`, or why it is unknown.
    public var maxPodsSource: String
    /// kubelet's config file maxPods was read from (or would be set in); nil when none was found.
    public var kubeletConfigPath: String?
    /// The EC2 instance type; nil when unknown.
    public var instanceType: String?
    /// Where `instanceType` came from, or why it is unknown.
    public var instanceTypeSource: String
    /// The node's vCPU count (chooses the recommended max-pods cap); nil when unknown.
    public var vCPUs: Int?
    public var awsVpcCni: AWSVPCCNIExpectations
    public var thresholds: Thresholds
    /// A kubelet `--max-pods` flag may override `maxPods`, but what would say so could not be read:
    /// findings that rest on `maxPods` are not asserted as critical.
    public var maxPodsMayBeOverridden: Bool
    /// The node's kernel release (`uname -r`: this node's, or the one a dump recorded); nil when
    /// unknown (a dump without node facts).
    public var kernelRelease: String?
    /// The config keys set explicitly (top-level names): what the cluster view must not override.
    public var explicitKeys: Set<String> = []
    /// The node's Kubernetes name (`NodeIdentity` in PodnetConfig: the name the metrics' `node` label
    /// and the alerts carry); nil: the snapshot's hostname stands for it.
    public var nodeName: String?

    public init(
        cni: CNISetting = .auto, podCIDRs: [IPPrefix] = [], blockSize: Int = 26, blockSizeV6: Int = 122,
        serviceCIDRs: [IPPrefix] = [], calico: CalicoExpectations = CalicoExpectations(),
        hostGW: HostGWExpectations = HostGWExpectations(), maxPods: Int? = nil, maxPodsSource: String = "unknown",
        kubeletConfigPath: String? = nil, instanceType: String? = nil, instanceTypeSource: String = "unknown",
        vCPUs: Int? = nil,
        awsVpcCni: AWSVPCCNIExpectations = AWSVPCCNIExpectations(), thresholds: Thresholds = Thresholds(),
        maxPodsMayBeOverridden: Bool = false, kernelRelease: String? = nil,
        nodeName: String? = nil
    ) {
        self.cni = cni
        self.podCIDRs = podCIDRs
        self.blockSize = blockSize
        self.blockSizeV6 = blockSizeV6
        self.serviceCIDRs = serviceCIDRs
        self.calico = calico
        self.hostGW = hostGW
        self.maxPods = maxPods
        self.maxPodsSource = maxPodsSource
        self.kubeletConfigPath = kubeletConfigPath
        self.instanceType = instanceType
        self.instanceTypeSource = instanceTypeSource
        self.vCPUs = vCPUs
        self.awsVpcCni = awsVpcCni
        self.thresholds = thresholds
        self.maxPodsMayBeOverridden = maxPodsMayBeOverridden
        self.kernelRelease = kernelRelease
        self.nodeName = nodeName
    }

    /// How `maxPodsSource` starts when kubelet's `--max-pods` flag set maxPods (`kubelet flag
    /// --max-pods=N (where)`): the flag, not the config file, is what to change.
    public static let kubeletFlagSourcePrefix = "kubelet flag "

    /// The block size of a family.
    public func blockSize(for family: AddressFamily) -> Int {
        family == .ipv6 ? blockSizeV6 : blockSize
    }
}

/// Calico VXLAN settings (Felix's `VXLANVNI`, `VXLANPort`, device names) and the remote blocks
/// this node must route.
public struct CalicoExpectations: Sendable, Hashable {
    public var vxlanDevice: String
    public var vxlanDeviceV6: String
    public var vxlanVNI: UInt32
    public var vxlanPort: UInt16
    /// Blocks owned by other nodes with their owners' tunnel IPs; empty: only what the node shows
    /// is checked.
    public var expectedRemoteBlocks: [ExpectedRemoteBlock]
    /// The pools' `vxlanMode` (`calico.vxlanMode`); nil: inferred from the routes, nothing enforced.
    public var vxlanMode: CalicoVXLANMode?

    public init(
        vxlanDevice: String = "vxlan.calico", vxlanDeviceV6: String = "vxlan-v6.calico", vxlanVNI: UInt32 = 4096,
        vxlanPort: UInt16 = 4789, expectedRemoteBlocks: [ExpectedRemoteBlock] = [], vxlanMode: CalicoVXLANMode? = nil
    ) {
        self.vxlanDevice = vxlanDevice
        self.vxlanDeviceV6 = vxlanDeviceV6
        self.vxlanVNI = vxlanVNI
        self.vxlanPort = vxlanPort
        self.expectedRemoteBlocks = expectedRemoteBlocks
        self.vxlanMode = vxlanMode
    }

    /// The device name of a family.
    public func device(for family: AddressFamily) -> String {
        family == .ipv6 ? vxlanDeviceV6 : vxlanDevice
    }
}

/// A block owned by another node, and that node's VXLAN tunnel IP.
public struct ExpectedRemoteBlock: Sendable, Hashable {
    public var block: IPPrefix
    public var tunnelIP: IPAddress
    /// The owning node's name, when the cluster said who owns the block.
    public var node: String?

    public init(block: IPPrefix, tunnelIP: IPAddress, node: String? = nil) {
        self.block = block
        self.tunnelIP = tunnelIP
        self.node = node
    }
}

/// Routes a host-gw node must have: each other node's pod CIDR via that node's IP.
public struct HostGWExpectations: Sendable, Hashable {
    public var expectedRoutes: [ExpectedRoute]

    public init(expectedRoutes: [ExpectedRoute] = []) {
        self.expectedRoutes = expectedRoutes
    }
}

/// One expected route: `cidr via gateway`.
public struct ExpectedRoute: Sendable, Hashable {
    public var cidr: IPPrefix
    public var gateway: IPAddress

    public init(cidr: IPPrefix, gateway: IPAddress) {
        self.cidr = cidr
        self.gateway = gateway
    }
}

/// AWS VPC CNI settings that change the pod capacity.
public struct AWSVPCCNIExpectations: Sendable, Hashable {
    /// `ENABLE_PREFIX_DELEGATION=true`: a /28 per ENI slot.
    public var prefixDelegation: Bool
    /// `AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true`: the primary ENI carries no pods.
    public var customNetworking: Bool
    /// The most ENIs the CNI may use (`MAX_ENI`), if limited.
    public var maxENIs: Int?

    public init(prefixDelegation: Bool = false, customNetworking: Bool = false, maxENIs: Int? = nil) {
        self.prefixDelegation = prefixDelegation
        self.customNetworking = customNetworking
        self.maxENIs = maxENIs
    }
}

/// Limits that turn a number into a finding.
public struct Thresholds: Sendable, Hashable {
    /// Workloads at or above this share of the pod capacity give a warning (at 100 %: critical).
    public var podCapacityWarningRatio: Double

    public init(podCapacityWarningRatio: Double = 0.9) {
        self.podCapacityWarningRatio = podCapacityWarningRatio
    }
}
