import Foundation
import PodnetModel

/// The `podnetd dump` document: the snapshot's JSON with the cluster record as one more top-level
/// key, `cluster` (older readers ignore it; `check --snapshot` analyses with it).
enum DumpDocument {
    /// A saved dump as `check --snapshot` reads it: the snapshot and, when the dump has one, the
    /// cluster record — decoded in one pass over the document.
    struct Saved: Decodable {
        var snapshot: NodeSnapshot
        var cluster: ClusterRecord?

        private enum Keys: String, CodingKey { case cluster }

        init(from decoder: any Decoder) throws {
            snapshot = try NodeSnapshot(from: decoder)
            cluster = try decoder.container(keyedBy: Keys.self).decodeIfPresent(ClusterRecord.self, forKey: .cluster)
        }
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
}
