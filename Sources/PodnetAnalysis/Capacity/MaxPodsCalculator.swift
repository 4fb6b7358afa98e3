/// AWS's `max-pods-calculator.sh` (awslabs/amazon-eks-ami), offline, on the embedded ENI table.
///
/// ENIs are those of the default network card; an ENI limit (`--cni-max-eni`) takes
/// `min(limit, ENIs)` first, then custom networking subtracts 1. Secondary-IP mode gives
/// `ENIs × (IPs − 1) + 2`; prefix delegation, counted only on hypervisor `nitro` (anything else
/// silently falls back to secondary IPs), gives `ENIs × ((IPs − 1) × 16) + 2`. The recommended
/// value caps that at 110 with 30 vCPUs or fewer and at 250 above 30, in both modes.
///
/// Unlike the script, there is no CNI version input: prefix delegation is assumed supported
/// (VPC CNI 1.9 or later) whenever it is asked for.
public struct MaxPodsCalculator: Sendable {
    /// Pod addresses per delegated /28 prefix.
    public static let ipsPerPrefix = 16
    /// The recommended cap for instances with `highCPUThreshold` vCPUs or fewer.
    public static let lowCPUCap = 110
    /// The recommended cap for instances with more than `highCPUThreshold` vCPUs.
    public static let highCPUCap = 250
    /// Above this many vCPUs (strictly), the higher cap applies.
    public static let highCPUThreshold = 30

    /// The instance table the calculator reads.
    public let table: ENILimitsTable

    /// A calculator over `table`, by default the one embedded in the binary.
    public init(table: ENILimitsTable = .embedded) {
        self.table = table
    }

    /// The recommended cap for an instance with `vCPUs` vCPUs: 110, or 250 above 30 vCPUs.
    public static func cap(forVCPUs vCPUs: Int) -> Int {
        vCPUs > highCPUThreshold ? highCPUCap : lowCPUCap
    }

    /// The table row of an instance type (named leniently), or `unknownInstanceType` with suggestions.
    public func limits(for instanceType: String) throws(MaxPodsError) -> InstanceENILimits {
        guard let limits = table.lookup(instanceType) else {
            throw .unknownInstanceType(instanceType, suggestions: table.suggestions(for: instanceType))
        }
        return limits
    }

    /// The max-pods value of an instance type, as the script prints it, with its derivation.
    ///
    /// - Parameters:
    ///   - instanceType: an EC2 instance type, e.g. `m5.large`.
    ///   - vCPUs: the instance's vCPU count, which chooses the cap (110, or 250 above 30); nil: the
    ///     type's own (`DefaultVCpus` from the vCPU table), as AWS's calculator takes it, and
    ///     `unknownVCPUs` when the table does not list the type.
    ///   - prefixDelegation: whether the VPC CNI runs with prefix delegation.
    ///   - customNetworking: whether the VPC CNI runs with custom networking (one ENI fewer).
    ///   - maxENIs: the most ENIs the VPC CNI may use (`--cni-max-eni`), if limited.
    ///   - showMaxAllowed: answer the uncapped value (`--show-max-allowed`) instead of the capped one.
    public func calculate(
        instanceType: String, vCPUs givenVCPUs: Int?, prefixDelegation: Bool = false,
        customNetworking: Bool = false, maxENIs: Int? = nil, showMaxAllowed: Bool = false
    ) throws(MaxPodsError) -> MaxPodsResult {
        let limits = try limits(for: instanceType)
        guard let vCPUs = givenVCPUs ?? limits.defaultVCPUs else { throw .unknownVCPUs(limits.instanceType) }
        guard vCPUs >= 1 else { throw .invalidVCPUs(vCPUs) }
        let capacity = try capacity(
            of: limits, prefixDelegation: prefixDelegation, customNetworking: customNetworking,
            maxENIs: maxENIs)
        let cap = Self.cap(forVCPUs: vCPUs)
        let recommended = min(cap, capacity.pods)
        let maxPods = showMaxAllowed ? capacity.pods : recommended

        var notes: [String] = []
        if let maxENIs {
            if maxENIs < limits.maxENIs {
                notes.append(
                    "ENI limit \(maxENIs): \(maxENIs) of the instance's \(limits.maxENIs) ENIs used")
            } else {
                notes.append(
                    "ENI limit \(maxENIs) is not below the instance's \(limits.maxENIs) ENIs: all used")
            }
        }
        if customNetworking {
            let unit = capacity.enis == 1 ? "ENI" : "ENIs"
            notes.append(
                "custom networking: the primary ENI carries no pods,"
                    + " \(capacity.enis + 1) − 1 = \(capacity.enis) \(unit)")
        }
        if capacity.prefixDelegationFellBack {
            let kind = limits.bareMetal ? " (bare metal)" : ""
            notes.append(
                "prefix delegation counts only on hypervisor nitro and \(limits.instanceType)'s is"
                    + " \(limits.hypervisor.rawValue)\(kind): the secondary-IP formula was used, as"
                    + " max-pods-calculator.sh does")
        }
        if limits.networkCards > 1 {
            notes.append(
                "\(limits.networkCards) network cards: only the default card's \(limits.maxENIs) of"
                    + " \(limits.totalENIs) ENIs count")
        }

        return MaxPodsResult(
            instanceType: limits.instanceType, maxPods: maxPods, maxAllowed: capacity.pods,
            recommended: recommended, enis: capacity.enis, instanceEnis: limits.maxENIs,
            ipv4PerEni: limits.ipv4PerENI, formula: capacity.formula, mode: capacity.mode,
            cap: showMaxAllowed ? nil : cap, capApplied: maxPods < capacity.pods, vcpus: vCPUs,
            vcpusSource: givenVCPUs == nil ? .instanceType : .given,
            hypervisor: limits.hypervisor, prefixDelegation: prefixDelegation,
            prefixDelegationFellBack: capacity.prefixDelegationFellBack,
            customNetworking: customNetworking, maxEnisLimit: maxENIs, notes: notes)
    }

