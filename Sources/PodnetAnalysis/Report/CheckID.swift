/// The stable identifier of a check (`vxlan-route-missing`, …).
///
/// IDs are API: metric labels and alert rules use them. Add new ones; never rename one.
public struct CheckID: RawRepresentable, Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (lhs: CheckID, rhs: CheckID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The catalogue entry of this check, if it is one of podnetd's.
    public var descriptor: CheckDescriptor? { CheckID.catalogueByID[self] }
}

/// What the catalogue says about one check.
public struct CheckDescriptor: Hashable, Sendable, Codable {
    /// The check's ID.
    public let id: CheckID
    /// The area the check belongs to: `calico-vxlan`, `workloads`, `host`, `aws-vpc-cni`, `capacity`, `host-gw`.
    public let area: String
    /// The severity its findings have unless the check says otherwise.
    public let defaultSeverity: Severity
    /// One line saying what the check looks for.
    public let description: String

    public init(id: CheckID, area: String, defaultSeverity: Severity, description: String) {
        self.id = id
        self.area = area
        self.defaultSeverity = defaultSeverity
        self.description = description
    }
}

extension CheckID {
    // Calico VXLAN
    public static let vxlanDeviceMissing = CheckID(rawValue: "vxlan-device-missing")
    public static let vxlanDeviceDown = CheckID(rawValue: "vxlan-device-down")
    public static let vxlanDeviceConfig = CheckID(rawValue: "vxlan-device-config")
    public static let vxlanMTU = CheckID(rawValue: "vxlan-mtu")
    public static let vxlanRouteMissing = CheckID(rawValue: "vxlan-route-missing")
    public static let vxlanRouteWrongNextHop = CheckID(rawValue: "vxlan-route-wrong-next-hop")
    public static let vxlanRouteUnresolved = CheckID(rawValue: "vxlan-route-unresolved")
    public static let blockBlackholeMissing = CheckID(rawValue: "block-blackhole-missing")
    public static let blockOutsidePool = CheckID(rawValue: "block-outside-pool")
    // Workloads
    public static let workloadRouteMissing = CheckID(rawValue: "workload-route-missing")
    public static let workloadInterfaceDown = CheckID(rawValue: "workload-interface-down")
    public static let workloadIPOutsidePool = CheckID(rawValue: "workload-ip-outside-pool")
    public static let workloadProxyARPOff = CheckID(rawValue: "workload-proxy-arp-off")
    // Host
    public static let ipForwardingDisabled = CheckID(rawValue: "ip-forwarding-disabled")
    public static let podCIDROverlap = CheckID(rawValue: "pod-cidr-overlap")
    public static let rpFilterStrict = CheckID(rawValue: "rp-filter-strict")
    public static let cniNotDetected = CheckID(rawValue: "cni-not-detected")
    // AWS VPC CNI
    public static let eniRuleMissing = CheckID(rawValue: "eni-rule-missing")
    public static let eniTableMissing = CheckID(rawValue: "eni-table-missing")
    public static let eniSecondaryConflict = CheckID(rawValue: "eni-secondary-conflict")
    // Capacity
    public static let maxPodsExceedsIPCapacity = CheckID(rawValue: "max-pods-exceeds-ip-capacity")
    public static let maxPodsLimitedByENI = CheckID(rawValue: "max-pods-limited-by-eni")
    public static let maxPodsAboveRecommended = CheckID(rawValue: "max-pods-above-recommended")
    public static let podCapacityNearLimit = CheckID(rawValue: "pod-capacity-near-limit")
    public static let maxPodsUnknown = CheckID(rawValue: "max-pods-unknown")
    public static let instanceTypeUnknown = CheckID(rawValue: "instance-type-unknown")
    // host-gw
    public static let hostRouteMissing = CheckID(rawValue: "host-route-missing")
    // Node faults beyond the CNI's own objects (issue 9)
    public static let vxlanWrongInterface = CheckID(rawValue: "vxlan-wrong-interface")
    public static let vxlanModeMismatch = CheckID(rawValue: "vxlan-mode-mismatch")
    public static let crossSubnetSourceDestCheck = CheckID(rawValue: "crosssubnet-source-dest-check")
    public static let vxlanChecksumOffload = CheckID(rawValue: "vxlan-checksum-offload")
    public static let customNetworkingMismatch = CheckID(rawValue: "custom-networking-mismatch")
    public static let neighbourTablePressure = CheckID(rawValue: "neighbour-table-pressure")
    public static let conntrackTablePressure = CheckID(rawValue: "conntrack-table-pressure")
    // Cluster view (Kubernetes API, ipamd)
    public static let clusterAPIUnreachable = CheckID(rawValue: "cluster-api-unreachable")
    public static let clusterViewStale = CheckID(rawValue: "cluster-view-stale")
    public static let clusterNodeUnknown = CheckID(rawValue: "cluster-node-unknown")
    public static let vxlanVTEPMissing = CheckID(rawValue: "vxlan-vtep-missing")
    public static let vxlanVTEPStale = CheckID(rawValue: "vxlan-vtep-stale")
    public static let blockRouteLeaked = CheckID(rawValue: "block-route-leaked")
    public static let eniPodRouteMissing = CheckID(rawValue: "eni-pod-route-missing")
    public static let eniFromRuleMissing = CheckID(rawValue: "eni-from-rule-missing")
    public static let eniIPLeaked = CheckID(rawValue: "eni-ip-leaked")
    public static let ipamdNoFreeIP = CheckID(rawValue: "ipamd-no-free-ip")
    public static let crossSubnetRouteWrongGateway = CheckID(rawValue: "crosssubnet-route-wrong-gateway")
    public static let ipPoolNodeSelectorInvalid = CheckID(rawValue: "ippool-node-selector-invalid")

