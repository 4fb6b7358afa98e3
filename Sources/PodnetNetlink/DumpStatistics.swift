/// How one snapshot was read: how many dumps it took and why some were redone. Filled by
/// `NetlinkSnapshotReader.snapshot(statistics:)` for that call only (also when it throws).
public struct DumpStatistics: Hashable, Sendable {
    /// Dump requests sent (one per object kind and family, plus every redo).
    public var dumps = 0
    /// Dumps redone because they could not be trusted (the three reasons below may overlap).
    public var redone = 0
    /// Dumps the kernel itself marked interrupted by a concurrent change (NLM_F_DUMP_INTR).
    public var interruptedByKernel = 0
    /// Dumps found stale because a change to their kind was announced between their start and the end
    /// of the snapshot (the kernel had not flagged most of them).
    public var changedDuringDump = 0
    /// Times the notifications watched during the snapshot were lost (a full buffer): every dump stale.
    public var watchOverruns = 0
    /// Repeated entries dropped from dumps (a torn dump repeats objects).
    public var duplicatesDropped = 0
    /// Change notifications read while dumping.
    public var notifications = 0

    public init() {}

    /// Adds another snapshot's figures to these.
    public mutating func add(_ other: DumpStatistics) {
        dumps += other.dumps
        redone += other.redone
        interruptedByKernel += other.interruptedByKernel
        changedDuringDump += other.changedDuringDump
        watchOverruns += other.watchOverruns
        duplicatesDropped += other.duplicatesDropped
        notifications += other.notifications
    }
}
