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
}
