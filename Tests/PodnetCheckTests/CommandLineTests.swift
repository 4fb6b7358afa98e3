import PodnetTestSupport
import Testing

/// Exit statuses are API: `check` runs as a node-problem-detector plugin (0 ok, 1 findings, 2 could not check).
@Suite("command line")
struct CommandLineTests {
    @Test(
        "usage errors exit 2 with one line on stderr",
        arguments: [["check", "--format", "xml"], ["check", "--bogus"], ["nosuch"], ["serve", "--listen", "nope"], ["max-pods"]])
    func usageErrors(_ arguments: [String]) throws {
        let result = try PodnetdBinary.locate().run(arguments)
        #expect(result.exitCode == 2, "\(arguments): \(result)")
        #expect(result.stderr.hasPrefix("podnetd: "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }

    @Test("--help and --version exit 0 on stdout")
    func helpAndVersion() throws {
        let binary = try PodnetdBinary.locate()
        for arguments in [["--help"], ["check", "--help"], ["--version"]] {
            let result = try binary.run(arguments)
            #expect(result.exitCode == 0, "\(arguments): \(result)")
            #expect(!result.stdout.isEmpty && result.stderr.isEmpty, "\(arguments): \(result)")
        }
    }

    @Test("output that cannot be written is an error, not a silent success")
    func unwritableOutput() throws {
        let binary = try PodnetdBinary.locate().path
        let full = try runProcess("sh", ["-c", "\"$0\" max-pods --instance-type m5.large > /dev/full", binary])
        #expect(full.exitCode == 2, "\(full)")
        #expect(full.stderr.contains("cannot write the output"), "\(full.stderr)")
    }
}
