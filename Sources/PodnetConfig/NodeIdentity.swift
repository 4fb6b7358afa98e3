import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The Kubernetes name of the node podnetd runs on, and where it came from.
///
/// Metrics carry it as the `node` label and alerts name the node by it, so it must be the name
/// Kubernetes knows the node by (what `kubectl get nodes` prints), not whatever address a scraper
/// reached the daemon at. Sources, first usable wins:
/// 1. `nodeName` in the config file;
/// 2. the `NODE_NAME` environment variable (a DaemonSet's downward API: `spec.nodeName`);
/// 3. Calico's `/var/lib/calico/nodename`, written by calico-node with the name it registered;
/// 4. the hostname (kubelet's default node name, lower-cased as kubelet does).
public struct NodeIdentity: Sendable, Hashable, CustomStringConvertible {
    /// Where a node name was found.
    public enum Source: String, Sendable, Hashable, CaseIterable {
        case config
        case environment = "NODE_NAME"
        case calicoNodename = "calico-nodename"
        case hostname
    }

    /// Calico's record of its node name.
    public static let calicoNodenamePath = "/var/lib/calico/nodename"
    /// The environment variable a DaemonSet sets from `spec.nodeName`.
    public static let environmentVariable = "NODE_NAME"

    public var name: String
    public var source: Source
    /// Sources that were set but unusable, as `source: reason` (say so in the start-up log).
    public var skipped: [String]

    public init(name: String, source: Source, skipped: [String] = []) {
        self.name = name
        self.source = source
        self.skipped = skipped
    }

    /// `ip-10-0-0-10.ec2.internal (from NODE_NAME)`.
    public var description: String { "\(name) (from \(source.rawValue))" }

    /// Resolves the name from the sources in order. Everything is injectable for tests.
    /// - Parameters:
    ///   - configured: the config file's `nodeName` (already validated by the config reader).
    ///   - environment: the process environment.
    ///   - files: reads `calicoNodenamePath`.
    ///   - hostname: the machine's hostname.
    public static func resolve(
        configured: String?, environment: [String: String], files: some FileReading = LocalFileSystem(),
        calicoNodenamePath: String = NodeIdentity.calicoNodenamePath,
        hostname: () -> String = NodeIdentity.systemHostname
    ) -> NodeIdentity {
        var skipped: [String] = []
        func usable(_ candidate: String?, _ source: Source) -> String? {
            guard let candidate else { return nil }
            let trimmed = trim(candidate)
            if trimmed.isEmpty { return nil }
            if let problem = problem(with: trimmed) {
                skipped.append("\(source.rawValue): \(problem)")
                return nil
            }
            return trimmed
        }
        if let name = usable(configured, .config) {
            return NodeIdentity(name: name, source: .config, skipped: skipped)
        }
        if let name = usable(environment[environmentVariable], .environment) {
            return NodeIdentity(name: name, source: .environment, skipped: skipped)
        }
        do {
            if let name = usable(try files.readText(atPath: calicoNodenamePath), .calicoNodename) {
                return NodeIdentity(name: name, source: .calicoNodename, skipped: skipped)
            }
        } catch {
            skipped.append("\(Source.calicoNodename.rawValue): \(calicoNodenamePath): \(error)")
        }
        let host = trim(hostname()).lowercased()
        if problem(with: host) == nil {
            return NodeIdentity(name: host, source: .hostname, skipped: skipped)
        }
        skipped.append("\(Source.hostname.rawValue): \(problem(with: host) ?? "")")
        return NodeIdentity(name: "unknown", source: .hostname, skipped: skipped)
    }

    /// Why `name` is not a Kubernetes node name (a DNS subdomain: at most 253 characters of
    /// lower-case letters, digits, `-` and `.`, starting and ending alphanumeric); nil when it is one.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "empty" }
        if name.utf8.count > 253 { return "longer than 253 characters" }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        let bytes = Array(name.utf8)
        guard bytes.allSatisfy({ alphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }),
            let first = bytes.first, let last = bytes.last, alphanumeric(first), alphanumeric(last)
        else {
            return "not a Kubernetes node name (lower-case letters, digits, '-' and '.'): \(quoted(name))"
        }
        return nil
    }

    /// The kernel's hostname (uname's nodename).
    public static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func trim(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A value shown in an error: quoted, at most 64 characters.
    private static func quoted(_ text: String) -> String {
        let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
        return "\""
            + shown.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? String($0) : "?" }.joined()
            + "\""
    }
}
