import Foundation
import ArgumentParser
import PodnetModel

/// The `podnetd dump` document: the snapshot's JSON with the cluster record as one more top-level
/// key, `cluster` (older readers ignore it; `check --snapshot` analyses with it).
enum DumpDocument {
    private struct Wrapper: Decodable {
        var cluster: ClusterRecord?
    }

    /// `snapshotJSON` (an object) with `"cluster": record` added before its closing brace.
    static func appending(_ record: ClusterRecord, to snapshotJSON: [UInt8]) throws -> [UInt8] {
        var bytes = snapshotJSON
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: " ") { bytes.removeLast() }
        guard bytes.last == UInt8(ascii: "}") else { return snapshotJSON }
        bytes.removeLast()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        bytes += Array(",\"cluster\":".utf8) + Array(try encoder.encode(record)) + Array("}\n".utf8)
        return bytes
    }

    /// The cluster record of the dump at `path`; nil when it has none.
    static func clusterRecord(path: String) throws -> ClusterRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(Wrapper.self, from: data).cluster
        } catch {
            StandardStreams.error("\(path): its cluster record is not readable: \(SnapshotDecodingError.describe(error))")
            throw ExitCode(2)
        }
    }
}
