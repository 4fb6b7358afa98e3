import Foundation
import PodnetConfig
import PodnetModel

/// A saved `podnetd dump`, read for `check --snapshot`: bounded, never blocking on what the path
/// is, and every problem one line naming the field.
enum SnapshotFile {
    /// The largest snapshot read. A dump of a node with 100,000 routes is 20.5 MiB (measured), so
    /// this leaves room for about 300,000; decoding takes about ten times the file's size in
    /// memory, so a larger (or endless) file must not be read in at all.
    static let maximumBytes = 64 << 20

    /// Why a snapshot cannot be used, as one line.
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func read(atPath path: String) throws(Problem) -> DumpDocument.Saved {
        let name = EchoedInput.bare(path, limit: 256)
        let bytes: [UInt8]
        do {
            guard let read = try RegularFile.read(atPath: path, maximumSize: maximumBytes) else {
                throw Problem(description: "cannot read snapshot \(name): no such file")
            }
            bytes = read
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(description: "cannot read snapshot \(name): \(error)")
        }
        let data = Data(bytes)
        let saved: DumpDocument.Saved
        do {
            saved = try JSONDecoder().decode(DumpDocument.Saved.self, from: data)
        } catch {
            throw Problem(description: "\(name) is not a podnetd dump: \(explain(error, in: data))")
        }
        let snapshot = saved.snapshot
        guard NodeSnapshot.acceptedSchemaVersions.contains(snapshot.schemaVersion) else {
            let accepted = NodeSnapshot.acceptedSchemaVersions.sorted().map(String.init).joined(separator: ", ")
            throw Problem(
                description:
                    "snapshot \(name) has schemaVersion \(snapshot.schemaVersion); this podnetd reads schemaVersion \(accepted)"
            )
        }
        guard RFC3339.isTimestamp(snapshot.capturedAt) else {
            throw Problem(
                description:
                    "\(name) is not a podnetd dump: capturedAt: expected an RFC 3339 time such as 2026-11-22T03:00:00Z, got \(EchoedInput.quoted(snapshot.capturedAt))"
            )
        }
        if let maxPods = snapshot.nodeFacts?.maxPods, !NodeFacts.acceptedMaxPods.contains(maxPods) {
            let range = NodeFacts.acceptedMaxPods
            throw Problem(
                description:
                    "\(name) is not a podnetd dump: nodeFacts.maxPods: \(maxPods) is out of range (\(range.lowerBound)–\(range.upperBound))"
            )
        }
        return saved
    }

    /// The decoding error as one line naming the field. `JSONDecoder` reports a number that does
    /// not fit its field as invalid JSON without a path: then the document is decoded again from
    /// a parsed tree, which names it.
    private static func explain(_ error: any Error, in data: Data) -> String {
        if case DecodingError.dataCorrupted(let context) = error, context.codingPath.isEmpty {
            let tree: Any
            do {
                tree = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            } catch {
                let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                return "not JSON" + (detail.map { ": " + EchoedInput.bare($0, limit: 200) } ?? "")
            }
            do {
                _ = try NodeSnapshot(from: JSONTreeDecoder(value: tree))
            } catch {
                return SnapshotDecodingError.describe(error)
            }
        }
        return SnapshotDecodingError.describe(error)
    }
}
