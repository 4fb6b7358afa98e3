import Foundation
import PodnetAnalysis
import Synchronization
import Testing

@testable import PodnetDaemon

/// `PublishedStatus`: the text at once, the JSON encoded on first use and then kept.
@Suite struct PublishedStatusTests {
    static func document() -> StatusDocument {
        let report = Report(
            node: "node-a", cni: CNIReport(configured: "auto", detected: .calicoVXLAN, reason: "test"),
            checkedAt: "2026-01-01T00:00:00Z", findings: [FindingFixtures.missingRoute], inventory: Inventory(),
            capacity: CapacityReport())
        let tracked = TrackedFinding(
            finding: FindingFixtures.missingRoute, firstSeen: Date(timeIntervalSince1970: 0),
            lastSeen: Date(timeIntervalSince1970: 1))
        let daemon = DaemonStateReport(
            version: "test", startedAt: "2026-01-01T00:00:00Z", graceSeconds: 0, pendingFindings: 0,
            analysisMilliseconds: 1, snapshotRoutes: 1, node: "node-a", nodeSource: "config")
        return StatusDocument(report: report, reported: [tracked], daemon: daemon)
    }

    @Test("a status made from a document serves the document's JSON and text")
    func servesTheDocument() {
        let document = Self.document()
        let status = PublishedStatus(document: document, analyzedAt: .now)
        #expect(status.json == document.json())
        #expect(status.text == document.text())
        #expect(
            String(decoding: status.json, as: UTF8.self).contains("\"nodeSource\" : \"config\"")
                || String(decoding: status.json, as: UTF8.self).contains("\"nodeSource\": \"config\""))
    }

    @Test("the bytes are computed by the first reader only")
    func encodedOnce() {
        let calls = Atomic<Int>(0)
        let once = EncodedOnce {
            calls.add(1, ordering: .relaxed)
            return [1, 2, 3]
        }
        #expect(calls.load(ordering: .relaxed) == 0)
        #expect(once.value == [1, 2, 3])
        #expect(once.value == [1, 2, 3])
        #expect(calls.load(ordering: .relaxed) == 1)
    }
}
