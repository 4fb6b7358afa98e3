@testable import PodnetCluster
import PodnetModel
import Testing

@Suite("The watcher's per-resource store: sorted by name, one object per name")
struct SortedByNameTests {
    func names(_ store: SortedByName<ClusterNode>) -> [String] { store.elements.map(\.name) }

    @Test("a list is sorted by name and of a repeated name the last one stays")
    func fromList() {
        let store = SortedByName([
            ClusterNode(name: "node-c"), ClusterNode(name: "node-a", uid: "first"), ClusterNode(name: "node-b"),
            ClusterNode(name: "node-a", uid: "second"),
        ])
        #expect(names(store) == ["node-a", "node-b", "node-c"])
        #expect(store.elements.first?.uid == "second")
    }

    @Test("events insert in order, replace in place and remove; removing what is absent changes nothing")
    func events() {
        var store = SortedByName([ClusterNode(name: "node-b"), ClusterNode(name: "node-d")])
        store.set("node-c", ClusterNode(name: "node-c"))
        store.set("node-a", ClusterNode(name: "node-a"))
        store.set("node-e", ClusterNode(name: "node-e"))
        #expect(names(store) == ["node-a", "node-b", "node-c", "node-d", "node-e"])
        store.set("node-c", ClusterNode(name: "node-c", uid: "re-created"))
        #expect(names(store) == ["node-a", "node-b", "node-c", "node-d", "node-e"])
        #expect(store.elements[2].uid == "re-created")
        store.set("node-a", nil)
        store.set("node-e", nil)
        store.set("node-x", nil)
        #expect(names(store) == ["node-b", "node-c", "node-d"])
        store.set("node-b", nil)
        store.set("node-c", nil)
        store.set("node-d", nil)
        #expect(store.elements.isEmpty)
        store.set("node-a", ClusterNode(name: "node-a"))
        #expect(names(store) == ["node-a"])
    }

    @Test("the view shares the store's order with Swift's own sort of the names")
    func orderMatchesSort() {
        let names = (0..<500).map { "ip-10-0-\($0 % 7)-\($0).eu-west-1.compute.internal" }
        var store = SortedByName<ClusterNode>()
        for name in names.reversed() { store.set(name, ClusterNode(name: name)) }
        #expect(self.names(store) == names.sorted())
        #expect(self.names(SortedByName(names.map { ClusterNode(name: $0) })) == names.sorted())
    }
}
