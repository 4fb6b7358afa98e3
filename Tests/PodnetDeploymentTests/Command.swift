import Foundation

/// The repository checkout these tests belong to, found from this file's own path.
enum Repository {
    /// The repository's root directory (two levels above `Tests/PodnetDeploymentTests`).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A file or directory inside the repository, by its path relative to the root.
    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}

/// A command-line tool the deployment tests need that is not installed.
struct MissingTool: Error, CustomStringConvertible {
    let name: String
    var description: String {
        "\(name) not found on PATH: install the project's dependencies with `sudo bash Scripts/deps.sh`"
    }
}

/// A command that did not finish within its time limit.
struct CommandTimedOut: Error, CustomStringConvertible {
    let command: String
    let seconds: Double
    var description: String { "\(command) still running after \(seconds) s: killed" }
}

/// What a finished command returned.
struct CommandResult {
    let command: String
    let status: Int32
    let stdout: String
    let stderr: String

    /// Everything a failed expectation should show.
    var transcript: String {
        "$ \(command)\nexit status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }
}

/// Runs external tools for the tests, with output captured in temporary files (no pipe can fill up).
enum Command {
    /// The absolute path of `name` on `$PATH`, or `MissingTool`.
    static func which(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw MissingTool(name: name)
    }

    /// Runs `tool` (looked up on `$PATH`) with `arguments` in `directory` and waits for it.
    static func run(
        _ tool: String,
        _ arguments: [String],
        in directory: String = Repository.root.path,
        environment: [String: String] = [:],
        timeout: Double = 120
    ) throws -> CommandResult {
        let executable = try which(tool)
        let scratch = try TemporaryDirectory()
        let outURL = scratch.url.appendingPathComponent("stdout")
        let errURL = scratch.url.appendingPathComponent("stderr")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()

        let command = ([tool] + arguments).joined(separator: " ")
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw CommandTimedOut(command: command, seconds: timeout)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()

        return CommandResult(
            command: command,
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        )
    }
}

/// A fresh directory under the system's temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("podnetd-deploy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` to `name` inside the directory and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String, permissions: Int = 0o644) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: file.path)
        return file.path
    }
}
