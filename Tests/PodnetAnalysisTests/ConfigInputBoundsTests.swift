import Foundation
import PodnetAnalysis
import PodnetConfig
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Input podnetd reads is bounded and never blocks: non-regular files are refused by what they
/// are, long values are rejected without costly suggestions, and echoed values are quoted.
@Suite struct ConfigInputBoundsTests {
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-bounds-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a FIFO, a directory and /dev/zero are refused at once, saying what they are; /dev/null reads as empty")
    func nonRegularFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/podnetd.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        let cases = [
            (fifo, "is a FIFO (named pipe), not a regular file"), (directory, "is a directory, not a regular file"),
            ("/dev/zero", "is a character device, not a regular file"),
        ]
        for (path, expected) in cases {
            do {
                _ = try PodnetConfigFile.load(path: path)
                Issue.record("\(path) was read")
            } catch {
                #expect(error.description == "\(path): cannot read the config: \(expected)")
                #expect(!error.description.contains("permission"))
            }
        }
        #expect(try PodnetConfigFile.load(path: "/dev/null") == PodnetConfig())
        #expect(try LocalFileSystem().readText(atPath: directory + "/absent") == nil)
    }

    @Test("a file over the size limit is refused naming the limit")
    func oversizedFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/big.yaml"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(count: LocalFileSystem.maximumSize + 1)))
        #expect(throws: FileReadError.self) { try LocalFileSystem().readText(atPath: path) }
        do {
            _ = try LocalFileSystem().readText(atPath: path)
        } catch {
            #expect("\(error)" == "is \(LocalFileSystem.maximumSize + 1) bytes, larger than the 4 MiB podnetd reads")
        }
    }

    @Test("a 400,000-character instanceType is rejected by its length, quoted and cut short, without suggestions")
    func hugeInstanceType() throws {
        let huge = String(repeating: "m5.large", count: 50_000)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try PodnetConfigFile.parse(yaml: "instanceType: \(huge)\n", path: "podnetd.yaml")
            Issue.record("accepted")
        } catch {
            #expect(
                error.description
                    == "podnetd.yaml:1: instanceType: expected auto or an EC2 instance type, got a value of 400000 bytes (at most 4096): \""
                    + String(huge.prefix(64)) + "…\" (400000 characters)")
        }
        // Not a timing assertion on the machine's speed: before, this took 15 s.
        #expect(clock.now - start < .seconds(2))
    }

    @Test("suggestions skip names too long to be misspellings; close ones are still suggested")
    func cheapSuggestions() {
        let table = ENILimitsTable.embedded
        #expect(table.suggestions(for: String(repeating: "x", count: 200)).isEmpty)
        #expect(table.suggestions(for: "t3a.mediun").first == "t3a.medium")
        // A value within the size limit but not a type: rejected with a short message.
        let value = "m5." + String(repeating: "q", count: 4000)
        do {
            _ = try PodnetConfigFile.parse(yaml: "instanceType: \(value)\n", path: "p.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("p.yaml:1: instanceType: unknown instance type \"m5.qqq"))
            #expect(error.description.count < 200, "\(error.description.count) characters")
        }
    }

    @Test("an unknown key with a newline and 1,000 characters is quoted and cut in its one-line error")
    func unknownKeyQuoted() {
        // YAML allows implicit keys of up to 1024 characters.
        let key = "bad\nkey" + String(repeating: "k", count: 1_000)
        do {
            _ = try PodnetConfigFile.parse(
                yaml: "\"\(key.replacingOccurrences(of: "\n", with: "\\n"))\": 1\n", path: "p.yaml")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("\n"))
            #expect(error.description.hasPrefix("p.yaml:1: unknown key \"bad\\nkeykkk"))
            #expect(error.description.count < 250, "\(error.description)")
        }
    }
}
