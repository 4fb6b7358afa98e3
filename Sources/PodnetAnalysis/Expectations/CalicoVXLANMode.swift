/// The encapsulation mode of Calico's IPv4 pools (IPPool `spec.vxlanMode`) that podnetd checks the
/// routes against; the config's `calico.vxlanMode`. Unset: inferred from the routes the node shows.
public enum CalicoVXLANMode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Every remote block goes through the VXLAN device.
    case always = "Always"
    /// Blocks of nodes in the same subnet are routed directly via the node's IP; others through VXLAN.
    case crossSubnet = "CrossSubnet"

    public var description: String { rawValue }
}
