import ArgumentParser
import Foundation
import PodnetModel
import PodnetNetlink

/// Where the commands that analyse a node get its state: the live kernel over netlink, or a saved
/// `podnetd dump`. Failures print one line on stderr and exit 2.
enum SnapshotSource {
    /// Reads `path` (a dump), or the live node when nil.
    static func read(path snapshot: String?) throws -> NodeSnapshot {
        guard let snapshot else {
            do {
                return try NetlinkSnapshotReader().snapshot()
            } catch {
                StandardStreams.error("cannot read the network state: \(error)")
                throw ExitCode(2)
            }
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: snapshot))
        } catch {
            StandardStreams.error("cannot read snapshot \(snapshot): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        do {
            let decoded = try JSONDecoder().decode(NodeSnapshot.self, from: data)
            guard decoded.schemaVersion <= NodeSnapshot.currentSchemaVersion else {
                StandardStreams.error(
                    "snapshot \(snapshot) has schemaVersion \(decoded.schemaVersion); this podnetd reads up to \(NodeSnapshot.currentSchemaVersion)")
                throw ExitCode(2)
            }
            return decoded
        } catch let exit as ExitCode {
            throw exit
        } catch {
            StandardStreams.error("\(snapshot) is not a podnetd dump: \(SnapshotDecodingError.describe(error))")
            throw ExitCode(2)
        }
    }
}
