import Foundation
import PodnetModel

/// One-line descriptions of JSON decoding errors, naming the path to the bad value in the
/// document's own keys (`links[3].mtu`), with any echoed value quoted and cut short.
enum SnapshotDecodingError {
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return EchoedInput.bare("\(error)", limit: 200) }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map {
                $0.intValue.map { "[\($0)]" } ?? "." + EchoedInput.bare($0.stringValue)
            }.joined()
            return keys.isEmpty ? "document" : String(keys.drop(while: { $0 == "." }))
        }
        func detail(_ context: DecodingError.Context) -> String { EchoedInput.bare(context.debugDescription, limit: 200) }
        switch decoding {
        case .dataCorrupted(let context): return "\(path(context)): \(detail(context))"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing key \(EchoedInput.quoted(key.stringValue))"
        case .typeMismatch(_, let context): return "\(path(context)): \(detail(context))"
        case .valueNotFound(_, let context): return "\(path(context)): \(detail(context))"
        @unknown default: return EchoedInput.bare("\(error)", limit: 200)
        }
    }
}
