/// A Calico label selector (an IPPool's `spec.nodeSelector`), parsed once and evaluated against a
/// node's labels. The grammar and meaning follow libcalico-go/lib/selector (tokenizer/tokenizer.go,
/// parser/parser.go, parser/ast.go): `all()`, `global()`, `has(k)`, `k == 'v'`, `k != 'v'`,
/// `k in {'a','b'}`, `k not in {…}`, `k contains 'v'`, `k starts with 'v'`, `k ends with 'v'`, `!`,
/// `&&` (binds tighter than `||`), `||`, parentheses; strings in single or double quotes (no escapes);
/// labels of `[A-Za-z0-9_./-]`. An empty selector selects everything. `!=` and `not in` hold for a
/// node without the label. A malformed selector is an error with its position, never a crash.
public struct CalicoSelector: Sendable, Hashable {
    /// The selector's syntax tree.
    indirect enum Expression: Sendable, Hashable {
        case all
        case has(String)
        case equals(String, String)
        case notEquals(String, String)
        case inSet(String, Set<String>)
        case notInSet(String, Set<String>)
        case contains(String, String)
        case startsWith(String, String)
        case endsWith(String, String)
        case not(Expression)
        case and([Expression])
        case or([Expression])
    }

    /// Why a selector does not parse, and where (a 0-based character offset).
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { "\(message) at character \(offset + 1)" }
    }

    /// The selector as written.
    public let text: String
    let expression: Expression

    /// Parses `text`; throws `SyntaxError` naming what was expected where.
    public init(_ text: String) throws(SyntaxError) {
        self.text = text
        var parser = Parser(Array(text.unicodeScalars))
        parser.skipSpace()
        if parser.atEnd {
            expression = .all
            return
        }
        let parsed = try parser.orExpression()
        parser.skipSpace()
        guard parser.atEnd else { throw parser.error("unexpected \(parser.remainderPreview) after a complete selector") }
        expression = parsed
    }

    /// Whether a node with these labels is selected.
    public func selects(_ labels: [String: String]) -> Bool { Self.evaluate(expression, labels) }

    private static func evaluate(_ expression: Expression, _ labels: [String: String]) -> Bool {
        switch expression {
        case .all: return true
        case .has(let key): return labels[key] != nil
        case .equals(let key, let value): return labels[key] == value
        case .notEquals(let key, let value): return labels[key] != value
        case .inSet(let key, let values): return labels[key].map(values.contains) ?? false
        case .notInSet(let key, let values): return labels[key].map { !values.contains($0) } ?? true
        case .contains(let key, let part): return labels[key]?.contains(part) ?? false
        case .startsWith(let key, let prefix): return labels[key]?.hasPrefix(prefix) ?? false
        case .endsWith(let key, let suffix): return labels[key]?.hasSuffix(suffix) ?? false
        case .not(let inner): return !evaluate(inner, labels)
        case .and(let terms): return terms.allSatisfy { evaluate($0, labels) }
        case .or(let terms): return terms.contains { evaluate($0, labels) }
        }
    }

    /// Deepest nesting of parentheses parsed. The parser recurses per level: an unbounded depth (a
    /// selector of 100,000 `(` written through the CRD) would overflow the stack and crash the node
    /// agent. No real selector comes near it; Calico's Go parser has no limit (its stacks grow).
    static let maxNesting = 32

    /// Longest label (libcalico-go/lib/selector/tokenizer `MaxLabelLength`: a longer one is an error).
    static let maxLabelLength = 512

    /// Recursive descent over the selector's characters: or → and → operation.
    struct Parser {
        let characters: [Unicode.Scalar]
        var position = 0
        /// Parentheses open around the current position.
        var depth = 0

        init(_ characters: [Unicode.Scalar]) { self.characters = characters }

        var atEnd: Bool { position >= characters.count }

        var remainderPreview: String {
            var preview = String(String.UnicodeScalarView(characters[position...].prefix(16)))
            if characters.count - position > 16 { preview += "…" }
            return "\"\(preview)\""
        }

        func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: position) }

        mutating func skipSpace() {
            while position < characters.count, characters[position] == " " || characters[position] == "\t" {
                position += 1
            }
        }

        /// Consumes `literal` (after spaces) when it comes next.
        mutating func take(_ literal: String) -> Bool {
            skipSpace()
            let scalars = Array(literal.unicodeScalars)
            guard characters.count - position >= scalars.count,
                Array(characters[position..<position + scalars.count]) == scalars
            else { return false }
            position += scalars.count
            return true
        }

        /// Consumes a keyword (`in`, `not`, …) only when no label character follows it.
        mutating func takeWord(_ word: String) -> Bool {
            let start = position
            guard take(word) else { return false }
            if !atEnd, Self.isLabelCharacter(characters[position]) {
                position = start
                return false
            }
            return true
        }

        static func isLabelCharacter(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "/", "-": return true
            default: return false
            }
        }

        mutating func label() throws(SyntaxError) -> String {
            skipSpace()
            let start = position
            while position < characters.count, Self.isLabelCharacter(characters[position]) { position += 1 }
            guard position > start else {
                throw error(atEnd ? "expected a label, found the end" : "expected a label, found \(remainderPreview)")
            }
            guard position - start <= CalicoSelector.maxLabelLength else {
                position = start
                throw error("label longer than \(CalicoSelector.maxLabelLength) characters")
            }
            return String(String.UnicodeScalarView(characters[start..<position]))
        }

        mutating func string() throws(SyntaxError) -> String {
            skipSpace()
            guard !atEnd, characters[position] == "'" || characters[position] == "\"" else {
                throw error(atEnd ? "expected a quoted string, found the end" : "expected a quoted string, found \(remainderPreview)")
            }
            let quote = characters[position]
            let start = position + 1
            var end = start
            while end < characters.count, characters[end] != quote { end += 1 }
            guard end < characters.count else { throw error("unterminated string") }
            position = end + 1
            return String(String.UnicodeScalarView(characters[start..<end]))
        }

        mutating func orExpression() throws(SyntaxError) -> Expression {
            var terms = [try andExpression()]
            while take("||") { terms.append(try andExpression()) }
            return terms.count == 1 ? terms[0] : .or(terms)
        }

        mutating func andExpression() throws(SyntaxError) -> Expression {
            var terms = [try operation()]
            while take("&&") { terms.append(try operation()) }
            return terms.count == 1 ? terms[0] : .and(terms)
        }

        mutating func operation() throws(SyntaxError) -> Expression {
            var negated = false
            while true {
                skipSpace()
                // `!` alone; `!=` only ever follows a label.
                guard !atEnd, characters[position] == "!" else { break }
                position += 1
                negated.toggle()
            }
            let inner = try term()
            return negated ? .not(inner) : inner
        }

        mutating func term() throws(SyntaxError) -> Expression {
            skipSpace()
            if atEnd { throw error("expected a selector term, found the end") }
            if take("(") {
                guard depth < CalicoSelector.maxNesting else {
                    throw error("parentheses nested deeper than \(CalicoSelector.maxNesting)")
                }
                depth += 1
                defer { depth -= 1 }
                let inner = try orExpression()
                guard take(")") else { throw error("expected ')'") }
                return inner
            }
            if takeCall("all") { return .all }
            if takeCall("global") { return .all }  // selects everything a nodeSelector can see
            if take("has(") {
                let key = try label()
                guard take(")") else { throw error("no closing ')' after has(") }
                return .has(key)
            }
            let key = try label()
            if take("==") { return .equals(key, try string()) }
            if take("!=") { return .notEquals(key, try string()) }
            if takeWord("contains") { return .contains(key, try string()) }
            if takeWords("starts", "with") { return .startsWith(key, try string()) }
            if takeWords("ends", "with") { return .endsWith(key, try string()) }
            if takeWords("not", "in") { return .notInSet(key, try set()) }
            if takeWord("in") { return .inSet(key, try set()) }
            throw error("expected an operator after label \"\(key)\"")
        }

        /// `all()` / `global()`, spaces allowed inside the parentheses.
        mutating func takeCall(_ name: String) -> Bool {
            let start = position
            guard take(name + "(") else { return false }
            guard take(")") else {
                position = start
                return false
            }
            return true
        }

        /// Two keywords with spaces between them (Calico also accepts `notin`).
        mutating func takeWords(_ first: String, _ second: String) -> Bool {
            let start = position
            if takeWord(first + second) { return true }
            guard take(first), takeWord(second) else {
                position = start
                return false
            }
            return true
        }

        mutating func set() throws(SyntaxError) -> Set<String> {
            guard take("{") else { throw error("expected '{'") }
            var values: Set<String> = []
            skipSpace()
            if take("}") { return values }
            repeat { values.insert(try string()) } while take(",")
            guard take("}") else { throw error("expected '}'") }
            return values
        }
    }
}
