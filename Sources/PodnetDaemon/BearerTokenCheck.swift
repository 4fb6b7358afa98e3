/// Verifies `Authorization: Bearer …` against the configured token in constant time.
public struct BearerTokenCheck: Sendable {
    private let token: [UInt8]?

    /// No token: every request is allowed.
    public init(token: String?) {
        self.token = token.map { Array($0.utf8) }
    }

    public var isEnabled: Bool { token != nil }

    /// Whether the header value carries the token. Compares every byte whatever matches,
    /// so the time taken does not reveal how much of a guess was right.
    public func allows(authorizationHeader: String?) -> Bool {
        guard let token else { return true }
        guard let header = authorizationHeader else { return false }
        let scheme = "bearer "
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme else { return false }
        let presented = Array(header.dropFirst(scheme.count).utf8)
        var difference = UInt8(presented.count == token.count ? 0 : 1)
        for index in 0..<token.count {
            let byte = index < presented.count ? presented[index] : 0
            difference |= byte ^ token[index]
        }
        return difference == 0
    }
}
