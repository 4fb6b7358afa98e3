/// A node programmed the way the AWS VPC CNI programs one: two ENIs (eth0, eth1 with its own route
/// table 2), `eni…` veths to pods with `/32 scope link` routes, `to POD lookup main` (512) rules, and
/// `from POD lookup 2` (1536) for the pod whose IP belongs to the secondary ENI.
///
/// With `customNetworking`, built as custom networking leaves a node: eth1 in another subnet
/// (100.64.1.0/24, an ENIConfig's), both pods on it (100.64.1.50, .51, each `from POD lookup 2`) and
/// none in eth0's 10.0.0.0/24.
public final class VPCCNINode {
    public let namespace: NetworkNamespace
    public let underlay: NetworkNamespace
    public private(set) var pods: [NetworkNamespace] = []

    public static let primaryPodIP = "10.0.0.50"
    public static let secondaryPodIP = "10.0.1.51"
    public static let primaryPodInterface = "eni3f2a9c1d7b0"
    public static let secondaryPodInterface = "eni8e41b25c6a9"

    public static let customPrimaryPodIP = "100.64.1.50"
    public static let customSecondaryPodIP = "100.64.1.51"

    public let customNetworking: Bool

    /// Builds the node inside `namespace` (the caller's); the underlay and pod namespaces are the node's.
    public init(in namespace: NetworkNamespace, customNetworking: Bool = false) throws {
        self.namespace = namespace
        self.customNetworking = customNetworking
        underlay = try NetworkNamespace(purpose: "vpc-underlay")
        do {
            try build()
        } catch {
            tearDown()
            throw error
        }
    }

    deinit { tearDown() }

    /// Deletes the underlay and pod namespaces (idempotent).
    public func tearDown() {
        pods.forEach { $0.delete() }
        underlay.delete()
    }

    private func build() throws {
        let ns = namespace
        try ns.sysctl("net.ipv4.ip_forward", "1")
        let eth1 = customNetworking ? ("eth1", "100.64.1.10", "100.64.1.1") : ("eth1", "10.0.1.10", "10.0.1.1")
        for (device, hostIP, gateway) in [("eth0", "10.0.0.10", "10.0.0.1"), eth1] {
            try ns.ip("link", "add", device, "mtu", "9001", "type", "veth", "peer", "name", device, "netns", underlay.name)
            try underlay.ip("link", "set", device, "up")
            try underlay.ip("addr", "add", "\(gateway)/24", "dev", device)
            try ns.ip("link", "set", device, "up")
            try ns.ip("addr", "add", "\(hostIP)/24", "dev", device)
        }
        try ns.sysctl("net/ipv4/conf/eth0/rp_filter", "2")
        try ns.ip("route", "add", "default", "via", "10.0.0.1", "dev", "eth0")
        try ns.ip("route", "add", "default", "via", eth1.2, "dev", "eth1", "table", "2")
        try ns.ip("route", "add", customNetworking ? "100.64.1.0/24" : "10.0.1.0/24", "dev", "eth1", "scope", "link", "table", "2")
        try ns.ip("rule", "add", "from", eth1.1, "lookup", "2", "priority", "32765")
        if customNetworking {
            try addPod(Self.primaryPodInterface, ip: Self.customPrimaryPodIP, table: 2)
            try addPod(Self.secondaryPodInterface, ip: Self.customSecondaryPodIP, table: 2)
        } else {
            try addPod(Self.primaryPodInterface, ip: Self.primaryPodIP, table: nil)
            try addPod(Self.secondaryPodInterface, ip: Self.secondaryPodIP, table: 2)
        }
    }

    private func addPod(_ interface: String, ip: String, table: Int?) throws {
        let ns = namespace
        let pod = try NetworkNamespace(purpose: "vpc-pod")
        pods.append(pod)
        try ns.ip("link", "add", interface, "mtu", "9001", "type", "veth", "peer", "name", "eth0", "netns", pod.name)
        try ns.ip("link", "set", interface, "up")
        try pod.ip("link", "set", "eth0", "up")
        try pod.ip("addr", "add", "\(ip)/32", "dev", "eth0")
        try pod.ip("route", "add", "169.254.1.1", "dev", "eth0", "scope", "link")
        try pod.ip("route", "add", "default", "via", "169.254.1.1", "dev", "eth0")
        try ns.ip("route", "add", ip, "dev", interface, "scope", "link")
        try ns.ip("rule", "add", "to", ip, "lookup", "main", "priority", "512")
        if let table {
            try ns.ip("rule", "add", "from", ip, "lookup", "\(table)", "priority", "1536")
        }
    }
}
