/// How the VPC CNI hands out pod IPs, for the max-pods formula.
public enum MaxPodsMode: String, Sendable, Hashable, Codable {
    /// One secondary IPv4 address per pod: `ENIs × (IPs − 1) + 2`.
    case secondaryIP = "secondary-ip"
    /// A /28 prefix (16 addresses) per ENI slot: `ENIs × ((IPs − 1) × 16) + 2`.
    case prefixDelegation = "prefix-delegation"
}

/// Where the vCPU count that chooses the max-pods cap came from.
public enum VCPUSource: String, Sendable, Hashable, Codable {
    /// Given by the caller (`--vcpus`, or the node's own count).
    case given
    /// The instance type's `DefaultVCpus`, from the vCPU table.
    case instanceType = "instance-type"
}

/// A max-pods value and how it was derived, as `podnetd max-pods` prints it (text or JSON).
public struct MaxPodsResult: Sendable, Codable, Equatable {
    /// The instance type, as the table spells it.
    public let instanceType: String
    /// The answer: `recommended`, or `maxAllowed` when the uncapped value was asked for.
    public let maxPods: Int
    /// The uncapped value: the pods the ENIs can hold (`--show-max-allowed`).
    public let maxAllowed: Int
    /// The recommended value: `maxAllowed` capped at 110 (≤ 30 vCPUs) or 250 (> 30 vCPUs).
    public let recommended: Int
    /// The ENIs counted for pods, after the ENI limit and custom networking.
    public let enis: Int
    /// The ENIs of the instance type's default network card.
    public let instanceEnis: Int
    /// IPv4 addresses per ENI.
    public let ipv4PerEni: Int
    /// The formula with its numbers, e.g. `3 × (6 − 1) + 2 = 17`.
    public let formula: String
    /// The formula used.
    public let mode: MaxPodsMode
    /// The cap applied to `maxPods`; nil when the uncapped value was asked for.
    public let cap: Int?
    /// Whether the cap lowered the value (`maxPods < maxAllowed`).
    public let capApplied: Bool
    /// The vCPU count that chose the cap.
    public let vcpus: Int
    /// Where `vcpus` came from: given by the caller, or the instance type's own count.
    public let vcpusSource: VCPUSource
    /// The instance type's hypervisor.
    public let hypervisor: Hypervisor
    /// Whether prefix delegation was asked for.
    public let prefixDelegation: Bool
    /// Whether prefix delegation was asked for but the secondary-IP formula was used (not Nitro).
    public let prefixDelegationFellBack: Bool
    /// Whether custom networking was on (one ENI fewer).
    public let customNetworking: Bool
    /// The ENI limit given (`--cni-max-eni`), if any.
    public let maxEnisLimit: Int?
    /// Explanations of what changed the numbers (fallback, ENI limit, custom networking, cards).
    public let notes: [String]

    /// The JSON keys (camelCase, as the properties).
    private enum CodingKeys: String, CodingKey {
        case instanceType, maxPods, maxAllowed, recommended, enis, instanceEnis, ipv4PerEni, formula
        case mode, cap, capApplied, vcpus, vcpusSource, hypervisor, prefixDelegation, prefixDelegationFellBack
        case customNetworking, maxEnisLimit, notes
    }

    /// Encodes every key, absent optionals as `null`, so the JSON always has the same shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(instanceType, forKey: .instanceType)
        try container.encode(maxPods, forKey: .maxPods)
        try container.encode(maxAllowed, forKey: .maxAllowed)
        try container.encode(recommended, forKey: .recommended)
        try container.encode(enis, forKey: .enis)
        try container.encode(instanceEnis, forKey: .instanceEnis)
        try container.encode(ipv4PerEni, forKey: .ipv4PerEni)
        try container.encode(formula, forKey: .formula)
        try container.encode(mode, forKey: .mode)
        try container.encode(cap, forKey: .cap)
        try container.encode(capApplied, forKey: .capApplied)
        try container.encode(vcpus, forKey: .vcpus)
        try container.encode(vcpusSource, forKey: .vcpusSource)
        try container.encode(hypervisor, forKey: .hypervisor)
        try container.encode(prefixDelegation, forKey: .prefixDelegation)
        try container.encode(prefixDelegationFellBack, forKey: .prefixDelegationFellBack)
        try container.encode(customNetworking, forKey: .customNetworking)
        try container.encode(maxEnisLimit, forKey: .maxEnisLimit)
        try container.encode(notes, forKey: .notes)
    }
}
