import PodnetModel

/// The result of one analysis: what `podnetd check --format json` prints and `/status` serves.
public struct Report: Sendable, Codable, Hashable {
    /// Bumped whenever a field changes meaning or is removed.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// The node's Kubernetes name (`Expectations.nodeName`), else the snapshot's hostname.
    public var node: String
    public var cni: CNIReport
    /// When the analysis ran (RFC 3339, given by the caller).
    public var checkedAt: String
    public var summary: SeverityCounts
    /// Sorted: severity (critical first), check, object.
    public var findings: [Finding]
    public var inventory: Inventory
    public var capacity: CapacityReport
    /// How the cluster's view was used; absent when podnetd did not read the cluster.
    public var cluster: ClusterReport?

    public init(
        schemaVersion: Int = Report.currentSchemaVersion, node: String, cni: CNIReport, checkedAt: String,
        findings: [Finding], inventory: Inventory, capacity: CapacityReport
    ) {
        self.schemaVersion = schemaVersion
        self.node = node
        self.cni = cni
        self.checkedAt = checkedAt
        self.findings = Finding.inReportOrder(findings)
        self.summary = SeverityCounts(counting: self.findings)
        self.inventory = inventory
        self.capacity = capacity
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion, node, cni, checkedAt, summary, findings, inventory, capacity
        case cluster
    }

    /// The most severe finding's severity; nil when there is none.
    public var worstSeverity: Severity? { findings.map(\.severity).max() }

    /// Whether some finding is at least `severity`.
    public func hasFinding(atLeast severity: Severity) -> Bool {
        findings.contains { $0.severity >= severity }
    }
}

/// Which pod network was configured and which one the analysis used.
public struct CNIReport: Sendable, Codable, Hashable {
    /// The `cni` setting: `auto` or a mode.
    public var configured: String
    /// The mode the checks ran for.
    public var detected: CNIMode
    /// Why: what was seen on the node, or "configured".
    public var reason: String

    public init(configured: String, detected: CNIMode, reason: String) {
        self.configured = configured
        self.detected = detected
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case configured, detected, reason }
}

/// Findings per severity.
public struct SeverityCounts: Sendable, Codable, Hashable {
    public var critical: Int
    public var warning: Int
    public var info: Int

    public init(critical: Int = 0, warning: Int = 0, info: Int = 0) {
        self.critical = critical
        self.warning = warning
        self.info = info
    }

    public init(counting findings: [Finding]) {
        self.init()
        for finding in findings {
            switch finding.severity {
            case .critical: critical += 1
            case .warning: warning += 1
            case .info: info += 1
            }
        }
    }

    enum CodingKeys: String, CodingKey { case critical, warning, info }

    /// The count for one severity.
    public subscript(severity: Severity) -> Int {
        switch severity {
        case .critical: critical
        case .warning: warning
        case .info: info
        }
    }
}

/// What the analysis counted on the node.
public struct Inventory: Sendable, Codable, Hashable {
    /// Workload veths (cali…, eni…).
    public var workloads: Int
    /// /32 and /128 routes to workload veths.
    public var workloadRoutes: Int
    /// Local Calico IPAM blocks (Felix's blackhole routes).
    public var blocks: Int
    /// Remote blocks routed through the VXLAN device(s) (not counting /32 routes of borrowed IPs).
    public var remoteBlocks: Int
    /// Every route with a next hop through the VXLAN device(s).
    public var vxlanRoutes: Int
    /// Remote VTEPs: permanent neighbours on the VXLAN device(s) with an FDB destination.
    public var vteps: Int
    /// ENIs carrying a default route (AWS VPC CNI); nil for other pod networks.
    public var enis: Int?
    /// The pod CIDRs the checks used.
    public var podCIDRs: [IPPrefix]
    /// Where they came from: `config`, `observed blocks`, …
    public var podCIDRsSource: String
    public var links: Int
    public var addresses: Int
    public var routes: Int
    public var neighbours: Int
    public var fdbEntries: Int
    public var rules: Int

