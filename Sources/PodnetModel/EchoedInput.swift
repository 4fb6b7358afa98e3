/// Input echoed back in an error message (a config value, a key, a file name, a snapshot field):
/// escaped so that the message stays one line, and cut short so that a 1 MB value cannot make a
/// 1 MB message. Every error that repeats what it was given goes through here.
public enum EchoedInput {
    /// How many characters (Unicode scalars) of a value an error message repeats.
    public static let defaultLimit = 64

    /// `"value"`, with quotes, backslashes and control characters escaped (`\n`, `\t`, `\0`,
    /// `\u{1B}`); a longer value is cut after `limit` characters and says how long it was:
    /// `"aaaa…" (100000 characters)`.
    public static func quoted(_ value: some StringProtocol, limit: Int = defaultLimit) -> String {
        let (text, total) = escaped(value, limit: limit, escapeQuotes: true)
        return "\"" + text + "\"" + (total.map { " (\($0) characters)" } ?? "")
    }

    /// The same without quotes, for what is not a string value (a number as written, a path, a
    /// message from a parser): `1111…` then ` (100000 characters)` when cut.
    public static func bare(_ value: some StringProtocol, limit: Int = defaultLimit) -> String {
        let (text, total) = escaped(value, limit: limit, escapeQuotes: false)
        return text + (total.map { " (\($0) characters)" } ?? "")
    }

    /// The escaped prefix (with `…` when cut) and, when cut, the value's full length.
    private static func escaped(_ value: some StringProtocol, limit: Int, escapeQuotes: Bool) -> (String, Int?) {
        var text = ""
        var count = 0
        for scalar in value.unicodeScalars {
            count += 1
            guard count <= limit else { continue }
            switch scalar {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\0": text += "\\0"
            case "\\" where escapeQuotes: text += "\\\\"
            case "\"" where escapeQuotes: text += "\\\""
            default:
                if isControl(scalar) {
                    text += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        guard count > limit else { return (text, nil) }
        return (text + "…", count)
    }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: anything that could
    /// break a log line or a terminal.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F..<0xA0, 0x2028, 0x2029: return true
        default: return false
        }
    }
}
