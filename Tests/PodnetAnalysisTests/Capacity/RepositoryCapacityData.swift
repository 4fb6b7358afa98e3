import Foundation

/// The instance tables shipped in the repository (`Config/data`), found from this file, so the tests
/// compare the calculator with the data a fresh clone carries (never a folder outside it).
enum RepositoryCapacityData {
    /// `<repo>/Config/data`, from `<repo>/Tests/PodnetAnalysisTests/Capacity/<this file>`.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // → Tests/PodnetAnalysisTests/Capacity
        .deletingLastPathComponent()  // → Tests/PodnetAnalysisTests
        .deletingLastPathComponent()  // → Tests
        .deletingLastPathComponent()  // → the repository
        .appendingPathComponent("Config")
        .appendingPathComponent("data")

    /// A data file the tests compare against is missing from the repository.
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "data file \(path) is missing from the repository (Config/data)" }
    }

    /// The text of a data file; throws (failing the test) when it is absent.
    static func text(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw Missing(path: path)
        }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// A line of eni-max-pods.txt that is not `TYPE COUNT`.
    struct Unreadable: Error, CustomStringConvertible {
        let line: String
        var description: String { "unreadable line of eni-max-pods.txt: \(line)" }
    }

    /// AWS's official max pods per instance type (`eni-max-pods.txt`), in file order.
    static func officialMaxPods() throws -> [(type: String, maxPods: Int)] {
        try text("eni-max-pods.txt").split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: " ")
            guard fields.count == 2, let maxPods = Int(fields[1]) else { throw Unreadable(line: String(line)) }
            return (String(fields[0]), maxPods)
        }
    }
}
