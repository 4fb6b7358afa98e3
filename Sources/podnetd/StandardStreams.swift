#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout/stderr without Foundation's buffering surprises.
enum StandardStreams {
    /// Writes all bytes to stdout; a closed pipe (`podnetd dump | head`) ends quietly.
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
                return
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
