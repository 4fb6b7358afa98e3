import PodnetModel
import PodnetNetlink
import Testing

/// Link messages carry no ethtool offloads: the maintained snapshot keeps the last reading.
@Suite struct SnapshotUpdaterOffloadTests {
    @Test("a link event for vxlan.calico keeps its tx checksum reading; a renamed or new link gets none")
    func offloadsSurviveLinkEvents() {
        let vxlan = Link(
            index: 4, name: "vxlan.calico", kind: "vxlan", mtu: 8951, vxlan: VXLANInfo(vni: 4096, port: 4789, learning: false),
            offloads: LinkOffloads(txChecksum: false))
        var updater = SnapshotUpdater(NodeSnapshot(links: [vxlan]))
        var changed = vxlan
        changed.offloads = nil
        changed.mtu = 1450
        updater.apply(.link(changed))
        let link = updater.snapshot.links.first { $0.index == 4 }
        #expect(link?.mtu == 1450)
        #expect(link?.offloads == LinkOffloads(txChecksum: false))
        var renamed = changed
        renamed.name = "vxlan.other"
        updater.apply(.link(renamed))
        #expect(updater.snapshot.links.first { $0.index == 4 }?.offloads == nil)
    }
}
