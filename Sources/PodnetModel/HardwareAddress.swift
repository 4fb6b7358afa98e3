/// A link-layer address (usually a 6-byte MAC; other lengths for tunnels and InfiniBand).
public struct HardwareAddress: Hashable, Sendable, Comparable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses `aa:bb:cc:dd:ee:ff` (any number of colon-separated hex bytes).
    public init?(_ text: some StringProtocol) {
        var parsed: [UInt8] = []
        for part in text.split(separator: ":", omittingEmptySubsequences: false) {
            // Hex digits only: UInt8(_:radix:) also accepts a leading `+` or `-` (`+a`, `-0`).
            guard part.count == 1 || part.count == 2, part.allSatisfy(\.isHexDigit),
                let byte = UInt8(part, radix: 16)
            else { return nil }
            parsed.append(byte)
        }
        guard !parsed.isEmpty else { return nil }
        bytes = parsed
    }

    /// True for 00:00:00:00:00:00.
    public var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

    public static func < (lhs: HardwareAddress, rhs: HardwareAddress) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

extension HardwareAddress: CustomStringConvertible {
    /// Lower-case hex bytes joined by colons, as `ip` prints them.
    public var description: String {
        var text = ""
        text.reserveCapacity(bytes.count * 3)
        let digits = Array("0123456789abcdef".utf8)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { text.unicodeScalars.append(":") }
            text.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            text.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0xf)]))
        }
        return text
    }
}

extension HardwareAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = HardwareAddress(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a hardware address: \(EchoedInput.quoted(text))")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
