import Foundation

/// A Kubernetes worker node running Calico in VXLAN mode, built with `ip`/`bridge` in a test namespace.
///
/// Defaults (node-state.md): underlay veth `eth0` 10.0.0.10/24 (MTU 9001, peer 10.0.0.1 in an
/// "underlay" namespace, default route via it), `fd00:10::10/64` and `fd00:99::/64 via fd00:10::1`;
/// `vxlan.calico` (VNI 4096, port 4789, nolearning, local 10.0.0.10, dev eth0, MTU 8951) with
/// 192.168.231.0/32; `blackhole 192.168.231.0/26 proto 80`; three workloads: `cali` + 11 hex veths
/// (MAC ee:ee:ee:ee:ee:ee, MTU 8951, proxy_arp on) whose peers are `eth0` in their own pod namespaces
/// with 192.168.231.1…, each with `192.168.231.N dev caliX scope link`; one remote block
/// `192.168.35.0/26 via 192.168.35.0 dev vxlan.calico onlink proto 80` with its permanent neighbour
/// and FDB entry (dst 10.0.0.20); rule `from 192.168.231.1 lookup 2 priority 1536` with
/// `default via 10.0.0.1 dev eth0 table 2`; net.ipv4.ip_forward=1.
///
/// Every piece can be left out or changed through the properties, and broken or restored at run time
/// through the returned `CalicoNode`.
public struct CalicoNodeScenario: Sendable {
    /// A remote node's VTEP and the IPAM block routed to it.
    public struct RemoteBlock: Sendable, Hashable {
        /// The remote node's block, e.g. `192.168.35.0/26`.
        public var block: String
        /// The remote node's VXLAN tunnel address (the route's `via`, the neighbour's IP).
        public var tunnelIP: String
        /// The remote node's `vxlan.calico` MAC (neighbour lladdr, FDB MAC).
        public var tunnelMAC: String
        /// The remote node's underlay IP (FDB `dst`).
        public var hostIP: String
        public var route: Bool
        public var neighbour: Bool
        public var fdb: Bool

        public init(
            block: String, tunnelIP: String, tunnelMAC: String, hostIP: String, route: Bool = true,
            neighbour: Bool = true, fdb: Bool = true
        ) {
            self.block = block
            self.tunnelIP = tunnelIP
            self.tunnelMAC = tunnelMAC
            self.hostIP = hostIP
            self.route = route
            self.neighbour = neighbour
            self.fdb = fdb
        }

        /// 192.168.35.0/26 on node 10.0.0.20.
        public static let standard = RemoteBlock(
            block: "192.168.35.0/26", tunnelIP: "192.168.35.0", tunnelMAC: "66:35:00:00:00:20", hostIP: "10.0.0.20")
    }

    public var nodeIP = "10.0.0.10"
    public var underlayPrefixLength = 24
    public var gatewayIP = "10.0.0.1"
    public var underlayMTU = 9001
    /// `default via gatewayIP dev eth0` in the main table.
    public var defaultRoute = true

    public var vxlanDevice = "vxlan.calico"
    public var vni = 4096
    public var vxlanPort = 4789
    public var vxlanMTU = 8951
    /// The interface `vxlan.calico` is created on (its `dev`).
    public var vxlanUnderlay = "eth0"
    /// The device's `local` address; nil: `nodeIP`.
    public var vxlanLocal: String? = nil
    /// A second NIC `eth1` (a veth to the underlay namespace) with this address and prefix length,
    /// e.g. `172.31.0.10/24`; nil: none.
    public var secondNIC: String? = nil
    /// The node's tunnel address (a /32 on the VXLAN device).
    public var tunnelAddress = "192.168.231.0"

    /// The node's own IPAM block.
    public var localBlock = "192.168.231.0/26"
    /// `blackhole localBlock proto 80`.
    public var blackhole = true

    /// Number of local pods (each with its own namespace): IPs are the local block's .1, .2, ….
    public var workloads = 3
    /// Workload numbers (1-based) whose `dev caliX scope link` route is left out.
    public var workloadsWithoutRoute: Set<Int> = []
    /// proxy_arp on the cali interfaces (Calico sets it).
    public var proxyARP = true

    public var remoteBlocks: [RemoteBlock] = [.standard]

