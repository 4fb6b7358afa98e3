/// The pods an instance type's ENIs can hold, uncapped, and how the number came about.
public struct IPCapacity: Sendable, Hashable {
    /// The ENIs counted for pods, after the ENI limit and custom networking.
    public let enis: Int
    /// IPv4 addresses per ENI.
    public let ipv4PerENI: Int
    /// The formula used.
    public let mode: MaxPodsMode
    /// Whether prefix delegation was asked for but the secondary-IP formula was used (not Nitro).
    public let prefixDelegationFellBack: Bool
    /// The pod count: `ENIs × (IPs − 1) + 2`, or `ENIs × ((IPs − 1) × 16) + 2` with prefixes.
    public let pods: Int
    /// The formula with its numbers, e.g. `3 × (6 − 1) + 2 = 17`.
    public let formula: String
}
