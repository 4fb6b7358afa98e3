import Foundation
import PodnetModel

/// Decodes a `Decodable` from a tree `JSONSerialization` parsed, only to say *where* a document
/// fails that Foundation's `JSONDecoder` rejects without a path: a number that does not fit its
/// field (`-1` for a `UInt32`) comes back from it as "The given data was not valid JSON." with an
/// empty coding path. Used on that error path alone (the tree costs far more memory than the
/// decoder), so its speed does not matter; hand-written because no package offers it.
struct JSONTreeDecoder: Decoder {
    let value: Any
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: Any, codingPath: [any CodingKey] = []) {
        self.value = value
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let object = value as? [String: Any] else { throw mismatch("an object", value, codingPath) }
        return KeyedDecodingContainer(Keyed<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let array = value as? [Any] else { throw mismatch("an array", value, codingPath) }
        return Unkeyed(array: array, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(value: value, codingPath: codingPath)
    }

    /// An array index as a coding key.
    struct Index: CodingKey {
        let intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: [String: Any]
        let codingPath: [any CodingKey]
        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

        func decodeNil(forKey key: Key) throws -> Bool { object[key.stringValue] is NSNull }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            guard let child = object[key.stringValue] else {
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: codingPath, debugDescription: "missing key \"\(key.stringValue)\""))
            }
            return try T(from: JSONTreeDecoder(value: child, codingPath: codingPath + [key]))
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type, forKey key: Key
        ) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try JSONTreeDecoder(value: object[key.stringValue] ?? NSNull(), codingPath: codingPath + [key])
                .container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONTreeDecoder(value: object[key.stringValue] ?? NSNull(), codingPath: codingPath + [key])
                .unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { JSONTreeDecoder(value: object, codingPath: codingPath) }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONTreeDecoder(value: object[key.stringValue] ?? NSNull(), codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let array: [Any]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { array.count }
        var isAtEnd: Bool { currentIndex >= array.count }

        init(array: [Any], codingPath: [any CodingKey]) {
            self.array = array
            self.codingPath = codingPath
        }

        private mutating func next() throws -> JSONTreeDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    Any.self, .init(codingPath: codingPath, debugDescription: "the array has no more elements"))
            }
            defer { currentIndex += 1 }
            return JSONTreeDecoder(value: array[currentIndex], codingPath: codingPath + [Index(currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, array[currentIndex] is NSNull else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: try next()) }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type
        ) throws
            -> KeyedDecodingContainer<NestedKey>
        { try next().container(keyedBy: type) }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next().unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    struct Single: SingleValueDecodingContainer {
        let value: Any
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool { value is NSNull }

        func decode(_ type: Bool.Type) throws -> Bool {
            guard let number = value as? NSNumber, Self.isBoolean(number) else {
                throw mismatch("true or false", value, codingPath)
            }
            return number.boolValue
        }

        func decode(_ type: String.Type) throws -> String {
            guard let text = value as? String else { throw mismatch("a string", value, codingPath) }
            return text
        }

        func decode(_ type: Double.Type) throws -> Double { try number().doubleValue }
        func decode(_ type: Float.Type) throws -> Float { try number().floatValue }
        func decode(_ type: Int.Type) throws -> Int { try integer() }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
        func decode(_ type: UInt.Type) throws -> UInt { try integer() }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try T(from: JSONTreeDecoder(value: value, codingPath: codingPath))
        }

        private func number() throws -> NSNumber {
            guard let number = value as? NSNumber, !Self.isBoolean(number) else {
                throw mismatch("a number", value, codingPath)
            }
            return number
        }

        /// The number as `T`, or an error naming the value and `T`'s range.
        private func integer<T: FixedWidthInteger>() throws -> T {
            let text = try number().stringValue
            guard let value = T(text) else {
                let problem =
                    Int64(text) != nil || text.allSatisfy({ $0.isNumber || $0 == "-" })
                    ? "is out of range (\(T.min)–\(T.max))" : "is not an integer"
                throw DecodingError.dataCorrupted(
                    .init(codingPath: codingPath, debugDescription: "\(EchoedInput.bare(text)) \(problem)"))
            }
            return value
        }

        /// JSONSerialization's `true`/`false` are NSNumbers of C type `char`; its numbers never are.
        private static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
    }
}

/// A type mismatch naming what was expected and what is there.
private func mismatch(_ expected: String, _ value: Any, _ codingPath: [any CodingKey]) -> DecodingError {
    let found: String
    switch value {
    case is NSNull: found = "null"
    case let text as String: found = "the string " + EchoedInput.quoted(text)
    case is [Any]: found = "an array"
    case is [String: Any]: found = "an object"
    case let number as NSNumber: found = String(cString: number.objCType) == "c" ? "a boolean" : "a number"
    default: found = "something else"
    }
    return DecodingError.typeMismatch(
        Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(found)"))
}
