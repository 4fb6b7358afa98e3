/// What the AWS VPC CNI's ipamd says about this node's pod IPs: its checkpoint file
/// (`/var/run/aws-node/ipam.json`) and, when reachable, its introspection endpoint
/// (`127.0.0.1:61679/v1/enis`).
public struct IpamdView: Hashable, Sendable, Codable {
    /// Where it came from (the checkpoint path and/or the introspection URL).
    public var source: String
    /// The allocations of the checkpoint (`allocations[]`): one per pod IP in use.
    public var allocations: [IpamdAllocation]
    /// The ENIs from the introspection endpoint; empty when it was not reachable.
    public var enis: [IpamdENI]
    /// Why the introspection endpoint gave nothing, when it did not.
    public var introspectionError: String?

    public init(
        source: String, allocations: [IpamdAllocation] = [], enis: [IpamdENI] = [], introspectionError: String? = nil
    ) {
        self.source = source
        self.allocations = allocations
        self.enis = enis
        self.introspectionError = introspectionError
    }
}

/// One checkpoint entry: `{"networkName", "containerID", "ifName", "ipv4", "metadata": {"k8sPodNamespace", "k8sPodName"}}`.
public struct IpamdAllocation: Hashable, Sendable, Codable {
    public var address: IPAddress
    public var containerID: String
    /// `namespace/name` of the pod, when ipamd recorded it.
    public var pod: String?

    public init(address: IPAddress, containerID: String = "", pod: String? = nil) {
        self.address = address
        self.containerID = containerID
        self.pod = pod
    }
}

/// One ENI as `/v1/enis` shows it.
public struct IpamdENI: Hashable, Sendable, Codable {
    /// `ID` (`eni-…`).
    public var id: String
    public var isPrimary: Bool
    /// `DeviceNumber` (0 is the primary ENI).
    public var deviceNumber: Int
    /// The host route table of the ENI's pods: `RouteTableID`, else device number + 1.
    public var routeTable: UInt32
    /// The pod addresses of the ENI (secondary IPs, or the addresses of its /28 prefixes, whether
    /// ipamd has handed them out yet or not) and whether each is assigned to a pod.
    public var addresses: [IpamdAddress]
    /// `IsExcludedForPodIPs`: ipamd takes no new pod IPs from this ENI, so its free addresses are
    /// not part of the warm pool. Nil (absent in older dumps) means false.
    public var excludedFromPodIPs: Bool?

    public init(
        id: String, isPrimary: Bool, deviceNumber: Int, routeTable: UInt32, addresses: [IpamdAddress],
        excludedFromPodIPs: Bool? = nil
    ) {
        self.id = id
        self.isPrimary = isPrimary
        self.deviceNumber = deviceNumber
        self.routeTable = routeTable
        self.addresses = addresses
        self.excludedFromPodIPs = excludedFromPodIPs
    }
}

/// One address of an ENI's pool.
public struct IpamdAddress: Hashable, Sendable, Codable {
    public var address: IPAddress
    /// Held by a pod (its IPAM key is set).
    public var assigned: Bool
    /// Released less than the cooldown period ago (30 s by default): not yet reusable.
    public var coolingDown: Bool

    public init(address: IPAddress, assigned: Bool, coolingDown: Bool = false) {
        self.address = address
        self.assigned = assigned
        self.coolingDown = coolingDown
    }
}
