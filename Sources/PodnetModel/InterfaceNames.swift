/// Resolves interface indexes to names for `ip`-style text.
public struct InterfaceNames: Sendable {
    private let names: [InterfaceIndex: String]

    public init(_ links: [Link]) {
        names = Dictionary(links.map { ($0.index, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// The interface's name, or `if<N>` as `ip` prints an unknown index.
    public subscript(index: InterfaceIndex) -> String { names[index] ?? "if\(index.rawValue)" }
}
