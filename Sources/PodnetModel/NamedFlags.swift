/// A kernel bit set whose bits have `ip`-style names; encodes as a list of names.
public protocol NamedFlags: OptionSet, Hashable, Sendable, Codable where RawValue: FixedWidthInteger & Sendable {
    /// Every known bit with its name, in the order `ip` prints them.
    static var bitNames: [(RawValue, String)] { get }
}

extension NamedFlags {
    /// Names of the set bits; unknown bits as `0x…`.
    public var names: [String] {
        var remaining = rawValue
        var result: [String] = []
        for (bit, name) in Self.bitNames where rawValue & bit == bit && bit != 0 {
            result.append(name)
            remaining &= ~bit
        }
        if remaining != 0 { result.append("0x" + String(remaining, radix: 16)) }
        return result
    }

    /// The set named by `names`; nil when a name is unknown.
    public init?(names: [String]) {
        var value: RawValue = 0
        for name in names {
            if let bit = Self.bitNames.first(where: { $0.1 == name })?.0 {
                value |= bit
            } else if name.hasPrefix("0x"), let bits = RawValue(name.dropFirst(2), radix: 16) {
                value |= bits
            } else {
                return nil
            }
        }
        self.init(rawValue: value)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let list = try container.decode([String].self)
        guard let flags = Self(names: list) else {
            let unknown = list.first { Self(names: [$0]) == nil } ?? ""
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown flag \(EchoedInput.quoted(unknown))")
        }
        self = flags
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(names)
    }
}

/// A kernel enumeration whose values have `ip`-style names; encodes as the name
/// (or the decimal number when the kernel reports a value podnetd has no name for).
public protocol NamedValue: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible
where RawValue: FixedWidthInteger & Sendable {
    static var valueNames: [(RawValue, String)] { get }
    init(rawValue: RawValue)
}

extension NamedValue {
    public var description: String {
        Self.valueNames.first(where: { $0.0 == rawValue })?.1 ?? String(rawValue)
    }

    /// The value named `name` (or written as a decimal number).
    public init?(name: String) {
        if let value = Self.valueNames.first(where: { $0.1 == name })?.0 {
            self.init(rawValue: value)
        } else if let value = RawValue(name) {
            self.init(rawValue: value)
        } else {
            return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(name: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown value \(EchoedInput.quoted(name))")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
