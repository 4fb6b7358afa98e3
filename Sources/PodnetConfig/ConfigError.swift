import PodnetModel

/// Why the config (or a file it points to) could not be used: which file, line and key, and what
/// was wrong, as one line: `/etc/podnetd/podnetd.yaml:7: calico.vxlanVNI: expected an integer
/// 1–16777215, got "abc"`.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Kind: String, Sendable, Hashable {
        /// Not YAML at all (or not the JSON/YAML a kubelet config must be).
        case malformedYAML
        /// A key podnetd does not know.
        case unknownKey
        /// The same key twice in one mapping.
        case duplicateKey
        /// A value of the wrong type (a list where a string belongs, …).
        case wrongType
        /// A value of the right type that is not allowed (bad CIDR, unknown name, …).
        case invalidValue
        /// A number outside its range.
        case outOfRange
        /// A required key is absent.
        case missingKey
        /// A file that was named explicitly does not exist.
        case fileNotFound
        /// A file exists but cannot be read.
        case unreadable
    }

    public var kind: Kind
    /// The file the problem is in.
    public var file: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The key path (`calico.vxlanVNI`, `podCIDRs[1]`), when the problem is about a key.
    public var key: String?
    /// What is wrong.
    public var message: String

    public init(kind: Kind, file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `FILE:LINE: KEY: MESSAGE`; for unknown and duplicate keys the key is inside the message.
    /// The file name is given by the user: escaped and cut like any echoed input.
    public var description: String {
        var text = EchoedInput.bare(file, limit: 256)
        if let line { text += ":\(line)" }
        text += ": "
        if let key, kind != .unknownKey, kind != .duplicateKey { text += "\(key): " }
        return text + message
    }
}
