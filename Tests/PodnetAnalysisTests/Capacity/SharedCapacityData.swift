import Foundation

/// The project's shared data folder (`../shared` next to the repository), found from this file.
enum SharedCapacityData {
    /// `<repo>/../shared`, from `<repo>/Tests/PodnetAnalysisTests/Capacity/<this file>`.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // → Tests/PodnetAnalysisTests/Capacity
        .deletingLastPathComponent()  // → Tests/PodnetAnalysisTests
        .deletingLastPathComponent()  // → Tests
        .deletingLastPathComponent()  // → the repository
        .deletingLastPathComponent()  // → the repository's parent
        .appendingPathComponent("shared")

    /// A file of the shared folder that the tests compare against is missing.
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "shared data file \(path) is missing: these tests compare the calculator with it and must"
                + " not be skipped; put the project's shared folder next to the repository"
        }
    }

    /// The text of a shared file; throws (failing the test) when it is absent.
    static func text(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw Missing(path: path)
        }
        return try String(contentsOfFile: path, encoding: .utf8)
    }
}
