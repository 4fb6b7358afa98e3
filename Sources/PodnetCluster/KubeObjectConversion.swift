import PodnetModel

/// Kubernetes objects → podnetd's cluster model. A field that does not parse is left out (nil) rather
/// than failing the whole object: one odd annotation must not blind podnetd to the node.
enum KubeObjectConversion {
    static func node(_ object: NodeObject) -> ClusterNode {
        let annotations = object.metadata.annotations
        // calico-node writes the address with its subnet length (`10.0.0.5/24`); accept a bare address too.
        // libcalico-go validates each annotation for its family and takes one that fails as absent.
        let ipv4 = annotations?.ipv4Address.flatMap { text in
            IPPrefix(text) ?? IPAddress(text).map { IPPrefix(host: $0) }
        }
        let tunnel = annotations?.vxlanTunnelAddress.flatMap(addressOrPrefix).flatMap { $0.family == .ipv4 ? $0 : nil }
        let tunnelV6 = annotations?.vxlanTunnelAddressV6.flatMap(addressOrPrefix).flatMap { $0.family == .ipv6 ? $0 : nil }
        let ipv6 = annotations?.ipv6Address.flatMap { text in
            IPPrefix(text) ?? IPAddress(text).map { IPPrefix(host: $0) }
        }
        var podCIDRs = (object.spec?.podCIDRs ?? []).compactMap { IPPrefix($0)?.network }
        if podCIDRs.isEmpty, let single = object.spec?.podCIDR.flatMap({ IPPrefix($0)?.network }) {
            podCIDRs = [single]
        }
        let internalIPs = (object.status?.addresses ?? []).filter { $0.type == "InternalIP" }.compactMap {
            IPAddress($0.address)
        }
        return ClusterNode(
            name: object.metadata.name, uid: object.metadata.uid ?? "", calicoIPv4Address: ipv4?.family == .ipv4 ? ipv4 : nil,
            vxlanTunnelAddress: tunnel, vxlanTunnelMAC: annotations?.vxlanTunnelMAC.flatMap(HardwareAddress.init),
            internalIPs: internalIPs, podCIDRs: podCIDRs,
            capacityPods: object.status?.capacity?.pods.flatMap { Int($0) },
            instanceType: object.metadata.labels.flatMap { $0[instanceTypeLabel] ?? $0[betaInstanceTypeLabel] },
            calicoIPv6Address: ipv6?.family == .ipv6 ? ipv6 : nil,
            vxlanTunnelAddressV6: tunnelV6,
            vxlanTunnelMACV6: annotations?.vxlanTunnelMACV6.flatMap(HardwareAddress.init))
    }

    static let instanceTypeLabel = "node.kubernetes.io/instance-type"
    /// The label's name before Kubernetes 1.17, still set by some provisioners.
    static let betaInstanceTypeLabel = "beta.kubernetes.io/instance-type"

    /// A bare address, or the address of `ADDRESS/LEN`.
    private static func addressOrPrefix(_ text: String) -> IPAddress? {
        IPAddress(text) ?? IPPrefix(text)?.address
    }

    static func pool(_ object: IPPoolObject) -> CalicoIPPool? {
        guard let cidr = IPPrefix(object.spec.cidr)?.network else { return nil }
        return CalicoIPPool(
            name: object.metadata.name, cidr: cidr, blockSize: object.spec.blockSize,
            vxlanMode: object.spec.vxlanMode ?? "", ipipMode: object.spec.ipipMode ?? "",
            disabled: object.spec.disabled ?? false, nodeSelector: object.spec.nodeSelector ?? "all()")
    }

    static func affinity(_ object: BlockAffinityObject) -> CalicoBlockAffinity? {
        guard let cidr = IPPrefix(object.spec.cidr)?.network else { return nil }
        return CalicoBlockAffinity(
            name: object.metadata.name, cidr: cidr, node: object.spec.node, state: object.spec.state,
            deleted: object.spec.deleted)
    }
}
