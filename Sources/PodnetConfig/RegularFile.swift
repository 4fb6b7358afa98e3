#if canImport(Glibc)
    import Glibc
#endif

/// Reads a whole regular file, bounded, without ever blocking on what the path turns out to be.
///
/// The file is opened with `O_NONBLOCK` (opening a FIFO for reading then returns at once instead of
/// waiting for a writer) and judged by `fstat` on that descriptor, so there is no window between a
/// check and the open. Directories, FIFOs, sockets and devices are refused with what they are;
/// only `/dev/null` is read, as an empty file (`--config /dev/null` is a common way to say "no
/// config").
public enum RegularFile {
    /// The bytes of the file at `path`, or nil when there is no such file. Throws when the path is
    /// not a regular file, cannot be read, or is larger than `maximumSize` bytes.
    public static func read(atPath path: String, maximumSize: Int) throws(FileReadError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if descriptor < 0 {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: return nil
            case ENXIO: throw FileReadError(message: "is a socket or a device without a reader, not a regular file")
            default: throw FileReadError(message: "cannot open: \(describe(code))")
            }
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw FileReadError(message: "cannot inspect: \(describe(errno))")
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFCHR && info.st_rdev == devNull { return [] }
        guard type == S_IFREG else { throw FileReadError(message: "\(kind(type)), not a regular file") }
        if Int(info.st_size) > maximumSize {
            throw FileReadError(
                message: "is \(info.st_size) bytes, larger than the \(sizeText(maximumSize)) podnetd reads")
        }
        // The size from fstat is a hint (sysfs reports 4096 for everything; a file may grow), so
        // read up to one byte past the limit to notice a file that is larger after all.
        var bytes = [UInt8](repeating: 0, count: min(maximumSize + 1, max(Int(info.st_size) + 1, 4096)))
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count <= maximumSize else { break }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, maximumSize + 1 - bytes.count)))
            }
            let result = bytes.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(descriptor, base + count, buffer.count - count)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw FileReadError(message: "cannot read: \(describe(errno))")
            }
            if result == 0 { break }
            count += result
        }
        guard count <= maximumSize else {
            throw FileReadError(message: "is larger than the \(sizeText(maximumSize)) podnetd reads")
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// `/dev/null`'s device number (major 1, minor 3).
    private static let devNull: dev_t = (1 << 8) | 3

    private static func kind(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: return "is a directory"
        case S_IFIFO: return "is a FIFO (named pipe)"
        case S_IFSOCK: return "is a socket"
        case S_IFCHR: return "is a character device"
        case S_IFBLK: return "is a block device"
        default: return "is not a file"
        }
    }

    /// `4 MiB`, `512 KiB`, `100 bytes`.
    public static func sizeText(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    private static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
