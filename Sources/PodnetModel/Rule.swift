/// A policy-routing rule, as `ip rule show` reports it.
public struct Rule: Hashable, Sendable, Codable {
    public var family: AddressFamily
    public var priority: UInt32
    public var action: RuleAction
    /// The table looked up (for `lookup` rules); 0 otherwise.
    public var table: RouteTable
    public var from: IPPrefix?
    public var to: IPPrefix?
    public var inputInterface: String?
    public var outputInterface: String?
    public var fwmark: UInt32?
    public var fwmask: UInt32?
    public var tos: UInt8
    public var invert: Bool
    /// `goto` target priority.
    public var gotoTarget: UInt32?
    public var suppressPrefixLength: Int32?
    /// Selectors podnetd does not model, in `ip rule` syntax (`ipproto tcp`, `dport 80`,
    /// `uidrange 1000-2000`, `l3mdev`, `tun_id 5`); nil when there are none. Kept so that such a rule
    /// does not look like a catch-all.
    public var otherSelectors: [String]?

    public init(
        family: AddressFamily, priority: UInt32, action: RuleAction = .lookup, table: RouteTable = .main,
        from: IPPrefix? = nil, to: IPPrefix? = nil, inputInterface: String? = nil, outputInterface: String? = nil,
        fwmark: UInt32? = nil, fwmask: UInt32? = nil, tos: UInt8 = 0, invert: Bool = false, gotoTarget: UInt32? = nil,
        suppressPrefixLength: Int32? = nil, otherSelectors: [String]? = nil
    ) {
        self.family = family
        self.priority = priority
        self.action = action
        self.table = table
        self.from = from
        self.to = to
        self.inputInterface = inputInterface
        self.outputInterface = outputInterface
        self.fwmark = fwmark
        self.fwmask = fwmask
        self.tos = tos
        self.invert = invert
        self.gotoTarget = gotoTarget
        self.suppressPrefixLength = suppressPrefixLength
        self.otherSelectors = otherSelectors
    }
}

/// FR_ACT_* rule action.
public struct RuleAction: NamedValue {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let lookup = RuleAction(rawValue: 1)
    public static let goto = RuleAction(rawValue: 2)
    public static let nop = RuleAction(rawValue: 3)
    public static let blackhole = RuleAction(rawValue: 6)
    public static let unreachable = RuleAction(rawValue: 7)
    public static let prohibit = RuleAction(rawValue: 8)

    public static let valueNames: [(UInt8, String)] = [
        (0, "unspec"), (1, "lookup"), (2, "goto"), (3, "nop"), (6, "blackhole"), (7, "unreachable"), (8, "prohibit"),
    ]
}
