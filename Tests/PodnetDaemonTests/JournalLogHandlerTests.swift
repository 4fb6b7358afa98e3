import Glibc
import Logging
import Testing

@testable import PodnetDaemon

/// `JournalLogHandler`: one line per record with a syslog priority and no timestamp, chosen only
/// when stderr is the stream JOURNAL_STREAM names.
@Suite struct JournalLogHandlerTests {
    @Test("a record is one line: <priority>message, then the metadata as sorted key=value pairs")
    func lineFormat() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var logger = Logger(label: "podnetd") { _ in JournalLogHandler(fileDescriptor: fds[1]) }
        logger.logLevel = .debug
        logger.warning("finding appeared: x", metadata: ["object": "192.168.35.0/26", "check": "vxlan-route-missing"])
        logger.notice("resolved\nsecond line")
        logger.debug("detail")
        logger.error("bad")
        logger.critical("worse")
        logger.info("hello")
        close(fds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fds[0], &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "<4>finding appeared: x check=vxlan-route-missing object=192.168.35.0/26",
                "<5>resolved\\nsecond line",
                "<7>detail",
                "<3>bad",
                "<2>worse",
                "<6>hello",
            ])
    }

    @Test("every level maps to its syslog priority")
    func priorities() {
        let levels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]
        #expect(levels.map(JournalLogHandler.priority) == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test("JOURNAL_STREAM must name stderr's device and inode; unset or another stream keeps the terminal format")
    func streamDetection() {
        #expect(JournalLogHandler.streamMatches("8:12345", device: 8, inode: 12345))
        #expect(!JournalLogHandler.streamMatches("8:12345", device: 8, inode: 12346))
        #expect(!JournalLogHandler.streamMatches("9:12345", device: 8, inode: 12345))
        #expect(!JournalLogHandler.streamMatches(nil, device: 8, inode: 12345))
        #expect(!JournalLogHandler.streamMatches("8:", device: 8, inode: 0))
        #expect(!JournalLogHandler.streamMatches("garbage", device: 8, inode: 12345))
        #expect(!JournalLogHandler.stderrIsJournal(environment: [:]))
    }

    @Test("stderrIsJournal is true when JOURNAL_STREAM names stderr itself")
    func detectsOwnStderr() {
        var status = stat()
        #expect(fstat(STDERR_FILENO, &status) == 0)
        let value = "\(status.st_dev):\(status.st_ino)"
        #expect(JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": value]))
        #expect(
            !JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino + 1)"])
        )
    }
}
