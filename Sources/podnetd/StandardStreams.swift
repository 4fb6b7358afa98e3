#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout/stderr without Foundation's buffering surprises.
enum StandardStreams {
    /// Writes all bytes to stdout. A reader that went away (`podnetd dump | head`) ends the process
    /// by SIGPIPE, as for any filter; any other failure (a full disk, a closed stdout) must not pass
    /// for success: one line on stderr and exit status 2, so a truncated dump is never taken as whole.
    static func writeOut(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeOut($0) }
    }

    static func writeOut(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let written = write(STDOUT_FILENO, base + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                error("cannot write the output: \(String(cString: strerror(errno)))")
                exit(2)
            }
            offset += written
        }
    }

    static func writeOut(_ text: String) { writeOut(Array(text.utf8)) }

    /// One line on stderr, prefixed with the program name.
    static func error(_ message: String) {
        let line = Array("podnetd: \(message)\n".utf8)
        line.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Whether stdout is a terminal and the user has not asked for no colour (NO_COLOR).
    static var stdoutWantsColor: Bool {
        isatty(STDOUT_FILENO) == 1 && getenv("NO_COLOR") == nil
    }
}
