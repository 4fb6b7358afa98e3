extension CalicoNodeScenario {
    /// A podnetd config describing what this node should look like: Calico VXLAN, the 192.168.0.0/16
    /// pool, its remote blocks expected behind their tunnel IPs, and a known maxPods and instance
    /// type (so the capacity checks make no guesses). Tests append their own keys.
    public var podnetdConfig: String {
        var lines = [
            "cni: calico-vxlan",
            "podCIDRs: [\"192.168.0.0/16\"]",
            "serviceCIDR: 10.96.0.0/12",
            "maxPods: 110",
            "instanceType: m5.large",
        ]
        if !remoteBlocks.isEmpty {
            lines.append("calico:")
            lines.append("  expectedRemoteBlocks:")
            for remote in remoteBlocks {
                lines.append("    - block: \(remote.block)")
                lines.append("      tunnelIP: \(remote.tunnelIP)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
