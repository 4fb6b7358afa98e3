import Foundation
import Testing

@testable import PodnetModel

@Suite("podnetd dump JSON")
struct SnapshotJSONTests {
    /// A snapshot exercising every field, including optionals left out and odd strings.
    static func fullSnapshot() throws -> NodeSnapshot {
        let vxlanMAC = try #require(HardwareAddress("66:a1:b2:c3:d4:e5"))
        return NodeSnapshot(
            hostname: "ip-10-0-0-10 \"quoted\"\\ \u{1}",
            capturedAt: "2026-11-22T03:00:00Z",
            host: HostSettings(
                ipv4Forwarding: true, ipv4RPFilterAll: 0, ipv4RPFilterDefault: 2, ipv6Forwarding: false,
                ipv4NeighbourTable: NeighbourTableUsage(entries: 12, gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024),
                ipv6NeighbourTable: NeighbourTableUsage(entries: 3, gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024),
                conntrack: ConntrackUsage(count: 41, max: 262144)),
            links: [
                Link(index: 1, name: "lo", kind: "device", flags: [.loopback, .up, .lowerUp], operState: .unknown, mtu: 65536,
                     mac: HardwareAddress("00:00:00:00:00:00"), ipv4: IPv4DeviceSettings(forwarding: true, rpFilter: 0, proxyARP: false),
                     ipv6: IPv6DeviceSettings(forwarding: false)),
                Link(index: 2, name: "eth0", kind: "veth", flags: [.broadcast, .multicast, .up, .lowerUp], mtu: 9001,
                     mac: HardwareAddress("02:00:00:00:00:10"), parentIndex: 7, parentNetnsID: 0),
                Link(index: 3, name: "vxlan.calico", kind: "vxlan", mtu: 8951, mac: vxlanMAC,
                     vxlan: VXLANInfo(vni: 4096, port: 4789, local: IPAddress("10.0.0.10"), underlayIndex: 2, learning: false),
                     offloads: LinkOffloads(txChecksum: false)),
                Link(index: 4, name: "cali9ce7ff61306", kind: "veth", flags: [.up], operState: .down, mtu: 8951,
                     mac: HardwareAddress("ee:ee:ee:ee:ee:ee"), masterIndex: 9),
            ],
            addresses: [
                Address(interfaceIndex: 2, prefix: try #require(IPPrefix("10.0.0.10/24")), scope: .universe, flags: [.permanent], label: "eth0"),
                Address(interfaceIndex: 3, prefix: try #require(IPPrefix("192.168.231.0/32")), peer: IPAddress("192.168.231.9"), scope: .universe, flags: [.permanent]),
                Address(interfaceIndex: 2, prefix: try #require(IPPrefix("fe80::1/64")), scope: .link, flags: [.permanent, .tentative]),
            ],
            routes: [
                Route(type: .blackhole, protocol_: .felix, destination: try #require(IPPrefix("192.168.231.0/26"))),
                Route(protocol_: .felix, destination: try #require(IPPrefix("192.168.35.0/26")),
                      nextHops: [NextHop(gateway: IPAddress("192.168.35.0"), interfaceIndex: 3, flags: [.onlink])]),
                Route(scope: .link, destination: try #require(IPPrefix("192.168.231.3/32")), nextHops: [NextHop(interfaceIndex: 4)]),
                Route(table: .local, type: .local, protocol_: .kernel, scope: .host, destination: try #require(IPPrefix("10.0.0.10/32")),
                      preferredSource: IPAddress("10.0.0.10"), nextHops: [NextHop(interfaceIndex: 2)]),
                Route(table: RouteTable(2), destination: .defaultRoute(.ipv4), nextHops: [NextHop(gateway: IPAddress("10.0.0.1"), interfaceIndex: 2)]),
                Route(destination: try #require(IPPrefix("fd00:99::/64")), source: IPPrefix("fd00:1::/64"), priority: 1024, tos: 0,
                      nextHops: [NextHop(gateway: IPAddress("fd00:10::1"), interfaceIndex: 2, weight: 1),
                                 NextHop(gateway: IPAddress("fe80::2"), interfaceIndex: 2, flags: [.dead, .linkDown], weight: 3)]),
                Route(type: RouteType(rawValue: 42), protocol_: RouteProtocol(rawValue: 99), scope: RouteScope(rawValue: 17),
                      destination: try #require(IPPrefix("203.0.113.0/24")), priority: UInt32.max, tos: 0x10),
            ],
            neighbours: [
                Neighbour(interfaceIndex: 3, address: try #require(IPAddress("192.168.35.0")), mac: vxlanMAC, state: .permanent),
                Neighbour(interfaceIndex: 2, address: try #require(IPAddress("fe80::2")), mac: nil, state: [.failed], flags: [.router]),
            ],
            fdb: [
                FDBEntry(mac: vxlanMAC, interfaceIndex: 3, destination: IPAddress("10.0.0.20"), state: .permanent, flags: [.self]),
                FDBEntry(mac: try #require(HardwareAddress("02:00:00:00:00:99")), interfaceIndex: 4, vlan: 10, vni: 77, masterIndex: 9,
                         state: [.noARP], flags: [.master, .externLearn]),
            ],
            rules: [
                Rule(family: .ipv4, priority: 0, table: .local),
                Rule(family: .ipv4, priority: 512, to: IPPrefix("192.168.231.3/32")),
                Rule(family: .ipv4, priority: 1536, table: RouteTable(2), from: IPPrefix("192.168.231.1/32")),
                Rule(family: .ipv6, priority: 1024, action: .goto, table: RouteTable(0), inputInterface: "eth0", outputInterface: "eth1",
                     fwmark: 0x80, fwmask: 0x80, tos: 4, invert: true, gotoTarget: 32766, suppressPrefixLength: 0),
                Rule(family: .ipv4, priority: 2000, table: RouteTable(100), fwmark: 0, fwmask: 0x100000,
                     otherSelectors: ["uidrange 1000-2000", "ipproto tcp", "dport 80", "tun_id 5"]),
            ],
            nodeFacts: NodeFacts(
                vCPUs: 36, instanceType: "c5.9xlarge", instanceTypeSource: "DMI product name (/sys/devices/virtual/dmi/id/product_name)",
                maxPods: 234, maxPodsSource: "kubelet flag --max-pods=234 ($KUBELET_EXTRA_ARGS from \"/etc/x\")",
                maxPodsMayBeOverridden: true, kubeletConfigPath: "/etc/kubernetes/kubelet/kubelet-config.json",
                kernelRelease: "5.10.0-1-amd64")
        )
    }

    @Test("the hand-written writer's output decodes to an equal snapshot")
    func writerRoundTrip() throws {
        let snapshot = try Self.fullSnapshot()
        let data = Data(SnapshotJSONWriter.encode(snapshot))
        let decoded = try JSONDecoder().decode(NodeSnapshot.self, from: data)
        #expect(decoded == snapshot)
    }

    @Test("the writer and the Codable conformance produce the same JSON document")
    func writerMatchesCodable() throws {
        let snapshot = try Self.fullSnapshot()
        let written = try JSONSerialization.jsonObject(with: Data(SnapshotJSONWriter.encode(snapshot))) as? NSDictionary
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(snapshot)) as? NSDictionary
        #expect(written != nil)
        #expect(written == encoded)
    }

    @Test("streaming in small chunks writes exactly the in-memory document")
    func streamingMatchesEncode() throws {
        var snapshot = try Self.fullSnapshot()
        let template = snapshot.routes
        for copy in 0..<200 { snapshot.routes += template.map { var route = $0; route.priority = UInt32(copy); return route } }
        var streamed: [UInt8] = []
        var chunks = 0
        SnapshotJSONWriter.write(snapshot, chunkSize: 4096) { chunk in
            streamed.append(contentsOf: chunk)
            chunks += 1
        }
        #expect(chunks > 10)
        #expect(streamed == SnapshotJSONWriter.encode(snapshot))
    }

    @Test("Codable round trip of a full snapshot is exact")
    func codableRoundTrip() throws {
        let snapshot = try Self.fullSnapshot()
        let decoded = try JSONDecoder().decode(NodeSnapshot.self, from: JSONEncoder().encode(snapshot))
        #expect(decoded == snapshot)
    }

    @Test("node facts with unknown values: the writer leaves out what the Codable encoding leaves out")
    func sparseNodeFacts() throws {
        var snapshot = try Self.fullSnapshot()
        snapshot.nodeFacts = NodeFacts(instanceTypeSource: "unknown: no DMI", maxPodsSource: "unknown: no kubelet config")
        let written = Data(SnapshotJSONWriter.encode(snapshot))
        #expect(try JSONDecoder().decode(NodeSnapshot.self, from: written) == snapshot)
        let writtenObject = try JSONSerialization.jsonObject(with: written) as? NSDictionary
        let encodedObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(snapshot)) as? NSDictionary
        #expect(writtenObject == encodedObject)
        let facts = try #require(writtenObject?["nodeFacts"] as? [String: Any])
        #expect(Set(facts.keys) == ["instanceTypeSource", "maxPodsSource", "maxPodsMayBeOverridden"])
    }

    @Test("a schemaVersion 1 dump (no nodeFacts) still decodes, with no node facts")
    func schemaVersion1Decodes() throws {
        let text = #"{"schemaVersion":1,"hostname":"n","capturedAt":"","host":{},"links":[],"addresses":[],"routes":[],"neighbours":[],"fdb":[],"rules":[]}"#
        let decoded = try JSONDecoder().decode(NodeSnapshot.self, from: Data(text.utf8))
        #expect(decoded.schemaVersion == 1)
        #expect(decoded.nodeFacts == nil)
        #expect(NodeSnapshot.acceptedSchemaVersions.contains(1))
        #expect(NodeSnapshot.acceptedSchemaVersions.contains(NodeSnapshot.currentSchemaVersion))
    }

    @Test("the document carries schemaVersion and names values as ip does")
    func documentShape() throws {
        let text = String(decoding: SnapshotJSONWriter.encode(try Self.fullSnapshot()), as: UTF8.self)
        #expect(text.hasPrefix("{\n\"schemaVersion\":2,"))
        #expect(text.contains("\"nodeFacts\":{\"vCPUs\":36,"))
        #expect(text.contains("\"type\":\"blackhole\""))
        #expect(text.contains("\"protocol\":\"80\""))
        #expect(text.contains("\"table\":\"main\""))
        #expect(text.contains("\"state\":[\"PERMANENT\"]"))
        #expect(text.contains("\"flags\":[\"onlink\"]"))
    }

    @Test("a dump without the optional node-state fields (node facts, tables, offloads) still decodes")
    func olderDumpDecodes() throws {
        let text = #"{"schemaVersion":1,"hostname":"n","capturedAt":"","host":{"ipv4Forwarding":true},"links":[{"index":3,"name":"vxlan.calico","kind":"vxlan","flags":["UP"],"operState":"UP","mtu":8951}],"addresses":[],"routes":[],"neighbours":[],"fdb":[],"rules":[]}"#
        let snapshot = try JSONDecoder().decode(NodeSnapshot.self, from: Data(text.utf8))
        #expect(snapshot.nodeFacts == nil)
        #expect(snapshot.host.ipv4NeighbourTable == nil && snapshot.host.conntrack == nil)
        #expect(snapshot.links.first?.offloads == nil)
    }

    @Test("unknown names and malformed values are decoding errors, not crashes")
    func malformedInput() {
        let bad = [
            #"{"schemaVersion":1,"hostname":"","capturedAt":"","host":{},"links":[],"addresses":[],"routes":[{"family":"inet","table":"main","type":"bogus","protocol":"boot","scope":"global","destination":"10.0.0.0/8","priority":0,"tos":0,"nextHops":[]}],"neighbours":[],"fdb":[],"rules":[]}"#,
            #"{"schemaVersion":1,"hostname":"","capturedAt":"","host":{},"links":[],"addresses":[{"interfaceIndex":1,"prefix":"10.0.0.300/8","scope":"global","flags":[]}],"routes":[],"neighbours":[],"fdb":[],"rules":[]}"#,
            #"{"schemaVersion":1}"#,
            "not json",
        ]
        for text in bad {
            #expect(throws: (any Error).self) { try JSONDecoder().decode(NodeSnapshot.self, from: Data(text.utf8)) }
        }
    }
}