    /// Every check podnetd runs, in a stable order; the daemon exports one metric series per entry.
    public static let catalogue: [CheckDescriptor] = [
        CheckDescriptor(
            id: .vxlanDeviceMissing, area: "calico-vxlan", defaultSeverity: .critical,
            description: "Calico's VXLAN device (vxlan.calico / vxlan-v6.calico) does not exist"),
        CheckDescriptor(
            id: .vxlanDeviceDown, area: "calico-vxlan", defaultSeverity: .critical,
            description: "the VXLAN device is administratively down or has no carrier"),
        CheckDescriptor(
            id: .vxlanDeviceConfig, area: "calico-vxlan", defaultSeverity: .warning,
            description:
                "the VXLAN device's kind, VNI, UDP port, local address or underlay differ from what is expected"),
        CheckDescriptor(
            id: .vxlanMTU, area: "calico-vxlan", defaultSeverity: .warning,
            description:
                "VXLAN MTU above the underlay MTU − 50 (− 70 for IPv6), or a workload veth MTU above the VXLAN MTU"),
        CheckDescriptor(
            id: .vxlanRouteMissing, area: "calico-vxlan", defaultSeverity: .critical,
            description: "an expected remote block, or a known VTEP, has no route through the VXLAN device"),
        CheckDescriptor(
            id: .vxlanRouteWrongNextHop, area: "calico-vxlan", defaultSeverity: .critical,
            description: "an expected remote block is routed via another tunnel IP than its owner's"),
        CheckDescriptor(
            id: .vxlanRouteUnresolved, area: "calico-vxlan", defaultSeverity: .critical,
            description: "a route via the VXLAN device whose next hop has no permanent neighbour or no FDB destination"),
        CheckDescriptor(
            id: .blockBlackholeMissing, area: "calico-vxlan", defaultSeverity: .warning,
            description: "local workloads in an IPAM block that has no blackhole route"),
        CheckDescriptor(
            id: .blockOutsidePool, area: "calico-vxlan", defaultSeverity: .warning,
            description: "a blackhole or VXLAN-routed block outside every pod CIDR, or not of the block size"),
        CheckDescriptor(
            id: .workloadRouteMissing, area: "workloads", defaultSeverity: .critical,
            description: "a cali…/eni… veth that is up has no /32 (or /128) route to it"),
        CheckDescriptor(
            id: .workloadInterfaceDown, area: "workloads", defaultSeverity: .warning,
            description:
                "a workload veth is administratively down (its routes are flushed: critical), or a workload route "
                + "points to a veth without carrier"),
        CheckDescriptor(
            id: .workloadIPOutsidePool, area: "workloads", defaultSeverity: .warning,
            description: "a workload IP lies outside every configured pod CIDR"),
        CheckDescriptor(
            id: .workloadProxyARPOff, area: "workloads", defaultSeverity: .warning,
            description: "proxy ARP is off on a Calico workload veth: the pod cannot resolve its gateway 169.254.1.1"),
        CheckDescriptor(
            id: .ipForwardingDisabled, area: "host", defaultSeverity: .critical,
            description: "IP forwarding is off (IPv4; IPv6 too when IPv6 pod CIDRs are in use)"),
        CheckDescriptor(
            id: .podCIDROverlap, area: "host", defaultSeverity: .critical,
            description: "a pod CIDR overlaps a host subnet (overlay and host-gw) or the service CIDR"),
        CheckDescriptor(
            id: .rpFilterStrict, area: "host", defaultSeverity: .warning,
            description:
                "strict reverse-path filtering (effective max(all, interface)) with the AWS VPC CNI: on the primary "
                + "ENI, or on a secondary ENI whose pods' rules send some senders' way back elsewhere"),
        CheckDescriptor(
            id: .cniNotDetected, area: "host", defaultSeverity: .info,
            description: "no pod network was recognised; only the host checks ran"),
        CheckDescriptor(
            id: .eniRuleMissing, area: "aws-vpc-cni", defaultSeverity: .critical,
            description: "a pod IP lacks its `to POD lookup main` rule (priority 512)"),
        CheckDescriptor(
            id: .eniTableMissing, area: "aws-vpc-cni", defaultSeverity: .critical,
            description: "a `from … lookup N` rule whose table N has no default route"),
        CheckDescriptor(
            id: .eniSecondaryConflict, area: "aws-vpc-cni", defaultSeverity: .critical,
            description: "a pod IP is also configured as a host address"),
        CheckDescriptor(
            id: .maxPodsExceedsIPCapacity, area: "capacity", defaultSeverity: .critical,
            description:
                "kubelet maxPods above the ENI IP capacity of the instance type (AWS VPC CNI); a warning while a "
                + "--max-pods flag may override maxPods unreadably"),
        CheckDescriptor(
            id: .maxPodsLimitedByENI, area: "capacity", defaultSeverity: .warning,
            description: "overlay CNI, but kubelet maxPods equals the VPC CNI's ENI limit of the instance type"),
        CheckDescriptor(
            id: .maxPodsAboveRecommended, area: "capacity", defaultSeverity: .info,
            description: "kubelet maxPods above the recommended 110 (250 above 30 vCPUs)"),
        CheckDescriptor(
            id: .podCapacityNearLimit, area: "capacity", defaultSeverity: .warning,
            description: "workloads at or above the warning ratio of the pod capacity (critical at the limit)"),
        CheckDescriptor(
            id: .maxPodsUnknown, area: "capacity", defaultSeverity: .info,
            description: "kubelet's maxPods could not be determined; the capacity checks that need it did not run"),
        CheckDescriptor(
            id: .instanceTypeUnknown, area: "capacity", defaultSeverity: .info,
            description: "the instance type is unknown or not in the ENI table; the ENI capacity checks did not run"),
        CheckDescriptor(
            id: .hostRouteMissing, area: "host-gw", defaultSeverity: .critical,
            description: "an expected pod-CIDR route is absent or goes via another gateway"),
        CheckDescriptor(
            id: .vxlanWrongInterface, area: "calico-vxlan", defaultSeverity: .critical,
            description:
                "the VXLAN device's underlay or local address is not the interface the kernel routes the remote "
                + "VTEPs' node IPs through"),
        CheckDescriptor(
            id: .vxlanModeMismatch, area: "calico-vxlan", defaultSeverity: .warning,
            description:
                "a remote block routed outside the VXLAN device against calico.vxlanMode (Always: any; "
                + "CrossSubnet: to a node outside this node's subnet), or against the block's IPPool vxlanMode from the cluster"),
        CheckDescriptor(
            id: .crossSubnetSourceDestCheck, area: "calico-vxlan", defaultSeverity: .info,
            description:
                "CrossSubnet routes on an EC2 instance: the ENI's source/destination check must be disabled "
                + "(not visible from the node)"),
        CheckDescriptor(
            id: .vxlanChecksumOffload, area: "calico-vxlan", defaultSeverity: .warning,
            description: "tx checksum offload on the VXLAN device with a kernel older than 5.7 (calico#3145)"),
        CheckDescriptor(
            id: .customNetworkingMismatch, area: "aws-vpc-cni", defaultSeverity: .warning,
            description:
                "VPC CNI custom networking in use (no pod on the primary ENI or its subnet) but not configured, "
                + "or configured but not in use"),
        CheckDescriptor(
            id: .neighbourTablePressure, area: "host", defaultSeverity: .warning,
            description:
                "neighbour (ARP/NDP) entries at 90 % of gc_thresh3 or more (critical at the limit: "
                + "\"neighbour table overflow\")"),
        CheckDescriptor(
            id: .conntrackTablePressure, area: "host", defaultSeverity: .warning,
            description: "nf_conntrack_count at 90 % of nf_conntrack_max or more (critical when full)"),
        CheckDescriptor(
            id: .clusterAPIUnreachable, area: "cluster", defaultSeverity: .info,
            description: "the Kubernetes API is unreachable: the last good cluster view is used"),
        CheckDescriptor(
            id: .clusterViewStale, area: "cluster", defaultSeverity: .warning,
            description: "no cluster view, or one older than kubernetes.maxViewAgeSeconds: the cluster-derived checks did not run"),
        CheckDescriptor(
            id: .clusterNodeUnknown, area: "cluster", defaultSeverity: .warning,
            description: "the cluster has no Node of this node's name"),
        CheckDescriptor(
            id: .vxlanVTEPMissing, area: "calico-vxlan", defaultSeverity: .critical,
            description: "another node's VTEP (neighbour tunnel IP → MAC, FDB MAC → node IP) is not programmed"),
        CheckDescriptor(
            id: .vxlanVTEPStale, area: "calico-vxlan", defaultSeverity: .critical,
            description: "another node's VTEP is programmed with a MAC or node address its Node object no longer has"),
        CheckDescriptor(
            id: .blockRouteLeaked, area: "calico-vxlan", defaultSeverity: .warning,
            description: "a block route (through the VXLAN device, or a blackhole) for a block no node owns"),
        CheckDescriptor(
            id: .eniPodRouteMissing, area: "aws-vpc-cni", defaultSeverity: .critical,
            description: "a pod IP ipamd allocated has no /32 route to an eni… veth"),
        CheckDescriptor(
            id: .eniFromRuleMissing, area: "aws-vpc-cni", defaultSeverity: .critical,
            description: "a pod IP of a secondary ENI lacks its `from POD lookup TABLE` rule (priority 1536)"),
        CheckDescriptor(
            id: .eniIPLeaked, area: "aws-vpc-cni", defaultSeverity: .warning,
            description: "a pod route or rule for an IP ipamd has not allocated"),
        CheckDescriptor(
            id: .ipamdNoFreeIP, area: "aws-vpc-cni", defaultSeverity: .warning,
            description: "below maxPods, but ipamd has no free IP (all assigned or cooling down): new pods fail to get one"),
        CheckDescriptor(
            id: .crossSubnetRouteWrongGateway, area: "calico-vxlan", defaultSeverity: .critical,
            description: "a block routed directly (CrossSubnet, owner in this node's subnet) via another address than its owner's"),
        CheckDescriptor(
            id: .ipPoolNodeSelectorInvalid, area: "cluster", defaultSeverity: .warning,
            description: "an enabled IPPool's nodeSelector does not parse: Calico's IPAM fails every automatic assignment"),
    ]

    static let catalogueByID: [CheckID: CheckDescriptor] = Dictionary(
        catalogue.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
}
