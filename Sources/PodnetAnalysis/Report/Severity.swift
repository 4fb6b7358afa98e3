/// How bad a finding is. Ordered: `info < warning < critical`.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// Worth knowing; nothing is broken.
    case info
    /// Something will break, or is broken for some pods.
    case warning
    /// Pods cannot reach each other or cannot start.
    case critical

    /// The rank used for ordering (info 0, warning 1, critical 2).
    public var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }
}