    /// `fd00:10::10/64` on eth0 and `fd00:99::/64 via fd00:10::1`.
    public var ipv6 = true
    /// `from <first workload IP> lookup 2 priority 1536` and `default via gatewayIP dev eth0 table 2`.
    public var policyRule = true
    /// net.ipv4.ip_forward.
    public var ipForwarding = true
    /// net.ipv6.conf.all.forwarding.
    public var ipv6Forwarding = false
    /// Turns IPv6 duplicate address detection off in the node namespace before any interface exists,
    /// so addresses are never `tentative` (state does not change under a test's feet).
    public var disableIPv6DAD = true

    public init() {}

    /// The standard node with some fields changed: `CalicoNodeScenario.with { $0.workloads = 5 }`.
    public static func with(_ change: (inout CalicoNodeScenario) -> Void) -> CalicoNodeScenario {
        var scenario = CalicoNodeScenario()
        change(&scenario)
        return scenario
    }

    /// The pod IP of workload `number` (1-based): the local block's network address + number.
    public func podIP(_ number: Int) -> String {
        let network = localBlock.split(separator: "/").first.map(String.init) ?? localBlock
        var octets = network.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return network }
        octets[3] += number
        return octets.map(String.init).joined(separator: ".")
    }

    /// The host-side interface name of workload `number`: `cali` + 11 hex characters.
    public func workloadInterface(_ number: Int) -> String {
        let value = UInt64(0x5f0e_1c2a_90) &+ UInt64(number) &* 0x1_0101_0101
        let hex = String(value & 0xfff_ffff_ffff, radix: 16)
        return "cali" + String(repeating: "0", count: 11 - hex.count) + hex
    }

    /// Builds the node inside `namespace` (which the caller owns and deletes). The underlay and pod
    /// namespaces belong to the returned node: delete them with `CalicoNode.tearDown()` (also done
    /// on deinit), or use `withCalicoNode`, which cleans up everything.
    public func build(in namespace: NetworkNamespace) throws -> CalicoNode {
        let node = CalicoNode(scenario: self, namespace: namespace, underlay: try NetworkNamespace(purpose: "underlay"))
        do {
            try node.build()
        } catch {
            node.tearDown()
            throw error
        }
        return node
    }
}

/// A built `CalicoNodeScenario`: its namespaces and methods to break and restore pieces.
public final class CalicoNode: @unchecked Sendable {
    // @unchecked: the properties are set during `build()` (before the node is handed out) and read-only after.

    /// One local pod.
    public struct Workload: Sendable {
        /// 1-based.
        public let number: Int
        /// The host-side `cali…` interface in the node namespace.
        public let interface: String
        public let podIP: String
        /// The pod's namespace (its `eth0` is the veth peer).
        public let pod: NetworkNamespace
    }

    public let scenario: CalicoNodeScenario
    /// The node's namespace (owned by the caller).
    public let namespace: NetworkNamespace
    /// Holds the other end of `eth0` (the gateway and the remote hosts' underlay IPs).
    public let underlay: NetworkNamespace
    public private(set) var workloads: [Workload] = []

    init(scenario: CalicoNodeScenario, namespace: NetworkNamespace, underlay: NetworkNamespace) {
        self.scenario = scenario
        self.namespace = namespace
        self.underlay = underlay
    }

    deinit { tearDown() }

    /// Deletes the underlay and pod namespaces (idempotent). The node namespace is the caller's.
    public func tearDown() {
        for workload in workloads { workload.pod.delete() }
        underlay.delete()
    }

