import PodnetAnalysis
import PodnetModel
import Glibc

// The analyzer alone on Scripts/bench-cluster.sh's node, in memory: NODES nodes with 2 /26 blocks each
// from 100.64.0.0/10, this node programmed as Felix programs it for all the others. Times
// Analyzer.analyze with the cluster's view (indexed once, as the daemon keeps it) and without it
// (podCIDRs configured), in CPU time of the thread, so other work on the machine counts little.
// Built and run by Scripts/bench-analysis.sh. Not a test.
let nodes = Int(getenv("NODES").map { String(cString: $0) } ?? "5000") ?? 5000
let rounds = Int(getenv("ROUNDS").map { String(cString: $0) } ?? "40") ?? 40
let mode = getenv("MODE").map { String(cString: $0) } ?? "both"
let localName = "bench-local"
func nodeIP(_ i: Int) -> IPAddress { .v4(0x0A00_0000 | UInt32(i / 62500) << 16 | UInt32((i / 250) % 250) << 8 | UInt32(i % 250 + 1)) }
func mac(_ i: Int) -> HardwareAddress { HardwareAddress(bytes: [0x66, UInt8((i >> 24) & 255), UInt8((i >> 16) & 255), UInt8((i >> 8) & 255), UInt8(i & 255), 1]) }
let vxlan = InterfaceIndex(4)
var snapshot = NodeSnapshot(
    hostname: localName, host: HostSettings(ipv4Forwarding: true),
    links: [
        Link(index: 1, name: "lo", flags: [.loopback, .up, .lowerUp], mtu: 65536),
        Link(index: 2, name: "eth0", kind: "veth", mtu: 1500),
        Link(index: 3, name: "underlay0", kind: "veth", mtu: 1500),
        Link(index: vxlan, name: "vxlan.calico", kind: "vxlan", mtu: 1450, mac: HardwareAddress(bytes: [0x66, 0, 0, 0, 0, 1]),
             vxlan: VXLANInfo(vni: 4096, port: 4789, local: IPAddress("10.0.0.1"), underlayIndex: 2, learning: false)),
    ],
    addresses: [
        Address(interfaceIndex: 2, prefix: IPPrefix("10.0.0.1/16")!),
        Address(interfaceIndex: vxlan, prefix: IPPrefix("100.64.0.0/32")!),
    ])
snapshot.routes.append(Route(destination: .defaultRoute(.ipv4), nextHops: [NextHop(gateway: IPAddress("10.0.0.254"), interfaceIndex: 2, flags: .onlink)]))
snapshot.routes.append(Route(scope: .link, destination: IPPrefix("10.0.0.0/16")!, nextHops: [NextHop(interfaceIndex: 2)]))
var affinities: [CalicoBlockAffinity] = []
var clusterNodes: [ClusterNode] = []
var blockCounter: UInt32 = 0
for i in 0..<nodes {
    let name = i == 0 ? localName : "ip-10-\(i / 62500)-\((i / 250) % 250)-\(i % 250 + 1)"
    var own: [IPPrefix] = []
    for _ in 0..<2 { own.append(IPPrefix(address: .v4(0x6440_0000 + blockCounter << 6), length: 26)!); blockCounter += 1 }
    let tunnel = own[0].address
    clusterNodes.append(ClusterNode(name: name, uid: "uid-\(i)", calicoIPv4Address: IPPrefix(address: nodeIP(i), length: 16),
        vxlanTunnelAddress: tunnel, vxlanTunnelMAC: mac(i), internalIPs: [nodeIP(i)], podCIDRs: [], capacityPods: 110, instanceType: "m5.large"))
    for block in own {
        affinities.append(CalicoBlockAffinity(name: "\(name)-\(block)", cidr: block, node: name))
        if i == 0 {
            snapshot.routes.append(Route(type: .blackhole, protocol_: .felix, destination: block))
        } else {
            snapshot.routes.append(Route(protocol_: .felix, destination: block, nextHops: [NextHop(gateway: tunnel, interfaceIndex: vxlan, flags: .onlink)]))
        }
    }
    if i > 0 {
        snapshot.neighbours.append(Neighbour(interfaceIndex: vxlan, address: tunnel, mac: mac(i)))
        snapshot.fdb.append(FDBEntry(mac: mac(i), interfaceIndex: vxlan, destination: nodeIP(i)))
    }
}
clusterNodes.sort { $0.name < $1.name }
affinities.sort { $0.name < $1.name }
let view = ClusterView(nodeName: localName, nodeNameSource: "bench", source: "bench", observedAt: "t",
    pools: [CalicoIPPool(name: "default-ipv4-ippool", cidr: IPPrefix("100.64.0.0/10")!, blockSize: 26, vxlanMode: "Always", ipipMode: "Never")],
    blockAffinities: affinities, nodes: clusterNodes)
var base = Expectations(cni: .fixed(.calicoVXLAN), serviceCIDRs: [IPPrefix("10.96.0.0/12")!], maxPods: 110, maxPodsSource: "config",
    instanceType: "m5.large", instanceTypeSource: "config", nodeName: localName)
var without = base
without.podCIDRs = [IPPrefix("100.64.0.0/10")!]
// Indexed once, as the daemon's watcher keeps it per view.
let input = ClusterInput(indexedView: ClusterIndex(view: view))

func now() -> Double { var t = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1e6 }
func median(_ values: [Double]) -> Double { let s = values.sorted(); return s[s.count / 2] }
var withTimes: [Double] = [], withoutTimes: [Double] = []
var lastWith: Report?, lastWithout: Report?
for _ in 0..<rounds {
    if mode != "without" {
        let t0 = now(); let r = Analyzer.analyze(snapshot: snapshot, expectations: base, cluster: input, checkedAt: "t"); withTimes.append(now() - t0); lastWith = r
    }
    if mode != "with" {
        let t1 = now(); let r = Analyzer.analyze(snapshot: snapshot, expectations: without, checkedAt: "t"); withoutTimes.append(now() - t1); lastWithout = r
    }
}
print("routes \(snapshot.routes.count) neighbours \(snapshot.neighbours.count) fdb \(snapshot.fdb.count)")
if let lastWith { print("with cluster: median \(median(withTimes)) ms; findings \(lastWith.findings.map { "\($0.check)" })") }
if let lastWithout { print("without: median \(median(withoutTimes)) ms; findings \(lastWithout.findings.map { "\($0.check)" })") }
var indexTimes: [Double] = []
for _ in 0..<max(rounds / 4, 3) {
    let t0 = now(); let index = ClusterIndex(view: view); indexTimes.append(now() - t0)
    precondition(index.view.nodes.count == nodes)
}
print("indexing the view (once per change of the cluster): median \(median(indexTimes)) ms")
if !withTimes.isEmpty, !withoutTimes.isEmpty {
    let extra = median(withTimes) - median(withoutTimes)
    print("the cluster's extra cost: \(extra) ms per analysis (x\(median(withTimes) / median(withoutTimes)))")
}
