import Testing

@testable import PodnetModel

@Suite("ip-style text")
struct IPSyntaxTests {
    @Test("routes print as iproute2 prints them")
    func routes() throws {
        let snapshot = try SnapshotJSONTests.fullSnapshot()
        let names = InterfaceNames(snapshot.links)
        let lines = snapshot.routes.map { $0.ipSyntax(names) }
        #expect(lines[0] == "blackhole 192.168.231.0/26 proto 80")
        #expect(lines[1] == "192.168.35.0/26 via 192.168.35.0 dev vxlan.calico proto 80 onlink")
        #expect(lines[2] == "192.168.231.3 dev cali9ce7ff61306 scope link")
        #expect(lines[3] == "local 10.0.0.10 dev eth0 table local proto kernel scope host src 10.0.0.10")
        #expect(lines[4] == "default via 10.0.0.1 dev eth0 table 2")
        #expect(lines[5].hasPrefix("fd00:99::/64 from fd00:1::/64 metric 1024 nexthop via fd00:10::1 dev eth0 weight 1"))
    }

    @Test("neighbours, fdb entries and rules")
    func others() throws {
        let snapshot = try SnapshotJSONTests.fullSnapshot()
        let names = InterfaceNames(snapshot.links)
        #expect(snapshot.neighbours[0].ipSyntax(names) == "192.168.35.0 dev vxlan.calico lladdr 66:a1:b2:c3:d4:e5 PERMANENT")
        #expect(snapshot.fdb[0].ipSyntax(names) == "66:a1:b2:c3:d4:e5 dev vxlan.calico dst 10.0.0.20 self permanent")
        #expect(snapshot.rules[2].ipSyntax() == "1536: from 192.168.231.1 lookup 2")
        #expect(snapshot.rules[1].ipSyntax() == "512: from all to 192.168.231.3 lookup main")
        #expect(names[InterfaceIndex(99)] == "if99")
    }

    @Test("the text dump has a section per object kind with counts")
    func textDump() throws {
        let text = SnapshotTextFormatter.render(try SnapshotJSONTests.fullSnapshot())
        for section in ["## links", "## addresses", "## routes", "## neighbours", "## fdb", "## rules"] {
            #expect(text.contains(section))
        }
        #expect(text.contains("## routes (ip route show table all; ip -6 route show table all): 7"))
        #expect(text.contains("id 4096 local 10.0.0.10 dev eth0 dstport 4789 nolearning"))
        #expect(text.contains("# node: 36 vCPUs, kernel 5.10.0-1-amd64, instance type c5.9xlarge (DMI product name"))
    }
}
