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

    @Test("the embedded table is the shared eni-limits.tsv, verbatim")
    func embeddedTableMatchesSharedTSV() throws {
        let shared = try SharedCapacityData.text("eni-limits.tsv")
        let expected = shared.hasSuffix("\n") ? String(shared.dropLast()) : shared
        #expect(
            ENILimitsData.tsv == expected,
            "Sources/PodnetAnalysis/Capacity/ENILimitsData.swift is stale: run Scripts/generate-eni-table.sh"
        )
        #expect(ENILimitsTable(parsing: shared) == ENILimitsTable.embedded)
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
