import PodnetAnalysis
import PodnetModel
import Yams

/// Walks a composed YAML tree for one file, turning every problem into a `ConfigError` that names
/// the file, the line and the key path.
struct ConfigReader {
    let file: String

    /// One `key: value` of a mapping, with the key path it lives at.
    struct Entry {
        let name: String
        let path: String
        let keyNode: Node
        let value: Node
    }

    func line(_ node: Node) -> Int? { node.mark?.line }

    func error(_ kind: ConfigError.Kind, _ node: Node?, _ key: String?, _ message: String) -> ConfigError {
        ConfigError(kind: kind, file: file, line: node.flatMap(line), key: key, message: message)
    }

    /// `a.b` or `a[0].b`.
    static func join(_ parent: String?, _ name: String) -> String {
        guard let parent, !parent.isEmpty else { return name }
        return parent + "." + name
    }

    /// What a node is, for "got …": `"abc"` for strings, the text for other scalars, `a list`, `a mapping`.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if scalar.tagName == .null { return "nothing" }
            if scalar.tagName == .str { return EchoedInput.quoted(scalar.string) }
            return EchoedInput.bare(scalar.string)
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node { return scalar.tagName == .null }
        return false
    }

    /// The entries of a mapping, rejecting keys not in `allowed` (with a suggestion).
    func entries(_ node: Node, at path: String?, allowed: [String]) throws(ConfigError) -> [Entry] {
        guard case .mapping(let mapping) = node else {
            throw error(.wrongType, node, path, "expected a mapping of settings, got \(describe(node))")
        }
        var result: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw error(.wrongType, keyNode, path, "expected a key name, got \(describe(keyNode))")
            }
            let name = keyScalar.string
            let keyPath = Self.join(path, name)
            guard allowed.contains(name) else {
                var message = "unknown key \(EchoedInput.quoted(keyPath))"
                if let suggestion = KeySuggestion.closest(to: name, among: allowed) {
                    message += " (did you mean \(Self.join(path, suggestion))?)"
                } else if path != nil {
                    message += " (known keys: \(allowed.map { Self.join(path, $0) }.joined(separator: ", ")))"
                } else {
                    message += " (see Config/podnetd.yaml for the known keys)"
                }
                throw error(.unknownKey, keyNode, EchoedInput.bare(keyPath), message)
            }
            result.append(Entry(name: name, path: keyPath, keyNode: keyNode, value: value))
        }
        return result
    }

    /// The elements of a list, or the single value when `acceptSingle` and the node is a scalar.
    func elements(
        _ node: Node, at path: String, what: String, acceptSingle: Bool
    ) throws(ConfigError) -> [(
        path: String, node: Node
    )] {
        switch node {
        case .sequence(let sequence):
            return sequence.enumerated().map { ("\(path)[\($0.offset)]", $0.element) }
        case .scalar where acceptSingle && !isNull(node):
            return [(path, node)]
        default:
            throw error(.wrongType, node, path, "expected \(what), got \(describe(node))")
        }
    }

    func string(_ node: Node, at path: String, what: String = "a string") throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, scalar.tagName == .str else {
            throw error(.wrongType, node, path, "expected \(what), got \(describe(node))")
        }
        let length = scalar.string.utf8.count
        guard length <= Self.maximumValueBytes else {
            throw error(
                .invalidValue, node, path,
                "expected \(what), got a value of \(length) bytes (at most \(Self.maximumValueBytes)): \(describe(node))")
        }
        return scalar.string
    }

    /// The longest string value any key takes (a file path is at most 4096 bytes, PATH_MAX); far
    /// longer values are mistakes, and rejecting them early keeps their handling cheap.
    static let maximumValueBytes = 4096

    /// The value of a scalar tagged as an integer (plainly or by `!!int`); nil for anything else.
    /// Yams reads only unquoted scalars, so a quoted one (`!!int "110"`) is read here, as decimal.
    static func integerValue(_ node: Node) -> Int? {
        guard case .scalar(let scalar) = node, scalar.tagName == .int else { return nil }
        return node.int ?? Int(scalar.string)
    }

    /// The value of a scalar tagged as a number (plainly, `!!float` or `!!int`); nil for anything
    /// else. As with integers, a quoted one (`!!float "0.8"`) is read here, as decimal.
    static func numberValue(_ node: Node) -> Double? {
        guard case .scalar(let scalar) = node, scalar.tagName == .float || scalar.tagName == .int else { return nil }
        return node.float ?? integerValue(node).map(Double.init) ?? Double(scalar.string)
    }

    func integer(_ node: Node, at path: String, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let expected = "expected an integer \(range.lowerBound)–\(range.upperBound)"
        guard let value = Self.integerValue(node) else {
            throw error(.wrongType, node, path, "\(expected), got \(describe(node))")
        }
        guard range.contains(value) else { throw error(.outOfRange, node, path, "\(expected), got \(value)") }
        return value
    }

    func bool(_ node: Node, at path: String) throws(ConfigError) -> Bool {
        guard case .scalar(let scalar) = node, scalar.tagName == .bool, let value = node.bool else {
            throw error(.wrongType, node, path, "expected true or false, got \(describe(node))")
        }
        return value
    }

    /// A number in `(lowerExclusive, upperInclusive]`.
    func number(_ node: Node, at path: String, above lower: Double, atMost upper: Double) throws(ConfigError) -> Double
    {
        let expected = "expected a number above \(Self.format(lower)) and at most \(Self.format(upper))"
        guard let value = Self.numberValue(node), value.isFinite else {
            throw error(.wrongType, node, path, "\(expected), got \(describe(node))")
        }
        guard value > lower, value <= upper else {
            throw error(.outOfRange, node, path, "\(expected), got \(scalarText(node))")
        }
        return value
    }

    private func scalarText(_ node: Node) -> String {
        if case .scalar(let scalar) = node { return scalar.string }
        return describe(node)
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// One of `values`.
    func choice(_ node: Node, at path: String, values: [String]) throws(ConfigError) -> String {
        let expected = "expected one of \(values.joined(separator: ", "))"
        guard case .scalar(let scalar) = node, !isNull(node) else {
            throw error(.wrongType, node, path, "\(expected), got \(describe(node))")
        }
        guard scalar.tagName == .str, values.contains(scalar.string) else {
            throw error(.invalidValue, node, path, "\(expected), got \(describe(node))")
        }
        return scalar.string
    }

    /// A CIDR with no host bits set.
    func prefix(_ node: Node, at path: String) throws(ConfigError) -> IPPrefix {
        let text = try string(node, at: path, what: "a CIDR such as 192.168.0.0/16")
        guard text.contains("/"), let prefix = IPPrefix(text) else {
            throw error(.invalidValue, node, path, "expected a CIDR such as 192.168.0.0/16, got \(EchoedInput.quoted(text))")
        }
        guard prefix.isCanonical else {
            throw error(
                .invalidValue, node, path,
                "\(EchoedInput.quoted(text)) has host bits set (did you mean \(prefix.network)?)")
        }
        return prefix
    }

    func address(_ node: Node, at path: String) throws(ConfigError) -> IPAddress {
        let text = try string(node, at: path, what: "an IP address")
        guard let address = IPAddress(text) else {
            throw error(.invalidValue, node, path, "expected an IP address, got \(EchoedInput.quoted(text))")
        }
        return address
    }

    /// An absolute file path.
    func absolutePath(_ node: Node, at path: String) throws(ConfigError) -> String {
        let text = try string(node, at: path, what: "an absolute file path")
        guard text.hasPrefix("/"), !text.contains("\0") else {
            throw error(.invalidValue, node, path, "expected an absolute file path, got \(EchoedInput.quoted(text))")
        }
        return text
    }
}

/// The known key closest to a misspelt one.
enum KeySuggestion {
    static func closest(to name: String, among candidates: [String]) -> String? {
        // A name much longer than every candidate is no misspelling of one (and would make the edit
        // distance expensive).
        guard name.utf8.count <= 2 * (candidates.map(\.utf8.count).max() ?? 0) else { return nil }
        let lowered = name.lowercased()
        if let sameIgnoringCase = candidates.first(where: { $0.lowercased() == lowered }) { return sameIgnoringCase }
        let limit = max(2, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = EditDistance.between(Array(lowered.utf8), Array(candidate.lowercased().utf8), transpositions: true)
            if distance <= limit, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.name
    }
}

extension Node.Scalar {
    /// The resolved tag (`tag:yaml.org,2002:int`, …): plain scalars resolved by content, quoted ones `str`.
    var tagName: Tag.Name { Resolver.default.resolveTag(of: Node.scalar(self)) }
}
