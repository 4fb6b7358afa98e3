/// A list with O(1) lookup by key that keeps insertion order: slots plus an index, with lazily
/// compacted holes. Values whose key is already present (a snapshot can hold such duplicates) are
/// kept; the key then addresses the last of them.
struct KeyedList<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var slots: [Value?] = []
    private var index: [Key: Int] = [:]
    private var holes = 0
    private let key: @Sendable (Value) -> Key

    init(_ values: [Value], key: @escaping @Sendable (Value) -> Key) {
        self.key = key
        slots.reserveCapacity(values.count)
        index.reserveCapacity(values.count)
        for value in values {
            index[key(value)] = slots.count
            slots.append(value)
        }
    }

    /// The values in order.
    var values: [Value] { slots.compactMap { $0 } }

    var count: Int { slots.count - holes }

    func value(for key: Key) -> Value? { index[key].flatMap { slots[$0] } }

    /// Replaces the value with the same key in place, or appends it.
    mutating func upsert(_ value: Value) {
        let valueKey = key(value)
        if let position = index[valueKey] {
            slots[position] = value
        } else {
            index[valueKey] = slots.count
            slots.append(value)
        }
    }

    /// Removes the value with `key`; returns it.
    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let position = index.removeValue(forKey: key) else { return nil }
        let removed = slots[position]
        slots[position] = nil
        holes += 1
        compactIfSparse()
        return removed
    }

    /// Applies `transform` to every value: nil removes it, a value replaces it (its key must not change).
    mutating func update(_ transform: (Value) -> Value?) {
        for position in slots.indices {
            guard let value = slots[position] else { continue }
            if let updated = transform(value) {
                slots[position] = updated
            } else {
                // Only the slot that the key addresses is unindexed (an earlier duplicate keeps its key's entry).
                let valueKey = key(value)
                if index[valueKey] == position { index.removeValue(forKey: valueKey) }
                slots[position] = nil
                holes += 1
            }
        }
        compactIfSparse()
    }

    private mutating func compactIfSparse() {
        guard holes > 64, holes * 2 > slots.count else { return }
        slots = slots.filter { $0 != nil }
        index.removeAll(keepingCapacity: true)
        for (position, value) in slots.enumerated() {
            if let value { index[key(value)] = position }
        }
        holes = 0
    }
}
