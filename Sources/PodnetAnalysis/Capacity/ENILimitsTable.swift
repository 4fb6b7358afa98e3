/// The ENI and IPv4 limits of every EC2 instance type, with its vCPU count where known, parsed
/// from the two tsv files embedded in the binary (`Config/data/eni-limits.tsv`, `instance-vcpus.tsv`).
///
/// The embedded text is our own data, checked by the tests; a line that does not parse is
/// skipped and recorded in `malformedLines` rather than stopping anything.
public struct ENILimitsTable: Sendable, Equatable {
    /// A line of the tsv that was skipped, and why.
    public struct MalformedLine: Sendable, Equatable, CustomStringConvertible {
        /// The 1-based line number in the tsv.
        public let lineNumber: Int
        /// The line as it was.
        public let text: String
        /// Why it was skipped.
        public let reason: String

        /// `line N: reason: text`.
        public var description: String { "line \(lineNumber): \(reason): \(text)" }
    }

    /// The columns the tsv must have, by name (their order is taken from the header line).
    public static let columns = [
        "instance_type", "max_enis", "ipv4_per_eni", "default_network_card_index", "network_cards",
        "max_enis_per_card", "hypervisor", "bare_metal",
    ]

    /// The columns of the vCPU tsv, in this order.
    public static let vCPUColumns = ["instance_type", "default_vcpus"]

    /// The table shipped in the binary (generated from `Config/data/eni-limits.tsv` and
    /// `instance-vcpus.tsv`), parsed at first use.
    public static let embedded = ENILimitsTable(parsing: ENILimitsData.tsv, vCPUs: InstanceVCPUsData.tsv)

    /// Where the data comes from: the text after `# source:` on the tsv's first comment line.
    public let source: String?
    /// Where the vCPU counts come from (the vCPU tsv's `# source:`); nil when none were given.
    public let vCPUSource: String?
    /// Each instance type's limits, by instance type.
    public let limits: [String: InstanceENILimits]
    /// Every instance type of the table, sorted.
    public let instanceTypes: [String]
    /// The lines that were skipped; empty for the embedded table.
    public let malformedLines: [MalformedLine]
    /// The lines of the vCPU tsv that were skipped; empty for the embedded table.
    public let malformedVCPULines: [MalformedLine]

    /// The number of instance types.
    public var count: Int { limits.count }

    /// The limits of exactly this instance type.
    public subscript(instanceType: String) -> InstanceENILimits? { limits[instanceType] }

    /// The limits of an instance type named leniently: surrounding blanks and case are ignored.
    public func lookup(_ name: String) -> InstanceENILimits? {
        limits[name] ?? limits[Self.normalize(name)]
    }

