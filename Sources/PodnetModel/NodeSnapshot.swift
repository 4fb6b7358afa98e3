/// Everything podnetd knows about a node's network state at one moment: the
/// `podnetd dump` document (versioned by `schemaVersion`).
public struct NodeSnapshot: Hashable, Sendable, Codable {
    /// Bumped whenever a field changes meaning or is removed. 2: `nodeFacts` added.
    public static let currentSchemaVersion = 2
    /// The schema versions this podnetd reads: 1 (no `nodeFacts`) and the current one.
    public static let acceptedSchemaVersions: Set<Int> = [1, 2]

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
    /// The node's vCPUs, instance type, kubelet maxPods and kernel release, with their sources;
    /// nil in a schemaVersion 1 dump (and in snapshots read for a live analysis).
    public var nodeFacts: NodeFacts?

    public init(
        schemaVersion: Int = NodeSnapshot.currentSchemaVersion, hostname: String = "", capturedAt: String = "",
        host: HostSettings = HostSettings(), links: [Link] = [], addresses: [Address] = [], routes: [Route] = [],
        neighbours: [Neighbour] = [], fdb: [FDBEntry] = [], rules: [Rule] = [], nodeFacts: NodeFacts? = nil
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
        self.nodeFacts = nodeFacts
    }
}