    fileprivate func build() throws {
        let s = scenario
        let ns = namespace
        if s.disableIPv6DAD {
            try ns.sysctl("net.ipv6.conf.all.accept_dad", "0")
            try ns.sysctl("net.ipv6.conf.default.accept_dad", "0")
        }
        try ns.sysctl("net.ipv4.ip_forward", s.ipForwarding ? "1" : "0")
        try ns.sysctl("net.ipv6.conf.all.forwarding", s.ipv6Forwarding ? "1" : "0")

        // Underlay: eth0 here, its peer (the gateway) in the underlay namespace.
        try ns.ip(
            "link", "add", "eth0", "mtu", "\(s.underlayMTU)", "type", "veth", "peer", "name", "eth0", "netns",
            underlay.name)
        try underlay.ip("link", "set", "eth0", "up")
        try underlay.ip("addr", "add", "\(s.gatewayIP)/\(s.underlayPrefixLength)", "dev", "eth0")
        for remote in s.remoteBlocks {
            try underlay.ip("addr", "add", "\(remote.hostIP)/32", "dev", "eth0")
        }
        try ns.ip("link", "set", "eth0", "up")
        try ns.ip("addr", "add", "\(s.nodeIP)/\(s.underlayPrefixLength)", "dev", "eth0")
        if s.defaultRoute {
            try ns.ip("route", "add", "default", "via", s.gatewayIP, "dev", "eth0")
        }
        if s.ipv6 {
            try underlay.ip("-6", "addr", "add", "fd00:10::1/64", "dev", "eth0", "nodad")
            try ns.ip("-6", "addr", "add", "fd00:10::10/64", "dev", "eth0", "nodad")
            try ns.ip("-6", "route", "add", "fd00:99::/64", "via", "fd00:10::1", "dev", "eth0")
        }

        if let secondNIC = s.secondNIC {
            try ns.ip(
                "link", "add", "eth1", "mtu", "\(s.underlayMTU)", "type", "veth", "peer", "name", "eth1", "netns",
                underlay.name)
            try underlay.ip("link", "set", "eth1", "up")
            try ns.ip("link", "set", "eth1", "up")
            try ns.ip("addr", "add", secondNIC, "dev", "eth1")
        }

        // vxlan.calico
        try ns.ip(
            "link", "add", s.vxlanDevice, "mtu", "\(s.vxlanMTU)", "type", "vxlan", "id", "\(s.vni)", "dstport",
            "\(s.vxlanPort)", "local", s.vxlanLocal ?? s.nodeIP, "dev", s.vxlanUnderlay, "nolearning")
        try ns.ip("link", "set", s.vxlanDevice, "up")
        try ns.ip("addr", "add", "\(s.tunnelAddress)/32", "dev", s.vxlanDevice)
        if s.blackhole {
            try ns.ip("route", "add", "blackhole", s.localBlock, "proto", "80")
        }

        // Remote VTEPs and their blocks.
        for remote in s.remoteBlocks {
            if remote.neighbour { try addNeighbour(remote) }
            if remote.fdb { try addFDB(remote) }
            if remote.route { try addRemoteRoute(remote) }
        }

        // Local workloads.
        if s.workloads > 0 {
            for number in 1...s.workloads {
                try addWorkload(number)
            }
        }

        if s.policyRule && s.workloads > 0 {
            try ns.ip("route", "add", "default", "via", s.gatewayIP, "dev", "eth0", "table", "2")
            try ns.ip("rule", "add", "from", s.podIP(1), "lookup", "2", "priority", "1536")
        }
    }

    private func addWorkload(_ number: Int) throws {
        let s = scenario
        let ns = namespace
        let interface = s.workloadInterface(number)
        let pod = try NetworkNamespace(purpose: "pod\(number)")
        let workload = Workload(number: number, interface: interface, podIP: s.podIP(number), pod: pod)
        workloads.append(workload)  // appended first, so tearDown() deletes it if a step below fails
        try ns.ip(
            "link", "add", interface, "mtu", "\(s.vxlanMTU)", "type", "veth", "peer", "name", "eth0", "netns", pod.name)
        try ns.ip("link", "set", interface, "address", "ee:ee:ee:ee:ee:ee")
        try ns.sysctl("net/ipv4/conf/\(interface)/proxy_arp", s.proxyARP ? "1" : "0")
        try ns.ip("link", "set", interface, "up")
        try pod.ip("link", "set", "eth0", "up")
        try pod.ip("addr", "add", "\(workload.podIP)/32", "dev", "eth0")
        try pod.ip("route", "add", "169.254.1.1", "dev", "eth0", "scope", "link")
        try pod.ip("route", "add", "default", "via", "169.254.1.1", "dev", "eth0")
        if !s.workloadsWithoutRoute.contains(number) {
            try addWorkloadRoute(number)
        }
    }

    // MARK: - Breaking and restoring pieces at run time

    /// The remote block `block` (default: the first).
    private func remote(_ block: String?) throws -> CalicoNodeScenario.RemoteBlock {
        guard
            let remote = block.map({ name in scenario.remoteBlocks.first { $0.block == name } })
                ?? scenario.remoteBlocks.first
        else { throw NamespaceError("the scenario has no remote block \(block ?? "")") }
        return remote
    }

