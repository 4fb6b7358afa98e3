import Foundation
import PodnetTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Under systemd, stderr is journald's stream and JOURNAL_STREAM names it: podnetd then logs
/// `<priority>message` lines without a timestamp of its own; anywhere else, swift-log's
/// timestamped lines.
@Suite("serve: logs for journald") struct ServeJournalLogTests {
    /// Starts podnetd with stderr going to a file whose device and inode JOURNAL_STREAM names (as
    /// systemd does for the socket it connects), or names another file when `matching` is false.
    func stderrLines(matching: Bool) throws -> [String] {
        try requireRootAndIPRoute2()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // spawnInBackground opens the path with O_TRUNC: the inode stays the one created here.
        let target = try directory.write(matching ? "stderr" : "elsewhere", "")
        var status = stat()
        #expect(stat(target, &status) == 0)
        let stream = "\(status.st_dev):\(status.st_ino)"
        return try withCalicoNode(CalicoNodeScenario()) { node in
            let daemon = try ServedDaemon(
                in: node.namespace, directory: directory, config: ServeConfig.text(),
                environment: ["JOURNAL_STREAM": stream])
            defer { daemon.stop() }
            try daemon.waitUntilReady()
            try node.deleteRemoteRoute()
            _ = poll(timeout: .seconds(5)) { daemon.stderr.contains("finding appeared") ? true : nil }
            return daemon.stderr.split(separator: "\n").map(String.init)
        }
    }

    @Test("stderr is the journal stream: <priority> prefixes, no timestamp, metadata as key=value")
    func journalFormat() throws {
        let lines = try stderrLines(matching: true)
        #expect(lines.contains { $0.hasPrefix("<6>node name ") }, "\(lines)")
        #expect(lines.contains("<6>first analysis done; serving"), "\(lines)")
        let appeared = lines.first { $0.contains("finding appeared") }
        #expect(
            appeared?.hasPrefix("<4>finding appeared: no route for remote block 192.168.35.0/26") == true, "\(lines)")
        #expect(appeared?.contains(" check=vxlan-route-missing object=192.168.35.0/26 severity=critical") == true)
        #expect(lines.allSatisfy { $0.first == "<" }, "\(lines)")
        #expect(!lines.contains { $0.contains("+0000") }, "no timestamps of its own: \(lines)")
    }

    @Test("JOURNAL_STREAM naming another file (a shell started from a unit) keeps the terminal format")
    func otherStreamKeepsTerminalFormat() throws {
        let lines = try stderrLines(matching: false)
        let appeared = lines.first { $0.contains("finding appeared") }
        #expect(appeared?.contains(" warning podnetd:") == true, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("<") }, "\(lines)")
    }
}
