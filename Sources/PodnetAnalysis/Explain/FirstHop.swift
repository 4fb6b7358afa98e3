/// The kernel's answer for the first hop, field for field what `ip route get` shows (or the error
/// it reports).
public struct FirstHop: Sendable, Hashable, Codable {
    /// `unicast`, `local`, `broadcast`, …; for a failed lookup what ended it: `blackhole`,
    /// `unreachable`, `prohibit` (a route or a rule of that type), `none` (no route) or `martian`
    /// (the source failed validation).
    public var type: String
    /// The errno `ip route get` would report (`EHOSTUNREACH`, …); nil when it answers with a route.
    public var error: String?
    /// The table the route came from (number).
    public var table: UInt32?
    /// The chosen route in `ip route` syntax.
    public var route: String?
    /// The chosen route's destination prefix.
    public var routeDestination: String?
    /// The chosen route's metric.
    public var metric: UInt32?
    /// The next hops the kernel may choose from: one, or several for a multipath route (the kernel
    /// picks one per flow by hash).
    public var hops: [HopChoice]
    /// The policy rule that led to the decision, in `ip rule` syntax.
    public var rule: String?

    public init(
        type: String, error: String? = nil, table: UInt32? = nil, route: String? = nil, routeDestination: String? = nil,
        metric: UInt32? = nil, hops: [HopChoice] = [], rule: String? = nil
    ) {
        self.type = type
        self.error = error
        self.table = table
        self.route = route
        self.routeDestination = routeDestination
        self.metric = metric
        self.hops = hops
        self.rule = rule
    }
}

/// One next hop the kernel may send through.
public struct HopChoice: Sendable, Hashable, Codable {
    public var gateway: String?
    /// The output device (`lo` for local delivery, as the kernel reports it).
    public var device: String
    /// The source address the kernel picks for packets this node sends (`src`); nil when it is not
    /// certain (see `sourceCandidates`).
    public var source: String?
    public var weight: Int
    /// When several addresses of the device rank equally as source: all of them. The kernel takes
    /// the one first in its address list, an order the snapshot does not keep (`ip -o addr show dev
    /// DEV` lists them in it). nil when the source is certain.
    public var sourceCandidates: [String]?

    public init(gateway: String?, device: String, source: String?, weight: Int = 1, sourceCandidates: [String]? = nil) {
        self.gateway = gateway
        self.device = device
        self.source = source
        self.weight = weight
        self.sourceCandidates = sourceCandidates
    }

    /// `src ADDRESS`, `src A or B (tie …)`, or nil when there is no source.
    var sourceDescription: String? {
        if let source { return "src \(source)" }
        guard let candidates = sourceCandidates, !candidates.isEmpty else { return nil }
        return "src one of \(candidates.joined(separator: ", ")) (equally ranked: the kernel takes the first in "
            + "`ip addr show dev \(device)`, an order podnetd does not keep)"
    }
}

/// The errors `ip route get` reports, as errno names and the text `RTNETLINK answers:` prints.
enum RouteError: String, Sendable {
    case invalid = "EINVAL"
    case hostUnreachable = "EHOSTUNREACH"
    case networkUnreachable = "ENETUNREACH"
    case prohibited = "EACCES"
    case crossDevice = "EXDEV"

    var text: String {
        switch self {
        case .invalid: "Invalid argument"
        case .hostUnreachable: "No route to host"
        case .networkUnreachable: "Network is unreachable"
        case .prohibited: "Permission denied"
        case .crossDevice: "Invalid cross-device link"
        }
    }
}
