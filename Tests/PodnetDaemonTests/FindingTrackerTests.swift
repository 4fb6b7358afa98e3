import Foundation
import PodnetAnalysis
import PodnetDaemon
import Testing

/// `FindingTracker`: a finding is reported only once it has persisted for the grace period, keeps
/// its identity (check + object) and first-seen time across analyses, and resolves exactly once.
@Suite struct FindingTrackerTests {
    /// A fixed wall-clock and monotonic origin; `at(seconds)` moves both together.
    let wallStart = Date(timeIntervalSince1970: 1_795_000_000)
    let clockStart = ContinuousClock.now

    func observe(
        _ tracker: inout FindingTracker, _ findings: [Finding], grace: Duration = .seconds(5), at seconds: Double
    ) -> FindingTracker.Update {
        tracker.observe(
            findings, grace: grace, now: wallStart.addingTimeInterval(seconds),
            instant: clockStart + .milliseconds(Int64(seconds * 1000)))
    }

    @Test("a new finding is held back, counted as pending, until the grace period has passed")
    func heldBackDuringGrace() {
        var tracker = FindingTracker()
        let first = observe(&tracker, [FindingFixtures.missingRoute], at: 0)
        #expect(first.reported.isEmpty)
        #expect(first.appeared.isEmpty)
        #expect(first.pending == 1)
        #expect(first.nextDue == clockStart + .seconds(5))

        let almost = observe(&tracker, [FindingFixtures.missingRoute], at: 4.999)
        #expect(almost.reported.isEmpty)
        #expect(almost.appeared.isEmpty)
        #expect(almost.pending == 1)
        #expect(almost.nextDue == clockStart + .seconds(5), "the due time stays at first sight + grace")

        let due = observe(&tracker, [FindingFixtures.missingRoute], at: 5)
        #expect(due.reported.map(\.finding) == [FindingFixtures.missingRoute])
        #expect(due.appeared == [FindingFixtures.missingRoute])
        #expect(due.pending == 0)
        #expect(due.nextDue == nil)
    }

    @Test("firstSeen stays at the first sighting while lastSeen follows each analysis")
    func firstSeenKeptLastSeenAdvances() throws {
        var tracker = FindingTracker()
        _ = observe(&tracker, [FindingFixtures.missingRoute], at: 0)
        let reported = observe(&tracker, [FindingFixtures.missingRoute], at: 6)
        let later = observe(&tracker, [FindingFixtures.missingRoute], at: 42)

        let atReport = try #require(reported.reported.first)
        #expect(atReport.firstSeen == wallStart)
        #expect(atReport.lastSeen == wallStart.addingTimeInterval(6))
        let atLater = try #require(later.reported.first)
        #expect(atLater.firstSeen == wallStart)
        #expect(atLater.lastSeen == wallStart.addingTimeInterval(42))
        #expect(later.appeared.isEmpty, "an appearance is announced once, not on every analysis")
    }

    @Test("a reported finding that goes away is resolved exactly once")
    func resolvedOnce() {
        var tracker = FindingTracker()
        _ = observe(&tracker, [FindingFixtures.missingRoute], grace: .zero, at: 0)
        let gone = observe(&tracker, [], grace: .zero, at: 1)
        #expect(gone.resolved == [FindingFixtures.missingRoute])
        #expect(gone.reported.isEmpty)
        let stillGone = observe(&tracker, [], grace: .zero, at: 2)
        #expect(stillGone.resolved.isEmpty)
        #expect(stillGone.appeared.isEmpty)
    }

    @Test("a finding that vanishes inside its grace period is never reported nor resolved, and starts over")
    func flapInsideGraceIsSilent() {
        var tracker = FindingTracker()
        _ = observe(&tracker, [FindingFixtures.missingRoute], at: 0)
        let vanished = observe(&tracker, [], at: 3)
        #expect(vanished.resolved.isEmpty)
        #expect(vanished.appeared.isEmpty)
        #expect(vanished.pending == 0)

        // Seen again at 4 s: its grace runs from 4 s, not from 0 s.
        let back = observe(&tracker, [FindingFixtures.missingRoute], at: 4)
        #expect(back.nextDue == clockStart + .seconds(9))
        #expect(observe(&tracker, [FindingFixtures.missingRoute], at: 6).reported.isEmpty)
        let reported = observe(&tracker, [FindingFixtures.missingRoute], at: 9)
        #expect(reported.appeared == [FindingFixtures.missingRoute])
        #expect(reported.reported.first?.firstSeen == wallStart.addingTimeInterval(4))
    }

    @Test("grace zero reports a finding at the first analysis that sees it")
    func graceZeroReportsAtOnce() {
        var tracker = FindingTracker()
        let update = observe(&tracker, [FindingFixtures.missingRoute], grace: .zero, at: 0)
        #expect(update.appeared == [FindingFixtures.missingRoute])
        #expect(update.reported.map(\.finding) == [FindingFixtures.missingRoute])
        #expect(update.pending == 0)
        #expect(update.nextDue == nil)
    }

    @Test("identity is check plus object: same pair with new wording is the same finding, others are distinct")
    func identityIsCheckAndObject() throws {
        var tracker = FindingTracker()
        let reworded = FindingFixtures.finding(.vxlanRouteMissing, "192.168.35.0/26", summary: "reworded")
        _ = observe(
            &tracker,
            [FindingFixtures.missingRoute, FindingFixtures.otherMissingRoute, FindingFixtures.unresolvedRoute],
            grace: .zero, at: 0)
        let update = observe(
            &tracker, [reworded, FindingFixtures.otherMissingRoute, FindingFixtures.unresolvedRoute], grace: .zero,
            at: 1)

        #expect(update.appeared.isEmpty, "rewording does not make a new finding")
        #expect(update.resolved.isEmpty)
        #expect(update.reported.count == 3)
        let tracked = try #require(
            update.reported.first { $0.finding.check == .vxlanRouteMissing && $0.finding.object == "192.168.35.0/26" })
        #expect(tracked.finding.summary == "reworded", "the latest wording is shown")
        #expect(tracked.firstSeen == wallStart)

        // Same object, other check: distinct, so one can resolve while the other stays.
        let onlyUnresolved = observe(&tracker, [FindingFixtures.unresolvedRoute], grace: .zero, at: 2)
        #expect(Set(onlyUnresolved.resolved.map(\.check)) == [.vxlanRouteMissing])
        #expect(onlyUnresolved.resolved.count == 2)
        #expect(onlyUnresolved.reported.map(\.finding) == [FindingFixtures.unresolvedRoute])
    }

    @Test("reported findings come in report order: most severe first")
    func reportOrder() {
        var tracker = FindingTracker()
        let warning = FindingFixtures.finding(.blockBlackholeMissing, "192.168.231.0/26")
        let critical = FindingFixtures.missingRoute
        let update = observe(&tracker, [warning, critical], grace: .zero, at: 0)
        #expect(update.reported.map(\.finding) == [critical, warning])
        #expect(update.appeared == [critical, warning])
    }
}
