/// A kernel interface index (ifindex); encodes as a number.
public struct InterfaceIndex: RawRepresentable, Hashable, Sendable, Comparable, Codable,
    ExpressibleByIntegerLiteral, CustomStringConvertible
{
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ value: Int32) { self.rawValue = value }
    public init(integerLiteral value: Int32) { self.rawValue = value }

    public var description: String { String(rawValue) }

    public static func < (lhs: InterfaceIndex, rhs: InterfaceIndex) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int32.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
