import PodnetModel

/// One destination's path through the node, step by step: the `podnetd explain` document.
public struct PathExplanation: Sendable, Hashable, Codable {
    /// Bumped whenever a field changes meaning or is removed.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var node: String
    public var query: ExplainQuery
    /// What the destination is to this node: `pod on this node`, `pod on another node`,
    /// `service address`, `address of this node`, `external address`.
    public var destinationKind: String
    /// `complete`, `broken` or `undetermined`.
    public var verdict: PathVerdict
    /// The kernel's first hop, field for field what `ip route get` reports.
    public var firstHop: FirstHop
    /// The policy rules the lookup consulted, in order, up to the one that decided.
    public var rules: [RuleEvaluation]
    /// The path, one link at a time.
    public var steps: [PathStep]
    /// The position in `steps` of the first broken link.
    public var brokenStep: Int?
    /// The finding of `podnetd check` about the first broken link, when it has one.
    public var finding: Finding?
    /// For a next hop through a VXLAN device: what the tunnel needs, as far as it exists.
    public var tunnel: TunnelPath?

    public init(
        node: String, query: ExplainQuery, destinationKind: String, verdict: PathVerdict, firstHop: FirstHop,
        rules: [RuleEvaluation], steps: [PathStep], brokenStep: Int?, finding: Finding?, tunnel: TunnelPath? = nil
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.node = node
        self.query = query
        self.destinationKind = destinationKind
        self.verdict = verdict
        self.firstHop = firstHop
        self.rules = rules
        self.steps = steps
        self.brokenStep = brokenStep
        self.finding = finding
        self.tunnel = tunnel
    }

    /// The document as JSON, keys in their declared order.
    public func jsonText(prettyPrinted: Bool = true) throws -> String {
        try OrderedJSONEncoder(prettyPrinted: prettyPrinted).encode(self)
    }
}

/// Whether the path reaches its end.
public enum PathVerdict: String, Sendable, Hashable, Codable {
    case complete
    case broken
    /// The path goes through something podnetd does not model (a route whose next hop is a nexthop
    /// object the snapshot does not hold): it says so instead of guessing. `explain` exits 2.
    case undetermined
}

/// One link of the path.
public struct PathStep: Sendable, Hashable, Codable {
    /// `destination`, `service`, `route`, `next-hop`, `device`, `neighbour`, `fdb`, `underlay`, `veth`, `local`.
    public var step: String
    public var status: StepStatus
    /// One line.
    public var summary: String
    /// The kernel objects involved, in `ip`/`bridge` syntax.
    public var evidence: [String]

    public init(step: String, status: StepStatus, summary: String, evidence: [String] = []) {
        self.step = step
        self.status = status
        self.summary = summary
        self.evidence = evidence
    }
}

/// How one link of the path stands.
public enum StepStatus: String, Sendable, Hashable, Codable {
    case ok
    /// Works, but not as the CNI programs it (a neighbour that is not permanent, an MTU too large).
    case warning
    case broken
    /// Context, neither right nor wrong (what a service address is).
    case info
}

/// The pieces a packet through a VXLAN device needs: the neighbour entry of the next hop (its
/// MAC), the FDB entry of that MAC (the remote node) and the route to the remote node.
public struct TunnelPath: Sendable, Hashable, Codable {
    /// The VXLAN device.
    public var device: String
    /// The address resolved on the device: the route's gateway (the remote tunnel IP).
    public var nextHop: String
    public var neighbourMAC: String?
    /// The neighbour entry's state (`PERMANENT`, …); nil when there is none.
    public var neighbourState: String?
    /// The remote node's underlay address (the FDB entry's `dst`).
    public var remote: String?
    /// The encapsulated packet's route to the remote node, bound to the VXLAN device's underlay
    /// device, from its local address (what `ip route get REMOTE from LOCAL oif DEV` says).
    public var underlay: FirstHop?
    /// The MTU of the underlay route's device.
    public var underlayMTU: UInt32?

    public init(
        device: String, nextHop: String, neighbourMAC: String? = nil, neighbourState: String? = nil,
        remote: String? = nil, underlay: FirstHop? = nil, underlayMTU: UInt32? = nil
    ) {
        self.device = device
        self.nextHop = nextHop
        self.neighbourMAC = neighbourMAC
        self.neighbourState = neighbourState
        self.remote = remote
        self.underlay = underlay
        self.underlayMTU = underlayMTU
    }
}
