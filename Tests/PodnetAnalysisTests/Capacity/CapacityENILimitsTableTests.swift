import Testing

@testable import PodnetAnalysis

@Suite("ENI limits table (Capacity)")
struct CapacityENILimitsTableTests {
    @Test("the embedded table parses without a single malformed line and has every type")
    func embeddedTableIsComplete() {
        let table = ENILimitsTable.embedded
        #expect(table.malformedLines.isEmpty, "malformed: \(table.malformedLines)")
        #expect(table.count >= 1391)
        #expect(table.instanceTypes.count == table.count)
        #expect(table.source?.hasPrefix("aws/amazon-vpc-cni-k8s") == true)
    }

    @Test("the embedded text keeps the tsv's # source: line first")
    func embeddedTextKeepsSourceLine() {
        #expect(ENILimitsData.tsv.hasPrefix("# source: "))
    }

    @Test("the embedded tables are Config/data's eni-limits.tsv and instance-vcpus.tsv, verbatim")
    func embeddedTablesMatchRepositoryData() throws {
        let eniLimits = try RepositoryCapacityData.text("eni-limits.tsv")
        let vCPUs = try RepositoryCapacityData.text("instance-vcpus.tsv")
        let stale = "is stale: run Scripts/generate-eni-table.sh"
        #expect(ENILimitsData.tsv + "\n" == eniLimits, "Sources/PodnetAnalysis/Capacity/ENILimitsData.swift \(stale)")
        #expect(InstanceVCPUsData.tsv + "\n" == vCPUs, "Sources/PodnetAnalysis/Capacity/InstanceVCPUsData.swift \(stale)")
        #expect(ENILimitsTable(parsing: eniLimits, vCPUs: vCPUs) == ENILimitsTable.embedded)
    }

    @Test("the data files keep their provenance: a # source: line first, naming the upstream commit")
    func dataFilesKeepProvenance() throws {
        for name in ["eni-limits.tsv", "eni-max-pods.txt", "instance-vcpus.tsv"] {
            let first = try RepositoryCapacityData.text(name).split(separator: "\n").first ?? ""
            #expect(first.hasPrefix("# source: "), "\(name): \(first)")
            #expect(first.contains("commit "), "\(name): \(first)")
        }
        #expect(ENILimitsTable.embedded.vCPUSource?.hasPrefix("aws/karpenter-provider-aws") == true)
    }

    @Test("vCPU counts: 1,370 of the 1,391 types, c5.9xlarge 36, t3a.medium 2; mac2.metal unknown")
    func vCPUCounts() throws {
        let table = ENILimitsTable.embedded
        #expect(table.malformedVCPULines.isEmpty, "malformed: \(table.malformedVCPULines)")
        #expect(table.limits.values.filter { $0.defaultVCPUs != nil }.count == 1370)
        #expect(try #require(table["c5.9xlarge"]).defaultVCPUs == 36)
        #expect(try #require(table["t3a.medium"]).defaultVCPUs == 2)
        #expect(try #require(table["mac2.metal"]).defaultVCPUs == nil)
    }

    @Test("vCPU rows that do not parse, repeat, or name a type the ENI table lacks are skipped with a reason")
    func malformedVCPULines() {
        let eni = """
            instance_type\tmax_enis\tipv4_per_eni\tdefault_network_card_index\tnetwork_cards\tmax_enis_per_card\thypervisor\tbare_metal
            m5.large\t3\t10\t0\t1\t0:3\tnitro\tfalse
            """
        let vCPUs = """
            # source: test
            instance_type\tdefault_vcpus
            m5.large\t2
            m5.large\t4
            x9.huge\t8
            m5.large\tzero
            """
        let table = ENILimitsTable(parsing: eni, vCPUs: vCPUs)
        #expect(table.vCPUSource == "test")
        #expect(table["m5.large"]?.defaultVCPUs == 2)
        #expect(table.malformedVCPULines.map(\.lineNumber) == [4, 5, 6])
        #expect(table.malformedVCPULines[1].reason.contains("not in the ENI table"))
    }

    @Test("a row keeps every column: p4d.24xlarge has four cards and 15 ENIs on the default one")
    func rowColumns() throws {
        let row = try #require(ENILimitsTable.embedded["p4d.24xlarge"])
        #expect(row.maxENIs == 15)
        #expect(row.ipv4PerENI == 50)
        #expect(row.defaultNetworkCardIndex == 0)
        #expect(row.networkCards == 4)
        #expect(row.maxENIsPerCard.map(\.maxENIs) == [15, 15, 15, 15])
        #expect(row.totalENIs == 60)
        #expect(row.hypervisor == .nitro)
        #expect(row.bareMetal == false)
        #expect(row.family == "p4d")
    }

    @Test("hypervisors and bare metal are read: t2.micro xen, m5.metal unknown and bare metal")
    func hypervisorsAndBareMetal() throws {
        let table = ENILimitsTable.embedded
        #expect(try #require(table["t2.micro"]).hypervisor == .xen)
        let metal = try #require(table["m5.metal"])
        #expect(metal.hypervisor == .unknown)
        #expect(metal.bareMetal)
    }

    @Test("lookup ignores case and surrounding blanks; the subscript is exact")
    func lenientLookup() {
        let table = ENILimitsTable.embedded
        #expect(table.lookup("  M5.Large ")?.instanceType == "m5.large")
        #expect(table["M5.Large"] == nil)
    }

    @Test("malformed lines are skipped and counted with their line number and reason")
    func malformedLinesAreSkippedAndCounted() {
        let text = """
            # source: test
            instance_type\tmax_enis\tipv4_per_eni\tdefault_network_card_index\tnetwork_cards\tmax_enis_per_card\thypervisor\tbare_metal
            m5.large\t3\t10\t0\t1\t0:3\tnitro\tfalse
            bad.ints\tthree\t10\t0\t1\t0:3\tnitro\tfalse
            bad.hypervisor\t3\t10\t0\t1\t0:3\tkvm\tfalse
            m5.large\t3\t10\t0\t1\t0:3\tnitro\tfalse
            bad.cards\t3\t10\t0\t2\t0:3\tnitro\tfalse
            bad.default\t4\t10\t0\t1\t0:3\tnitro\tfalse
            short.row\t3\t10

            bad.metal\t3\t10\t0\t1\t0:3\tnitro\tmaybe
            """
        let table = ENILimitsTable(parsing: text)
        #expect(table.source == "test")
        #expect(table.count == 1)
        #expect(table.malformedLines.map(\.lineNumber) == [4, 5, 6, 7, 8, 9, 11])
        #expect(table.malformedLines[2].reason.contains("duplicate"))
    }

    @Test("a header without the expected columns makes every row malformed, not a crash")
    func missingHeaderColumns() {
        let table = ENILimitsTable(parsing: "type\tenis\nm5.large\t3\n")
        #expect(table.count == 0)
        #expect(table.malformedLines.count == 2)
        #expect(table.malformedLines[0].reason.contains("max_enis"))
    }
}
