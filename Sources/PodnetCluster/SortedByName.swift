import PodnetModel

/// A cluster object podnetd keeps, known by its `metadata.name`.
protocol NamedClusterObject: Sendable {
    var name: String { get }
}

extension ClusterNode: NamedClusterObject {}
extension CalicoIPPool: NamedClusterObject {}
extension CalicoBlockAffinity: NamedClusterObject {}

/// One resource's objects sorted by name, found by binary search. The array is the view's own
/// (`ClusterView` lists objects sorted by name), so the watcher keeps each object once: a dictionary
/// by name next to the view's sorted copy cost 5,000-node clusters ~4 MiB more
/// (`Scripts/bench-cluster.sh`), and the view no longer needs sorting after each change.
struct SortedByName<Element: NamedClusterObject>: Sendable {
    private(set) var elements: [Element] = []

    init() {}

    /// `unsorted`, sorted; of a repeated name the last one stays.
    init(_ unsorted: [Element]) {
        let sorted = unsorted.enumerated().sorted { a, b in
            a.element.name != b.element.name ? a.element.name < b.element.name : a.offset < b.offset
        }
        elements.reserveCapacity(sorted.count)
        for (index, entry) in sorted.enumerated()
        where index + 1 == sorted.count || sorted[index + 1].element.name != entry.element.name {
            elements.append(entry.element)
        }
    }

    /// Adds or replaces the object named `name`; nil removes it.
    mutating func set(_ name: String, _ element: Element?) {
        let index = lowerBound(name)
        let found = index < elements.count && elements[index].name == name
        switch (found, element) {
        case (true, let element?): elements[index] = element
        case (true, nil): elements.remove(at: index)
        case (false, let element?): elements.insert(element, at: index)
        case (false, nil): break
        }
    }

    /// The index of the first object whose name is not below `name`.
    private func lowerBound(_ name: String) -> Int {
        var low = 0
        var high = elements.count
        while low < high {
            let middle = (low + high) / 2
            if elements[middle].name < name { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