    public init(
        workloads: Int = 0, workloadRoutes: Int = 0, blocks: Int = 0, remoteBlocks: Int = 0, vxlanRoutes: Int = 0,
        vteps: Int = 0, enis: Int? = nil, podCIDRs: [IPPrefix] = [], podCIDRsSource: String = "none",
        links: Int = 0, addresses: Int = 0, routes: Int = 0, neighbours: Int = 0, fdbEntries: Int = 0, rules: Int = 0
    ) {
        self.workloads = workloads
        self.workloadRoutes = workloadRoutes
        self.blocks = blocks
        self.remoteBlocks = remoteBlocks
        self.vxlanRoutes = vxlanRoutes
        self.vteps = vteps
        self.enis = enis
        self.podCIDRs = podCIDRs
        self.podCIDRsSource = podCIDRsSource
        self.links = links
        self.addresses = addresses
        self.routes = routes
        self.neighbours = neighbours
        self.fdbEntries = fdbEntries
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey {
        case workloads, workloadRoutes, blocks, remoteBlocks, vxlanRoutes, vteps, enis, podCIDRs, podCIDRsSource
        case links, addresses, routes, neighbours, fdbEntries, rules
    }

    /// Encodes every key, `enis` as null when absent, so the JSON always has the same shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workloads, forKey: .workloads)
        try container.encode(workloadRoutes, forKey: .workloadRoutes)
        try container.encode(blocks, forKey: .blocks)
        try container.encode(remoteBlocks, forKey: .remoteBlocks)
        try container.encode(vxlanRoutes, forKey: .vxlanRoutes)
        try container.encode(vteps, forKey: .vteps)
        try container.encode(enis, forKey: .enis)
        try container.encode(podCIDRs, forKey: .podCIDRs)
        try container.encode(podCIDRsSource, forKey: .podCIDRsSource)
        try container.encode(links, forKey: .links)
        try container.encode(addresses, forKey: .addresses)
        try container.encode(routes, forKey: .routes)
        try container.encode(neighbours, forKey: .neighbours)
        try container.encode(fdbEntries, forKey: .fdbEntries)
        try container.encode(rules, forKey: .rules)
    }
}

/// The node's pod capacity and how it was worked out.
public struct CapacityReport: Sendable, Codable, Hashable {
    /// kubelet's maxPods; nil when unknown.
    public var maxPods: Int?
    /// Where maxPods came from (`kubelet config /var/lib/kubelet/config.yaml`, `config`, `default 110`, …).
    public var maxPodsSource: String
    /// The EC2 instance type; nil when unknown.
    public var instanceType: String?
    /// Where it came from (`DMI product name`, `config`, …).
    public var instanceTypeSource: String
    /// The vCPU count the recommended cap was chosen by; nil when unknown.
    public var vcpus: Int?
    /// The pods the instance's ENIs can address (the VPC CNI's limit); nil without a known instance type.
    public var ipCapacity: Int?
    /// The formula with its numbers, e.g. `3 × (6 − 1) + 2 = 17`.
    public var ipCapacityFormula: String?
    /// What AWS's max-pods calculator recommends for this node's CNI settings (capped at 110 or 250).
    public var recommendedMaxPods: Int?
    /// How many workloads (pods with a veth) the node can hold: min(maxPods, IP capacity − 2) with the
    /// VPC CNI, maxPods with an overlay; nil when unknown.
    public var podCapacity: Int?
    /// How `podCapacity` was worked out.
    public var podCapacityFormula: String?
    /// Workloads on the node now.
    public var workloads: Int
    /// What limited the analysis (unknown instance type, no kubelet config, …).
    public var notes: [String]

    public init(
        maxPods: Int? = nil, maxPodsSource: String = "unknown", instanceType: String? = nil,
        instanceTypeSource: String = "unknown", vcpus: Int? = nil, ipCapacity: Int? = nil,
        ipCapacityFormula: String? = nil, recommendedMaxPods: Int? = nil, podCapacity: Int? = nil,
        podCapacityFormula: String? = nil, workloads: Int = 0, notes: [String] = []
    ) {
        self.maxPods = maxPods
        self.maxPodsSource = maxPodsSource
        self.instanceType = instanceType
        self.instanceTypeSource = instanceTypeSource
        self.vcpus = vcpus
        self.ipCapacity = ipCapacity
        self.ipCapacityFormula = ipCapacityFormula
        self.recommendedMaxPods = recommendedMaxPods
        self.podCapacity = podCapacity
        self.podCapacityFormula = podCapacityFormula
        self.workloads = workloads
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case maxPods, maxPodsSource, instanceType, instanceTypeSource, vcpus, ipCapacity, ipCapacityFormula
        case recommendedMaxPods, podCapacity, podCapacityFormula, workloads, notes
    }

    /// Encodes every key, absent values as null, so the JSON always has the same shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(maxPods, forKey: .maxPods)
        try container.encode(maxPodsSource, forKey: .maxPodsSource)
        try container.encode(instanceType, forKey: .instanceType)
        try container.encode(instanceTypeSource, forKey: .instanceTypeSource)
        try container.encode(vcpus, forKey: .vcpus)
        try container.encode(ipCapacity, forKey: .ipCapacity)
        try container.encode(ipCapacityFormula, forKey: .ipCapacityFormula)
        try container.encode(recommendedMaxPods, forKey: .recommendedMaxPods)
        try container.encode(podCapacity, forKey: .podCapacity)
        try container.encode(podCapacityFormula, forKey: .podCapacityFormula)
        try container.encode(workloads, forKey: .workloads)
        try container.encode(notes, forKey: .notes)
    }
}

extension Report {
    /// The report as JSON, keys in their documented order, the same bytes for the same report.
    public func jsonText(prettyPrinted: Bool = true) throws -> String {
        try OrderedJSONEncoder(prettyPrinted: prettyPrinted).encode(self)
    }
}
