/// A JSON encoder that writes object keys in the order `encode(to:)` encodes them.
///
/// Foundation's `JSONEncoder` on Linux writes keys in hash order, which changes from run to run
/// unless `.sortedKeys` is set; podnetd's JSON keeps the readable order of its `CodingKeys`
/// instead, byte for byte the same for the same value. Absent optionals encoded with `encode`
/// come out as `null`; `encodeIfPresent` leaves the key out.
public struct OrderedJSONEncoder: Sendable {
    /// Two-space indentation and one member per line; otherwise one line with no blanks.
    public var prettyPrinted: Bool

    public init(prettyPrinted: Bool = true) {
        self.prettyPrinted = prettyPrinted
    }

    /// The JSON text of `value` (no trailing newline).
    public func encode(_ value: some Encodable) throws -> String {
        let root = JSONBox()
        try value.encode(to: JSONTreeEncoder(box: root, codingPath: []))
        var output = ""
        write(root, into: &output, indent: 0)
        return output
    }

    private func write(_ box: JSONBox, into output: inout String, indent: Int) {
        switch box.value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let text): output += text
        case .string(let text): Self.writeString(text, into: &output)
        case .array(let elements):
            guard !elements.isEmpty else {
                output += "[]"
                return
            }
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += "," }
                newline(&output, indent: indent + 1)
                write(element, into: &output, indent: indent + 1)
            }
            newline(&output, indent: indent)
            output += "]"
        case .object(let members):
            guard !members.isEmpty else {
                output += "{}"
                return
            }
            output += "{"
            for (offset, member) in members.enumerated() {
                if offset > 0 { output += "," }
                newline(&output, indent: indent + 1)
                Self.writeString(member.key, into: &output)
                output += prettyPrinted ? ": " : ":"
                write(member.box, into: &output, indent: indent + 1)
            }
            newline(&output, indent: indent)
            output += "}"
        }
    }

    private func newline(_ output: inout String, indent: Int) {
        guard prettyPrinted else { return }
        output += "\n"
        output += String(repeating: "  ", count: indent)
    }

    /// Appends `text` quoted and escaped. Runs of characters that need no escape are appended
    /// whole (a scalar at a time took most of the time of a 5,000-finding /status).
    static func writeString(_ text: String, into output: inout String) {
        output += "\""
        let utf8 = text.utf8
        var runStart = utf8.startIndex
        var index = runStart
        while index != utf8.endIndex {
            let byte = utf8[index]
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else {
                index = utf8.index(after: index)
                continue
            }
            // An ASCII byte is always a character boundary, so these slices are whole characters.
            output += text[runStart..<index]
            switch byte {
            case UInt8(ascii: "\""): output += "\\\""
            case UInt8(ascii: "\\"): output += "\\\\"
            case UInt8(ascii: "\n"): output += "\\n"
            case UInt8(ascii: "\r"): output += "\\r"
            case UInt8(ascii: "\t"): output += "\\t"
            case 0x08: output += "\\b"
            case 0x0C: output += "\\f"
            default:
                let hex = String(byte, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
            index = utf8.index(after: index)
            runStart = index
        }
        output += text[runStart..<utf8.endIndex]
        output += "\""
    }
}

/// A node of the tree being built; containers fill it in place.
final class JSONBox {
    enum Value {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([JSONBox])
        case object([(key: String, box: JSONBox)])
    }

    var value: Value = .null

    func appendMember(_ key: String, _ box: JSONBox) {
        if case .object(var members) = value {
            value = .null  // unique, as in appendElement
            if let existing = members.firstIndex(where: { $0.key == key }) {
                members[existing].box = box
            } else {
                members.append((key, box))
            }
            value = .object(members)
        } else {
            value = .object([(key, box)])
        }
    }

    func appendElement(_ box: JSONBox) {
        if case .array(var elements) = value {
            // Release the enum's reference first, so the append does not copy the whole array
            // (quadratic in the elements: 5,000 findings took seconds).
            value = .null
            elements.append(box)
            value = .array(elements)
        } else {
            value = .array([box])
        }
    }
}

private struct JSONTreeEncoder: Encoder {
    let box: JSONBox
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = box.value {} else { box.value = .object([]) }
        return KeyedEncodingContainer(JSONKeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = box.value {} else { box.value = .array([]) }
        return JSONUnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(box: box, codingPath: codingPath)
    }
}

private struct JSONIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { return nil }
}

private enum JSONScalar {
    static func number(_ value: Double, codingPath: [any CodingKey]) throws -> JSONBox.Value {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: codingPath, debugDescription: "JSON has no \(value)"))
        }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(String(describing: value))
    }

    static func encode(_ value: some Encodable, codingPath: [any CodingKey]) throws -> JSONBox {
        let child = JSONBox()
        try value.encode(to: JSONTreeEncoder(box: child, codingPath: codingPath))
        return child
    }
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONBox
    let codingPath: [any CodingKey]

    private func put(_ value: JSONBox.Value, _ key: Key) {
        let child = JSONBox()
        child.value = value
        box.appendMember(key.stringValue, child)
    }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        put(try JSONScalar.number(value, codingPath: codingPath + [key]), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        put(try JSONScalar.number(Double(value), codingPath: codingPath + [key]), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.number(String(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.appendMember(key.stringValue, try JSONScalar.encode(value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONBox()
        child.value = .object([])
        box.appendMember(key.stringValue, child)
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(box: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONBox()
        child.value = .array([])
        box.appendMember(key.stringValue, child)
        return JSONUnkeyedContainer(box: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONBox()
        box.appendMember("super", child)
        return JSONTreeEncoder(box: child, codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = JSONBox()
        box.appendMember(key.stringValue, child)
        return JSONTreeEncoder(box: child, codingPath: codingPath + [key])
    }
}

private struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let box: JSONBox
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let elements) = box.value { return elements.count }
        return 0
    }

    private var nextPath: [any CodingKey] { codingPath + [JSONIndexKey(intValue: count)] }

    private func put(_ value: JSONBox.Value) {
        let child = JSONBox()
        child.value = value
        box.appendElement(child)
    }

    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(try JSONScalar.number(value, codingPath: nextPath)) }
    mutating func encode(_ value: Float) throws { put(try JSONScalar.number(Double(value), codingPath: nextPath)) }
    mutating func encode(_ value: Int) throws { put(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { put(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { put(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { put(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { put(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { put(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { put(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { put(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { put(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { put(.number(String(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        box.appendElement(try JSONScalar.encode(value, codingPath: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<
        NestedKey
    > {
        let path = nextPath
        let child = JSONBox()
        child.value = .object([])
        box.appendElement(child)
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(box: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let child = JSONBox()
        child.value = .array([])
        box.appendElement(child)
        return JSONUnkeyedContainer(box: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        let child = JSONBox()
        box.appendElement(child)
        return JSONTreeEncoder(box: child, codingPath: path)
    }
}

private struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let box: JSONBox
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { box.value = .null }
    mutating func encode(_ value: Bool) throws { box.value = .bool(value) }
    mutating func encode(_ value: String) throws { box.value = .string(value) }
    mutating func encode(_ value: Double) throws { box.value = try JSONScalar.number(value, codingPath: codingPath) }
    mutating func encode(_ value: Float) throws {
        box.value = try JSONScalar.number(Double(value), codingPath: codingPath)
    }
    mutating func encode(_ value: Int) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { box.value = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { box.value = .number(String(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: JSONTreeEncoder(box: box, codingPath: codingPath))
    }
}
