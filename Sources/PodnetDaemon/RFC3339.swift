import Foundation

/// UTC timestamps as `2026-11-22T03:00:00Z`.
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