    /// Parses tsv text: `#` comment lines, a header line naming `columns`, then one row per line;
    /// and, when given, the vCPU tsv (`instance_type`, `default_vcpus`), whose counts become each
    /// row's `defaultVCPUs`. A vCPU row for a type the ENI table lacks is malformed.
    public init(parsing text: String, vCPUs vCPUText: String? = nil) {
        let tsv = TSVText(text)
        var limits: [String: InstanceENILimits] = [:]
        var malformed: [MalformedLine] = []
        var columnIndex: [String: Int]?
        var headerSeen = false

        for row in tsv.rows {
            let (line, lineNumber, fields) = (row.text, row.lineNumber, row.fields)
            guard headerSeen else {
                headerSeen = true
                let missing = Self.columns.filter { !fields.contains($0) }
                if missing.isEmpty {
                    columnIndex = Dictionary(
                        fields.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                } else {
                    malformed.append(
                        MalformedLine(
                            lineNumber: lineNumber, text: line,
                            reason: "header lacks column(s) \(missing.joined(separator: ", "))"))
                }
                continue
            }
            guard let columnIndex else {
                malformed.append(
                    MalformedLine(lineNumber: lineNumber, text: line, reason: "no valid header line before it"))
                continue
            }
            switch Self.parseRow(fields, columnIndex: columnIndex) {
            case .success(let row):
                if limits[row.instanceType] != nil {
                    malformed.append(
                        MalformedLine(
                            lineNumber: lineNumber, text: line,
                            reason: "duplicate instance type \(row.instanceType)"))
                } else {
                    limits[row.instanceType] = row
                }
            case .failure(let problem):
                malformed.append(MalformedLine(lineNumber: lineNumber, text: line, reason: problem.reason))
            }
        }
        if !headerSeen {
            malformed.append(MalformedLine(lineNumber: 0, text: "", reason: "no header line"))
        }
        var vCPUSource: String?
        var malformedVCPUs: [MalformedLine] = []
        if let vCPUText {
            let parsed = Self.parseVCPUs(vCPUText, knownTypes: limits)
            vCPUSource = parsed.source
            malformedVCPUs = parsed.malformed
            for (type, count) in parsed.counts {
                limits[type] = limits[type]?.withDefaultVCPUs(count)
            }
        }
        self.source = tsv.source
        self.vCPUSource = vCPUSource
        self.limits = limits
        self.instanceTypes = limits.keys.sorted()
        self.malformedLines = malformed
        self.malformedVCPULines = malformedVCPUs
    }

    /// The vCPU tsv: its source, each known type's count, and the lines skipped.
    private static func parseVCPUs(
        _ text: String, knownTypes: [String: InstanceENILimits]
    ) -> (source: String?, counts: [String: Int], malformed: [MalformedLine]) {
        let tsv = TSVText(text)
        let source = tsv.source
        var counts: [String: Int] = [:]
        var malformed: [MalformedLine] = []
        var headerSeen = false
        for row in tsv.rows {
            let (line, lineNumber, fields) = (row.text, row.lineNumber, row.fields)
            guard headerSeen else {
                headerSeen = true
                if fields != vCPUColumns {
                    malformed.append(
                        MalformedLine(
                            lineNumber: lineNumber, text: line,
                            reason: "header is not \(vCPUColumns.joined(separator: " "))"))
                    return (source, [:], malformed)
                }
                continue
            }
            guard fields.count == 2, let count = Int(fields[1]), count >= 1 else {
                malformed.append(
                    MalformedLine(
                        lineNumber: lineNumber, text: line, reason: "not an instance type and a vCPU count ≥ 1"))
                continue
            }
            let type = fields[0]
            guard knownTypes[type] != nil else {
                malformed.append(
                    MalformedLine(lineNumber: lineNumber, text: line, reason: "\(type) is not in the ENI table"))
                continue
            }
            guard counts[type] == nil else {
                malformed.append(
                    MalformedLine(lineNumber: lineNumber, text: line, reason: "duplicate instance type \(type)"))
                continue
            }
            counts[type] = count
        }
        if !headerSeen { malformed.append(MalformedLine(lineNumber: 0, text: "", reason: "no header line")) }
        return (source, counts, malformed)
    }

    /// Why a row could not be parsed.
    private struct RowProblem: Error {
        let reason: String
    }

    private static func parseRow(
        _ fields: [String], columnIndex: [String: Int]
    ) -> Result<InstanceENILimits, RowProblem> {
        func field(_ name: String) -> String? {
            guard let index = columnIndex[name], index < fields.count else { return nil }
            return fields[index]
        }
        func integer(_ name: String, minimum: Int) -> Result<Int, RowProblem> {
            guard let text = field(name) else { return .failure(RowProblem(reason: "missing \(name)")) }
            guard let value = Int(text), value >= minimum else {
                return .failure(RowProblem(reason: "\(name) is not an integer ≥ \(minimum): \"\(text)\""))
            }
            return .success(value)
        }

        guard let instanceType = field("instance_type"), !instanceType.isEmpty,
            !instanceType.contains(where: \.isWhitespace)
        else { return .failure(RowProblem(reason: "missing or blank instance_type")) }
        guard instanceType == normalize(instanceType) else {
            return .failure(RowProblem(reason: "instance_type is not lower case: \(instanceType)"))
        }
        let maxENIs: Int
        let ipv4PerENI: Int
        let defaultCard: Int
        let networkCards: Int
        do throws(RowProblem) {
            maxENIs = try integer("max_enis", minimum: 1).get()
            ipv4PerENI = try integer("ipv4_per_eni", minimum: 1).get()
            defaultCard = try integer("default_network_card_index", minimum: 0).get()
            networkCards = try integer("network_cards", minimum: 1).get()
        } catch {
            return .failure(error)
        }

        guard let perCardText = field("max_enis_per_card") else {
            return .failure(RowProblem(reason: "missing max_enis_per_card"))
        }
        var perCard: [NetworkCardENIs] = []
        for entry in perCardText.split(separator: ";") {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let index = Int(parts[0]), let enis = Int(parts[1]), index >= 0,
                enis >= 0
            else {
                return .failure(RowProblem(reason: "max_enis_per_card entry is not CARD:ENIS: \"\(entry)\""))
            }
            guard !perCard.contains(where: { $0.index == index }) else {
                return .failure(RowProblem(reason: "max_enis_per_card repeats card \(index)"))
            }
            perCard.append(NetworkCardENIs(index: index, maxENIs: enis))
        }
        guard perCard.count == networkCards else {
            return .failure(
                RowProblem(
                    reason: "network_cards is \(networkCards) but max_enis_per_card lists \(perCard.count)"))
        }
        guard let defaultCardENIs = perCard.first(where: { $0.index == defaultCard })?.maxENIs,
            defaultCardENIs == maxENIs
        else {
            return .failure(
                RowProblem(
                    reason: "max_enis \(maxENIs) is not the ENI limit of default network card \(defaultCard)"))
        }

        guard let hypervisorText = field("hypervisor"), let hypervisor = Hypervisor(rawValue: hypervisorText)
        else {
            return .failure(
                RowProblem(reason: "hypervisor is not nitro, xen or unknown: \"\(field("hypervisor") ?? "")\""))
        }
        let bareMetal: Bool
        switch field("bare_metal") {
        case "true": bareMetal = true
        case "false": bareMetal = false
        case let other:
            return .failure(RowProblem(reason: "bare_metal is not true or false: \"\(other ?? "")\""))
        }

        return .success(
            InstanceENILimits(
                instanceType: instanceType, maxENIs: maxENIs, ipv4PerENI: ipv4PerENI,
                defaultNetworkCardIndex: defaultCard, networkCards: networkCards, maxENIsPerCard: perCard,
                hypervisor: hypervisor, bareMetal: bareMetal))
    }

    /// An instance type name as the table spells it: trimmed and lower-cased.
    static func normalize(_ name: String) -> String {
        TSVText.trim(name).lowercased()
    }

}
