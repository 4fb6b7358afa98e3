import PodnetAnalysis
import PodnetDaemon
import Testing

/// `FindingLog`: transitions are logged per check, a mass change in a few lines with counts and
/// the first objects, never more than ten lines per analysis.
@Suite struct FindingLogTests {
    static func blocks(_ count: Int, _ check: CheckID = .vxlanRouteMissing) -> [Finding] {
        (0..<count).map { FindingFixtures.finding(check, "10.0.\($0 / 4).\($0 % 4 * 64)/26") }
    }

    @Test("5,000 findings of one check appearing are one warning line with the count and the first five objects")
    func massAppearanceIsOneLine() {
        let entries = FindingLog.entries(appeared: Self.blocks(5_000), resolved: [])
        #expect(entries.count == 1)
        let entry = entries[0]
        #expect(entry.level == .warning)
        #expect(
            entry.message
                == "5000 vxlan-route-missing findings appeared (critical): 10.0.0.0/26, 10.0.0.64/26, 10.0.0.128/26, 10.0.0.192/26, 10.0.1.0/26, … and 4995 more"
        )
        #expect(entry.metadata["count"] == "5000")
        #expect(entry.metadata["check"] == "vxlan-route-missing")
    }

    @Test("the same findings resolving are one notice line")
    func massResolutionIsOneLine() {
        let entries = FindingLog.entries(appeared: [], resolved: Self.blocks(5_000))
        #expect(entries.map(\.level) == [.notice])
        #expect(entries[0].message.hasPrefix("5000 vxlan-route-missing findings resolved (critical): 10.0.0.0/26,"))
    }

    @Test("a single finding keeps its own line with its summary and object")
    func singleFindingKeepsItsLine() {
        let entries = FindingLog.entries(
            appeared: [FindingFixtures.missingRoute], resolved: [FindingFixtures.unresolvedRoute])
        #expect(
            entries.map(\.message) == [
                "finding appeared: vxlan-route-missing on 192.168.35.0/26",
                "finding resolved: vxlan-route-unresolved on 192.168.35.0/26",
            ])
        #expect(
            entries[0].metadata == [
                "check": "vxlan-route-missing", "severity": "critical", "object": "192.168.35.0/26",
            ])
    }

    @Test("a change across more checks than lines allowed ends in one line summing up the rest")
    func manyChecksAreCapped() throws {
        let checks = CheckID.catalogue.prefix(14).map(\.id)
        let appeared = checks.flatMap { check in (0..<100).map { FindingFixtures.finding(check, "object-\($0)") } }
        let entries = FindingLog.entries(appeared: appeared, resolved: [])
        #expect(entries.count == FindingLog.maxEntries)
        let last = try #require(entries.last)
        #expect(last.metadata["count"] == "\(5 * 100)")
        #expect(last.message.hasPrefix("500 more findings appeared or resolved in 5 more checks: "))
    }
}