    /// The pods an instance type's ENIs can hold, uncapped (the script's `--show-max-allowed`).
    ///
    /// With the defaults this is AWS's official secondary-IP number (`eni-max-pods.txt`), which
    /// AL2023 nodes use as kubelet's maxPods.
    public func ipCapacity(
        instanceType: String, prefixDelegation: Bool = false, customNetworking: Bool = false,
        maxENIs: Int? = nil
    ) throws(MaxPodsError) -> Int {
        try capacity(
            of: limits(for: instanceType), prefixDelegation: prefixDelegation,
            customNetworking: customNetworking, maxENIs: maxENIs
        ).pods
    }

    /// The recommended max-pods value: the IP capacity capped at 110 (≤ 30 vCPUs) or 250.
    ///
    /// With the defaults this is the capped secondary-IP number that EKS managed node groups and
    /// the script without flags give.
    public func recommendedMaxPods(
        instanceType: String, vCPUs: Int, prefixDelegation: Bool = false,
        customNetworking: Bool = false, maxENIs: Int? = nil
    ) throws(MaxPodsError) -> Int {
        try calculate(
            instanceType: instanceType, vCPUs: vCPUs, prefixDelegation: prefixDelegation,
            customNetworking: customNetworking, maxENIs: maxENIs
        ).recommended
    }

    /// The uncapped pod count and how it came about (no vCPUs needed: nothing is capped).
    ///
    /// `pods` is what `ipCapacity` returns; `formula` shows the numbers, e.g. `3 × (6 − 1) + 2 = 17`.
    public func ipCapacityDetails(
        instanceType: String, prefixDelegation: Bool = false, customNetworking: Bool = false,
        maxENIs: Int? = nil
    ) throws(MaxPodsError) -> IPCapacity {
        try capacity(
            of: limits(for: instanceType), prefixDelegation: prefixDelegation,
            customNetworking: customNetworking, maxENIs: maxENIs)
    }

    private func capacity(
        of limits: InstanceENILimits, prefixDelegation: Bool, customNetworking: Bool, maxENIs: Int?
    ) throws(MaxPodsError) -> IPCapacity {
        var enis = limits.maxENIs
        if let maxENIs {
            guard maxENIs >= 1 else { throw .invalidMaxENIs(maxENIs) }
            enis = min(maxENIs, enis)
        }
        if customNetworking {
            enis -= 1
            guard enis >= 1 else {
                throw .noENIsForPods(
                    instanceType: limits.instanceType, instanceENIs: limits.maxENIs, maxENIs: maxENIs)
            }
        }
        let ips = limits.ipv4PerENI
        let usePrefixes = prefixDelegation && limits.hypervisor == .nitro
        if usePrefixes {
            let value = enis * ((ips - 1) * Self.ipsPerPrefix) + 2
            return IPCapacity(
                enis: enis, ipv4PerENI: ips, mode: .prefixDelegation, prefixDelegationFellBack: false, pods: value,
                formula: "\(enis) × ((\(ips) − 1) × \(Self.ipsPerPrefix)) + 2 = \(value)")
        }
        let value = enis * (ips - 1) + 2
        return IPCapacity(
            enis: enis, ipv4PerENI: ips, mode: .secondaryIP, prefixDelegationFellBack: prefixDelegation,
            pods: value, formula: "\(enis) × (\(ips) − 1) + 2 = \(value)")
    }
}
