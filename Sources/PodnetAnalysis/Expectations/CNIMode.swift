/// The pod network a node runs, as podnetd checks it.
public enum CNIMode: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Calico with VXLAN encapsulation (`vxlan.calico`, blackhole blocks, cali… veths).
    case calicoVXLAN = "calico-vxlan"
    /// The AWS VPC CNI (aws-node): pod IPs are ENI secondary IPs, eni… veths, policy rules.
    case awsVPCCNI = "aws-vpc-cni"
    /// Plain routed pod CIDRs: each node's pod CIDR routed via that node's IP.
    case hostGW = "host-gw"
    /// Nothing recognised: only the host checks run.
    case unknown

    public var description: String { rawValue }

    /// Whether pods live in an overlay or routed pod network of their own (not in the VPC's subnets).
    public var hasOwnPodNetwork: Bool { self == .calicoVXLAN || self == .hostGW }
}

/// The `cni` setting: detect the pod network, or take the one named.
public enum CNISetting: Sendable, Hashable, CustomStringConvertible {
    case auto
    case fixed(CNIMode)

    /// The setting's config spelling: `auto`, `calico-vxlan`, `aws-vpc-cni` or `host-gw`.
    public var description: String {
        switch self {
        case .auto: "auto"
        case .fixed(let mode): mode.rawValue
        }
    }

    /// Parses the config spelling; nil for anything else (`unknown` is not a setting).
    public init?(configValue: String) {
        if configValue == "auto" {
            self = .auto
        } else if let mode = CNIMode(rawValue: configValue), mode != .unknown {
            self = .fixed(mode)
        } else {
            return nil
        }
    }

    /// The values the config accepts, in the order the documentation lists them.
    public static let configValues = ["auto", "calico-vxlan", "aws-vpc-cni", "host-gw"]
}
