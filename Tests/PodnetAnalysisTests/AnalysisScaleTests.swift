import PodnetAnalysis
import PodnetModel
import Testing

@Suite("Analysis at scale")
struct AnalysisScaleTests {
    /// A Calico node with 100,000 routes: 500 VTEPs, 90,000 remote blocks and borrowed /32s through
    /// vxlan.calico, 2,000 workloads, the rest in other tables.
    static func largeSnapshot() -> NodeSnapshot {
        let vxlan = InterfaceIndex(4)
        var snapshot = NodeSnapshot(
            hostname: "big-node", host: HostSettings(ipv4Forwarding: true),
            links: [
                Link(index: 1, name: "lo", flags: [.loopback, .up, .lowerUp], mtu: 65536),
                Link(index: 2, name: "eth0", mtu: 9001),
                Link(
                    index: vxlan, name: "vxlan.calico", kind: "vxlan", mtu: 8951,
                    vxlan: VXLANInfo(
                        vni: 4096, port: 4789, local: IPAddress("10.0.0.10"), underlayIndex: 2, learning: false)),
            ],
            addresses: [
                Address(interfaceIndex: 2, prefix: IPPrefix("10.0.0.10/16")!),
                Address(interfaceIndex: vxlan, prefix: IPPrefix("100.200.0.0/32")!),
            ])
        snapshot.routes.reserveCapacity(100_000)
        snapshot.routes.append(
            Route(
                destination: .defaultRoute(.ipv4),
                nextHops: [NextHop(gateway: IPAddress("10.0.0.1"), interfaceIndex: 2)]))
        let vteps = 500
        for vtep in 0..<vteps {
            let tunnel = IPAddress.v4(0x0A80_0000 + UInt32(vtep) << 8)  // 10.128.x.0
            let mac = HardwareAddress(bytes: [0x66, 0, 0, 0, UInt8(vtep >> 8), UInt8(vtep & 0xff)])
            snapshot.neighbours.append(Neighbour(interfaceIndex: vxlan, address: tunnel, mac: mac))
            snapshot.fdb.append(FDBEntry(mac: mac, interfaceIndex: vxlan, destination: .v4(0x0A01_0000 + UInt32(vtep))))
        }
        // 90,000 remote routes: /26 blocks from 100.0.0.64 on, each routed to one VTEP.
        for block in 0..<90_000 {
            let network = IPAddress.v4(0x6400_0000 + UInt32(block + 1) << 6)
            let tunnel = IPAddress.v4(0x0A80_0000 + UInt32(block % vteps) << 8)
            snapshot.routes.append(
                Route(
                    protocol_: .felix, destination: IPPrefix(address: network, length: 26)!,
                    nextHops: [NextHop(gateway: tunnel, interfaceIndex: vxlan, flags: .onlink)]))
        }
        // 2,000 workloads in 32 local blocks of 100.200.0.0/21.
        let firstWorkload: Int32 = 10
        for workload in 0..<2_000 {
            let index = InterfaceIndex(firstWorkload + Int32(workload))
            let hex = String(workload, radix: 16)
            snapshot.links.append(
                Link(
                    index: index, name: "cali" + String(repeating: "0", count: 11 - hex.count) + hex, kind: "veth",
                    mtu: 8951))
            snapshot.routes.append(
                Route(
                    scope: .link, destination: IPPrefix(host: .v4(0x64C8_0000 + UInt32(workload) + 1)),
                    nextHops: [NextHop(interfaceIndex: index)]))
        }
        for block in 0..<32 {
            snapshot.routes.append(
                Route(
                    type: .blackhole, protocol_: .felix,
                    destination: IPPrefix(address: .v4(0x64C8_0000 + UInt32(block) << 6), length: 26)!))
        }
        // The rest: host routes in another table.
        var filler: UInt32 = 0
        while snapshot.routes.count < 100_000 {
            snapshot.routes.append(
                Route(
                    table: RouteTable(100), destination: IPPrefix(host: .v4(0xC0A8_0000 + filler)),
                    nextHops: [NextHop(interfaceIndex: 2)]))
            filler += 1
        }
        return snapshot
    }

    @Test("a 100k-route snapshot is analysed in linear time (time printed, not asserted)")
    func largeSnapshotTiming() {
        let snapshot = Self.largeSnapshot()
        #expect(snapshot.routes.count == 100_000)
        let expectations = Expectations(
            podCIDRs: [IPPrefix("100.0.0.0/8")!], maxPods: 110, maxPodsSource: "config", vCPUs: 2)
        let clock = ContinuousClock()
        var report: Report?
        var best = Duration.seconds(3600)
        for _ in 0..<3 {
            let start = clock.now
            report = Analyzer.analyze(snapshot: snapshot, expectations: expectations, checkedAt: "t")
            best = min(best, clock.now - start)
        }
        let milliseconds = Double(best.components.attoseconds) / 1e15 + Double(best.components.seconds) * 1000
        print("podnetd-analysis-100k-routes: \(Int(milliseconds.rounded())) ms (best of 3, this build)")
        #expect(report?.inventory.vxlanRoutes == 90_000)
        #expect(report?.inventory.vteps == 500)
        #expect(report?.inventory.workloads == 2_000)
        // 2,000 workloads against maxPods 110 fill the node; nothing else is wrong.
        #expect(report.map { problemChecks($0) } == ["pod-capacity-near-limit"])
    }
}
