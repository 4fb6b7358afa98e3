extension ENILimitsTable {
    /// Up to `limit` instance types close to a name that is not in the table, closest first.
    ///
    /// Types the name begins (`m7i.metal` → `m7i.metal-24xl`; `c5` → `c5.large`, …) come first,
    /// those of the name's own family before the others; then types of the same family or within a
    /// small edit distance (`t3a.mediun` → `t3a.medium`, `t3.medium`). Each group is ranked by
    /// edit distance, then same family first, then by name.
    public func suggestions(for name: String, limit: Int = 5) -> [String] {
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
}
