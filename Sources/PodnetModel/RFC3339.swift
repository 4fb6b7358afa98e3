#if canImport(Glibc)
import Glibc
#endif

/// UTC timestamps as podnetd writes them everywhere (`2026-11-22T03:00:00Z`): snapshots, reports,
/// finding first/last seen.
public enum RFC3339 {
    /// The time `seconds` after the Unix epoch.
    public static func format(secondsSince1970 seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "" }
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }

    /// The current time.
    public static func now() -> String { format(secondsSince1970: Int(time(nil))) }

    /// Whether `text` is an RFC 3339 date-time (`2026-11-22T03:00:00Z`, `…T03:00:00.5+01:00`).
    public static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int, in range: ClosedRange<Int>) -> Bool {
            guard start + count <= bytes.count else { return false }
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return range.contains(value)
        }
        func byte(_ index: Int, _ allowed: String) -> Bool {
            index < bytes.count && allowed.utf8.contains(bytes[index])
        }
        guard number(0, 4, in: 0...9999), byte(4, "-"), number(5, 2, in: 1...12), byte(7, "-"),
            number(8, 2, in: 1...31), byte(10, "Tt"), number(11, 2, in: 0...23), byte(13, ":"),
            number(14, 2, in: 0...59), byte(16, ":"), number(17, 2, in: 0...60)
        else { return false }
        var index = 19
        if byte(index, ".") {
            index += 1
            let digits = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > digits else { return false }
        }
        if byte(index, "Zz") { return index + 1 == bytes.count }
        guard byte(index, "+-"), number(index + 1, 2, in: 0...23), byte(index + 3, ":"),
            number(index + 4, 2, in: 0...59)
        else { return false }
        return index + 6 == bytes.count
    }
}
