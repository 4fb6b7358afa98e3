extension ENILimitsTable {
    /// Up to `limit` instance types close to a name that is not in the table, closest first.
    ///
    /// Types the name begins (`m7i.metal` → `m7i.metal-24xl`; `c5` → `c5.large`, …) come first,
    /// those of the name's own family before the others; then types of the same family or within a
    /// small edit distance (`t3a.mediun` → `t3a.medium`, `t3.medium`). Each group is ranked by
    /// edit distance, then same family first, then by name.
    public func suggestions(for name: String, limit: Int = 5) -> [String] {
        // Instance type names are short: a name over twice the longest is no misspelling of one,
        // and skipping it keeps a 100,000-character value from costing seconds of edit distances.
        guard name.utf8.count <= 2 * longestNameBytes else { return [] }
        let query = Self.normalize(name)
        guard !query.isEmpty, limit > 0 else { return [] }
        let family = query.prefix { $0 != "." }
        let maxDistance = max(2, query.count / 3)
        let queryBytes = Array(query.utf8)

        struct Candidate {
            let name: String
            let notPrefixed: Int
            let otherFamily: Int
            let distance: Int
        }
        var candidates: [Candidate] = []
        for type in instanceTypes where type != query {
            guard let limits = limits[type] else { continue }
            let prefixed = type.hasPrefix(query)
            let sameFamily = limits.family == family
            // The distance is at least the difference in length: skip it when that alone is too far.
            guard prefixed || sameFamily || abs(type.utf8.count - queryBytes.count) <= maxDistance else { continue }
            let distance = EditDistance.between(queryBytes, Array(type.utf8))
            guard prefixed || sameFamily || distance <= maxDistance else { continue }
            candidates.append(
                Candidate(
                    name: type, notPrefixed: prefixed ? 0 : 1, otherFamily: sameFamily ? 0 : 1,
                    distance: distance))
        }
        candidates.sort {
            if $0.notPrefixed != $1.notPrefixed { return $0.notPrefixed < $1.notPrefixed }
            if $0.notPrefixed == 0, $0.otherFamily != $1.otherFamily { return $0.otherFamily < $1.otherFamily }
            return ($0.distance, $0.otherFamily, $0.name) < ($1.distance, $1.otherFamily, $1.name)
        }
        return candidates.prefix(limit).map(\.name)
    }

    /// The length in bytes of the longest instance type name in the table.
    var longestNameBytes: Int { instanceTypes.map(\.utf8.count).max() ?? 0 }
}
