import PodnetModel

/// What `podnetd explain` is asked: a destination, and optionally the packet's source, the
/// interface it arrives on (a forwarded packet, as `ip route get … iif DEV`) and its firewall mark.
public struct ExplainQuery: Sendable, Hashable, Codable {
    public var destination: IPAddress
    public var source: IPAddress?
    /// The interface the packet arrives on; nil for a packet this node sends itself.
    public var inputInterface: String?
    public var mark: UInt32

    public init(destination: IPAddress, source: IPAddress? = nil, inputInterface: String? = nil, mark: UInt32 = 0) {
        self.destination = destination
        self.source = source
        self.inputInterface = inputInterface
        self.mark = mark
    }

    /// Parses the command line's or the query string's text values; the error is one line naming the field.
    public static func parse(
        destination: String?, source: String? = nil, inputInterface: String? = nil, mark: String? = nil
    ) throws(ExplainInputError) -> ExplainQuery {
        guard let destination, !destination.isEmpty else {
            throw ExplainInputError("dst: a destination address is required, e.g. 192.168.35.7 or fd00:99::1")
        }
        guard let address = IPAddress(destination) else {
            throw ExplainInputError("dst: expected an IPv4 or IPv6 address, got \(EchoedInput.quoted(destination))")
        }
        var query = ExplainQuery(destination: address)
        if let source, !source.isEmpty {
            guard let from = IPAddress(source) else {
                throw ExplainInputError("from: expected an IPv4 or IPv6 address, got \(EchoedInput.quoted(source))")
            }
            guard from.family == address.family else {
                throw ExplainInputError("from: \(from) and the destination \(address) are of different address families")
            }
            query.source = from
        }
        if let inputInterface, !inputInterface.isEmpty {
            guard inputInterface.utf8.count < 16, !inputInterface.contains("/"), !inputInterface.contains(" ") else {
                throw ExplainInputError("iif: not an interface name: \(EchoedInput.quoted(inputInterface))")
            }
            query.inputInterface = inputInterface
        }
        if let mark, !mark.isEmpty {
            guard let value = Self.parseMark(mark) else {
                throw ExplainInputError("mark: expected a 32-bit number such as 0x80 or 128, got \(EchoedInput.quoted(mark))")
            }
            query.mark = value
        }
        return query
    }

    /// Decimal or 0x-hex, as `ip rule` and `ip route get … mark` take it.
    static func parseMark(_ text: String) -> UInt32? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            let digits = text.dropFirst(2)
            guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
            return UInt32(digits, radix: 16)
        }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt32(text)
    }
}

/// Bad input to `explain`: one line naming the field.
public struct ExplainInputError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
