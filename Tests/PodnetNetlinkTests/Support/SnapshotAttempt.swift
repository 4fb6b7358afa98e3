import PodnetModel
import PodnetNetlink
import PodnetTestSupport

extension NetworkNamespace {
    /// One `NetlinkSnapshotReader` snapshot inside this namespace, its outcome and how it was read
    /// (that call's statistics only, also when it threw).
    func snapshotAttempt() throws -> (result: Result<NodeSnapshot, NetlinkError>, statistics: DumpStatistics) {
        try perform { () -> (result: Result<NodeSnapshot, NetlinkError>, statistics: DumpStatistics) in
            var statistics = DumpStatistics()
            do throws(NetlinkError) {
                return (.success(try NetlinkSnapshotReader().snapshot(statistics: &statistics)), statistics)
            } catch {
                return (.failure(error), statistics)
            }
        }
    }
}
