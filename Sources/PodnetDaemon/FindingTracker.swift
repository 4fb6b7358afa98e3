import Foundation
import PodnetAnalysis
import PodnetModel

/// A finding with the times the daemon first and last saw it.
public struct TrackedFinding: Sendable, Hashable, Encodable {
    public var finding: Finding
    public var firstSeen: Date
    public var lastSeen: Date

    enum ExtraKeys: String, CodingKey { case firstSeen, lastSeen }

    /// The finding's own keys, then `firstSeen` and `lastSeen` (RFC 3339).
    public func encode(to encoder: any Encoder) throws {
        try finding.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(RFC3339.format(secondsSince1970: Int(firstSeen.timeIntervalSince1970)), forKey: .firstSeen)
        try container.encode(RFC3339.format(secondsSince1970: Int(lastSeen.timeIntervalSince1970)), forKey: .lastSeen)
    }
}

/// Remembers findings across analyses so each keeps its identity (check + object), and holds a new
/// one back until it has persisted for the grace period: a pod being created must not page anyone.
public struct FindingTracker: Sendable {
    /// What one observation changed.
    public struct Update: Sendable {
        /// Findings past their grace period, in report order.
        public var reported: [TrackedFinding]
        /// Became reported in this observation.
        public var appeared: [Finding]
        /// Were reported before and are gone now.
        public var resolved: [Finding]
        /// Held back by the grace period.
        public var pending: Int
        /// When the earliest pending finding will be due (re-analyse then even without events).
        public var nextDue: ContinuousClock.Instant?
    }

    private struct Key: Hashable {
        var check: CheckID
        var object: String
    }

    private struct Entry {
        var finding: Finding
        var firstSeen: Date
        var firstSeenInstant: ContinuousClock.Instant
        var lastSeen: Date
        var reported: Bool
    }

    private var entries: [Key: Entry] = [:]

    public init() {}

    /// Takes a new analysis' findings. `grace` zero reports everything at once.
    public mutating func observe(
        _ findings: [Finding], grace: Duration, now: Date = Date(), instant: ContinuousClock.Instant = .now
    ) -> Update {
        var next: [Key: Entry] = [:]
        // Sorted once, objects parsed once: reported and appeared keep this order.
        let findings = Finding.inReportOrder(findings)
        var order: [Key] = []
        var appeared: [Finding] = []
        var pending = 0
        var nextDue: ContinuousClock.Instant?
        for finding in findings {
            let key = Key(check: finding.check, object: finding.object)
            if next[key] == nil { order.append(key) }
            var entry = entries[key] ?? Entry(finding: finding, firstSeen: now, firstSeenInstant: instant, lastSeen: now, reported: false)
            entry.finding = finding
            entry.lastSeen = now
            if !entry.reported {
                let due = entry.firstSeenInstant + grace
                if instant >= due {
                    entry.reported = true
                    appeared.append(finding)
                } else {
                    pending += 1
                    nextDue = min(nextDue ?? due, due)
                }
            }
            next[key] = entry
        }
        let resolved = entries.filter { next[$0.key] == nil && $0.value.reported }.map(\.value.finding)
        entries = next
        let reported = order.compactMap { key -> TrackedFinding? in
            guard let entry = entries[key], entry.reported else { return nil }
            return TrackedFinding(finding: entry.finding, firstSeen: entry.firstSeen, lastSeen: entry.lastSeen)
        }
        return Update(
            reported: reported, appeared: appeared, resolved: Finding.inReportOrder(resolved), pending: pending,
            nextDue: nextDue)
    }
}
