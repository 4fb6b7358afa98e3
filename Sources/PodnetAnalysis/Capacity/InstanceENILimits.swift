/// The virtualisation an EC2 instance type runs on, as EC2's `DescribeInstanceTypes` reports it.
public enum Hypervisor: String, Sendable, Hashable, Codable, CaseIterable {
    /// The Nitro system: the only hypervisor on which the calculator counts prefix delegation.
    case nitro
    /// The older Xen hypervisor (t2, m4, c4, …).
    case xen
    /// No hypervisor reported: bare-metal types and a few old ones.
    case unknown
}

/// How many ENIs one network card of an instance type takes.
public struct NetworkCardENIs: Sendable, Hashable {
    /// The network card's index (0 is the default card on every type in the table).
    public let index: Int
    /// The maximum number of ENIs attached through this card.
    public let maxENIs: Int

    /// A card with its ENI limit.
    public init(index: Int, maxENIs: Int) {
        self.index = index
        self.maxENIs = maxENIs
    }
}

/// One row of the instance table: the ENI and IPv4 limits of an EC2 instance type.
public struct InstanceENILimits: Sendable, Hashable {
    /// The instance type, e.g. `m5.large`.
    public let instanceType: String
    /// The maximum number of ENIs on the default network card (the ones the VPC CNI uses).
    public let maxENIs: Int
    /// IPv4 addresses per ENI, the ENI's primary address included.
    public let ipv4PerENI: Int
    /// The index of the default network card.
    public let defaultNetworkCardIndex: Int
    /// How many network cards the type has.
    public let networkCards: Int
    /// The ENI limit of each network card, in the table's order.
    public let maxENIsPerCard: [NetworkCardENIs]
    /// The hypervisor the type runs on.
    public let hypervisor: Hypervisor
    /// Whether the type is a bare-metal one.
    public let bareMetal: Bool
    /// The type's vCPU count (EC2's `DefaultVCpus`), which chooses the recommended max-pods cap;
    /// nil when the vCPU table does not list the type.
    public let defaultVCPUs: Int?

    /// A row of the table.
    public init(
        instanceType: String, maxENIs: Int, ipv4PerENI: Int, defaultNetworkCardIndex: Int,
        networkCards: Int, maxENIsPerCard: [NetworkCardENIs], hypervisor: Hypervisor, bareMetal: Bool,
        defaultVCPUs: Int? = nil
    ) {
        self.instanceType = instanceType
        self.maxENIs = maxENIs
        self.ipv4PerENI = ipv4PerENI
        self.defaultNetworkCardIndex = defaultNetworkCardIndex
        self.networkCards = networkCards
        self.maxENIsPerCard = maxENIsPerCard
        self.hypervisor = hypervisor
        self.bareMetal = bareMetal
        self.defaultVCPUs = defaultVCPUs
    }

    /// The same row with its vCPU count.
    func withDefaultVCPUs(_ count: Int?) -> InstanceENILimits {
        InstanceENILimits(
            instanceType: instanceType, maxENIs: maxENIs, ipv4PerENI: ipv4PerENI,
            defaultNetworkCardIndex: defaultNetworkCardIndex, networkCards: networkCards,
            maxENIsPerCard: maxENIsPerCard, hypervisor: hypervisor, bareMetal: bareMetal, defaultVCPUs: count)
    }

    /// The instance family: the part of the type's name before the first dot (`m5` for `m5.large`).
    public var family: Substring { instanceType.prefix { $0 != "." } }

    /// The ENIs of all network cards together (more than `maxENIs` on multi-card types).
    public var totalENIs: Int { maxENIsPerCard.reduce(0) { $0 + $1.maxENIs } }
}