    private func workload(_ number: Int) throws -> Workload {
        guard let workload = workloads.first(where: { $0.number == number }) else {
            throw NamespaceError("the scenario has no workload \(number)")
        }
        return workload
    }

    private func addRemoteRoute(_ remote: CalicoNodeScenario.RemoteBlock) throws {
        try namespace.ip(
            "route", "add", remote.block, "via", remote.tunnelIP, "dev", scenario.vxlanDevice, "onlink", "proto", "80")
    }

    private func addNeighbour(_ remote: CalicoNodeScenario.RemoteBlock) throws {
        try namespace.ip(
            "neigh", "add", remote.tunnelIP, "lladdr", remote.tunnelMAC, "dev", scenario.vxlanDevice, "nud", "permanent"
        )
    }

    private func addFDB(_ remote: CalicoNodeScenario.RemoteBlock) throws {
        try namespace.bridge(
            "fdb", "add", remote.tunnelMAC, "dev", scenario.vxlanDevice, "dst", remote.hostIP, "self", "permanent")
    }

    private func addWorkloadRoute(_ number: Int) throws {
        try namespace.ip(
            "route", "add", scenario.podIP(number), "dev", scenario.workloadInterface(number), "scope", "link")
    }

    /// Deletes the `via … onlink` route of a remote block (default: the first).
    public func deleteRemoteRoute(_ block: String? = nil) throws {
        try namespace.ip("route", "del", try remote(block).block)
    }

    public func restoreRemoteRoute(_ block: String? = nil) throws { try addRemoteRoute(try remote(block)) }

    /// Deletes the permanent neighbour entry of a remote VTEP.
    public func deleteNeighbour(_ block: String? = nil) throws {
        try namespace.ip("neigh", "del", try remote(block).tunnelIP, "dev", scenario.vxlanDevice)
    }

    public func restoreNeighbour(_ block: String? = nil) throws { try addNeighbour(try remote(block)) }

    /// Deletes the FDB entry of a remote VTEP.
    public func deleteFDB(_ block: String? = nil) throws {
        let remote = try remote(block)
        try namespace.bridge("fdb", "del", remote.tunnelMAC, "dev", scenario.vxlanDevice, "dst", remote.hostIP, "self")
    }

    public func restoreFDB(_ block: String? = nil) throws { try addFDB(try remote(block)) }

    /// Deletes the local block's blackhole route.
    public func deleteBlackhole() throws { try namespace.ip("route", "del", "blackhole", scenario.localBlock) }

    public func restoreBlackhole() throws {
        try namespace.ip("route", "add", "blackhole", scenario.localBlock, "proto", "80")
    }

    /// Deletes the `dev caliX scope link` route of workload `number` (1-based).
    public func deleteWorkloadRoute(_ number: Int) throws {
        let workload = try workload(number)
        try namespace.ip("route", "del", workload.podIP, "dev", workload.interface)
    }

    public func restoreWorkloadRoute(_ number: Int) throws { try addWorkloadRoute(try workload(number).number) }

    /// net.ipv4.ip_forward.
    public func setIPForwarding(_ enabled: Bool) throws {
        try namespace.sysctl("net.ipv4.ip_forward", enabled ? "1" : "0")
    }

    /// Sets an interface of the node administratively up or down.
    public func setLink(_ interface: String, up: Bool) throws {
        try namespace.ip("link", "set", interface, up ? "up" : "down")
    }
}

/// Builds `scenario` in a fresh namespace, runs `body`, and deletes every namespace it made (node,
/// underlay, pods) afterwards, whether `body` returns or throws.
public func withCalicoNode<T>(
    _ scenario: CalicoNodeScenario = CalicoNodeScenario(), _ body: (CalicoNode) throws -> T
) throws -> T {
    try withNetworkNamespace(purpose: "node") { namespace in
        let node = try scenario.build(in: namespace)
        defer { node.tearDown() }
        return try body(node)
    }
}

/// The `async` form of `withCalicoNode`.
public func withCalicoNode<T>(
    _ scenario: CalicoNodeScenario = CalicoNodeScenario(), _ body: (CalicoNode) async throws -> T
) async throws -> T {
    try await withNetworkNamespace(purpose: "node") { namespace in
        let node = try scenario.build(in: namespace)
        defer { node.tearDown() }
        return try await body(node)
    }
}
