/// The text of a tsv data file as the instance tables write it: `#` comment lines (the first
/// `# source:` one names where the data comes from), blank lines, and tab-separated rows.
struct TSVText {
    /// One non-blank, non-comment line: its 1-based number, its text, its fields (trimmed).
    struct Row {
        let lineNumber: Int
        let text: String
        let fields: [String]
    }

    /// The text after the first `# source:`; nil when there is none.
    let source: String?
    /// The rows in order; the first is the column header.
    let rows: [Row]

    init(_ text: String) {
        var source: String?
        var rows: [Row] = []
        let sourcePrefix = "# source:"
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
        {
            let line = String(rawLine)
            if line.allSatisfy(\.isWhitespace) { continue }
            if line.hasPrefix("#") {
                if source == nil, line.hasPrefix(sourcePrefix) {
                    source = Self.trim(line.dropFirst(sourcePrefix.count))
                }
                continue
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { Self.trim($0) }
            rows.append(Row(lineNumber: offset + 1, text: line, fields: fields))
        }
        self.source = source
        self.rows = rows
    }

    /// Without leading and trailing blanks.
    static func trim<S: StringProtocol>(_ text: S) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }
}
