/// Everything podnetd knows about a node's network state at one moment: the
/// `podnetd dump` document (versioned by `schemaVersion`).
public struct NodeSnapshot: Hashable, Sendable, Codable {
    /// Bumped whenever a field changes meaning or is removed.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var hostname: String
    /// RFC 3339 UTC time the dump was taken.
    public var capturedAt: String
    public var host: HostSettings
    public var links: [Link]
    public var addresses: [Address]
    public var routes: [Route]
    public var neighbours: [Neighbour]
    public var fdb: [FDBEntry]
    public var rules: [Rule]
    /// The kernel release (uname -r) the dump was taken on; nil in dumps that predate it.
    public var kernelRelease: String?

    public init(
        schemaVersion: Int = NodeSnapshot.currentSchemaVersion, hostname: String = "", capturedAt: String = "",
        host: HostSettings = HostSettings(), links: [Link] = [], addresses: [Address] = [], routes: [Route] = [],
        neighbours: [Neighbour] = [], fdb: [FDBEntry] = [], rules: [Rule] = [], kernelRelease: String? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.hostname = hostname
        self.capturedAt = capturedAt
        self.host = host
        self.links = links
        self.addresses = addresses
        self.routes = routes
        self.neighbours = neighbours
        self.fdb = fdb
        self.rules = rules
        self.kernelRelease = kernelRelease
    }
}
