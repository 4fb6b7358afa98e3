import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler for stderr connected to journald: each record is one line
/// `<PRIORITY>message key=value …`, with no timestamp of its own (journald stamps every line).
///
/// Why syslog priority prefixes on stderr rather than the native journal protocol: systemd already
/// connects stderr to journald, so the unit's sandbox needs no socket path and no address family
/// beyond what it has, lines stay in order with anything else written to stderr, and journald
/// reads the `<N>` prefix into PRIORITY (SyslogLevelPrefix= defaults to yes), which is what
/// `journalctl -p warning` filters on. The metadata (`check=`, `object=`, `severity=`, `count=`)
/// follows the message as `key=value` pairs, for `journalctl -g 'check=vxlan-route-missing'`.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// Where lines go (stderr; a pipe in tests).
    private let fileDescriptor: Int32

    public init(fileDescriptor: Int32 = STDERR_FILENO) {
        self.fileDescriptor = fileDescriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        let bytes = Array(Self.line(level: level, message: "\(message)", metadata: merged).utf8)
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = write(fileDescriptor, base + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }  // journald gone: nothing sensible to do with a log line
                offset += written
            }
        }
    }

    /// `<4>message check=vxlan-route-missing object=192.168.35.0/26\n`: one line whatever the
    /// message holds (a newline would start a new journal entry without a priority).
    static func line(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var text = "<\(priority(level))>" + oneLine(message)
        for key in metadata.keys.sorted() {
            text += " \(key)=" + oneLine("\(metadata[key].map { "\($0)" } ?? "")")
        }
        return text + "\n"
    }

    /// syslog(3) priorities: journald maps them to PRIORITY=.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" }) else { return text }
        return text.replacingNewlines()
    }

    /// Whether stderr is the stream systemd connected to journald: `JOURNAL_STREAM` (`DEV:INODE`)
    /// names stderr's device and inode. Set but not matching (a shell started from a unit, stderr
    /// redirected) means a terminal or a file: keep the timestamped format there.
    public static func stderrIsJournal(environment: [String: String]) -> Bool {
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return streamMatches(environment["JOURNAL_STREAM"], device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Whether a `JOURNAL_STREAM` value names this device and inode (both decimal).
    static func streamMatches(_ value: String?, device: UInt64, inode: UInt64) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let streamDevice = UInt64(parts[0]), let streamInode = UInt64(parts[1]) else {
            return false
        }
        return streamDevice == device && streamInode == inode
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for character in self {
            switch character {
            case "\n", "\r\n": result += "\\n"
            case "\r": result += "\\r"
            default: result.append(character)
            }
        }
        return result
    }
}
