import PodnetAnalysis
import PodnetModel
import PodnetTestSupport
import Testing

/// Hand-picked cases the random beds do not reach, each compared with the kernel's `ip route get`:
/// several addresses of one scope on a device (the source is a tie the snapshot cannot break),
/// IPv6 source selection across scopes, labels and deprecated addresses, the WireGuard pattern
/// (`not fwmark … lookup T` with `lookup main suppress_prefixlength 0`), `goto`, `throw`, routes with
/// `src`, multipath with a linkdown hop, IPv6 anycast, arriving IPv6 packets to link-local and
/// duplicated prefixes (looked up bound to their device), and routes through nexthop objects whose hops
/// the dump leaves out (`nexthop_compat_mode=0`), which explain must call undetermined.
@Suite("explain agrees with the kernel on hand-picked cases", .serialized)
struct EdgeCaseAgreementTests {
    @Test func handPickedCases() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "edge") { ns in
            let underlay = try NetworkNamespace(purpose: "edge-ul")
            defer { underlay.delete() }
            try ns.sysctl("net.ipv6.conf.all.accept_dad", "0")
            try ns.sysctl("net.ipv6.conf.default.accept_dad", "0")
            try ns.sysctl("net.ipv6.conf.all.forwarding", "1")
            try RuleBed.addUplinks(4, from: ns, to: underlay)
            // wg0: two primary addresses; the kernel takes the one added first, the snapshot sorts them.
            try ns.ip("link", "add", "wg0", "type", "veth", "peer", "name", "wg0", "netns", underlay.name)
            try underlay.ip("link", "set", "wg0", "up")
            try ns.ip("link", "set", "wg0", "up")
            try ns.ip("addr", "add", "10.99.0.2/32", "dev", "wg0")
            try ns.ip("addr", "add", "10.5.0.10/24", "dev", "wg0")
            // IPv6: several global addresses on eth0 (one deprecated), a site-local one on eth2.
            for (address, device) in [
                ("fd01::10/64", "eth0"), ("2001:db8:1::10/64", "eth0"), ("fd01::20/64", "eth0"),
                ("fd02::10/64", "eth1"), ("fd03::10/64", "eth2"), ("fec0::10/64", "eth2"),
            ] {
                try ns.ip("-6", "addr", "add", address, "dev", device, "nodad")
            }
            try ns.ip("-6", "addr", "add", "fd01::30/64", "dev", "eth0", "nodad", "preferred_lft", "0")
            for (address, device) in [("fd01::1/64", "eth0"), ("fd02::1/64", "eth1"), ("fd03::1/64", "eth2")] {
                try underlay.ip("-6", "addr", "add", address, "dev", device, "nodad")
            }
            let setup = [
                "route add default via 10.1.0.1 dev eth0",
                "route add 10.50.0.0/16 via 10.2.0.1 dev eth1 metric 100",
                "route append 10.50.0.0/16 via 10.1.0.1 dev eth0 metric 100",
                "route add 10.70.0.0/16 via 10.1.0.1 dev eth0 src 10.2.0.10",
                "route add 10.81.0.0/16 nexthop via 10.1.0.1 dev eth0 nexthop via 10.2.0.1 dev eth1 weight 3",
                "route add 10.82.0.0/16 nexthop via 10.3.0.1 dev eth2 nexthop via 10.4.0.1 dev eth3",
                "route add prohibit 10.60.0.0/16",
                "nexthop add id 10 via 10.2.0.1 dev eth1",
                "nexthop add id 11 via 10.4.0.1 dev eth3",
                "nexthop add id 12 group 10/11",
                "nexthop add id 13 blackhole",
                "route add 10.83.0.0/16 nhid 10",
                "route add 10.84.0.0/16 nhid 12",
                "route add 10.85.0.0/16 nhid 13",
                "route add default dev wg0 table 51820",
                "rule add not fwmark 0xca6c table 51820 priority 32000",
                "rule add table main suppress_prefixlength 0 priority 31999",
                "rule add from 10.1.0.10 to 10.50.0.0/16 goto 1300 priority 1200",
                "rule add from 10.1.0.10 to 10.50.0.0/16 blackhole priority 1250",
                "rule add from 10.1.0.10 lookup 500 priority 1300",
                "route add throw 10.50.1.0/24 table 500",
                "route add 10.50.0.0/16 via 10.4.0.1 dev eth3 table 500",
                "-6 route add default via fd01::1 dev eth0",
                "-6 route add 2001:db8:100::/48 nexthop via fd01::1 dev eth0 nexthop via fd02::1 dev eth1",
                "-6 route add 2001:db8:200::/48 via fd02::1 dev eth1 src fd01::20",
                "-6 route add 2001:db8:300::/48 via fe80::1 dev eth1",
                "-6 route add default dev eth2 table 51820",
                "-6 rule add not fwmark 0xca6c table 51820 priority 32000",
                "-6 rule add table main suppress_prefixlength 0 priority 31999",
                "-6 route add fd44::/64 dev eth0",
                "-6 route append fd44::/64 dev eth1",
                "-6 nexthop add id 20 via fd02::1 dev eth1",
                "-6 route add 2001:db8:700::/48 nhid 20",
            ]
            for line in setup { try ns.ip(line.split(separator: " ").map(String.init)) }
            // eth2 loses its carrier: its routes stay, marked linkdown.
            try underlay.ip("link", "set", "eth2", "down")
            // Route dumps now leave out the hops of routes through nexthop objects.
            try ns.sysctl("net.ipv4.nexthop_compat_mode", "0")
            try ns.ip("route", "add", "10.86.0.0/16", "nhid", "10")

            let mark = UInt32(0xca6c)
            var queries: [ExplainQuery] = []
            func add(_ destination: String, from: String? = nil, iif: String? = nil, mark: UInt32 = 0) {
                queries.append(
                    ExplainQuery(
                        destination: IPAddress(destination)!, source: from.flatMap(IPAddress.init), inputInterface: iif,
                        mark: mark))
            }
            for destination in [
                "8.8.8.8", "10.9.0.5", "10.5.0.77", "10.5.0.255", "10.99.0.2", "10.1.0.255", "10.3.0.10",
                "10.3.0.5", "127.1.2.3",
            ] {
                add(destination)
                add(destination, mark: mark)
            }
            for destination in [
                "10.50.3.4", "10.50.1.4", "10.70.0.1", "10.81.0.1", "10.81.0.2", "10.82.0.1", "10.82.0.2",
                "10.60.0.1", "10.83.0.1", "10.84.0.1", "10.85.0.1", "10.86.0.1",
            ] {
                add(destination, mark: mark)
                add(destination, from: "10.1.0.10", mark: mark)
                add(destination, from: "10.2.0.1", iif: "eth1", mark: mark)
            }
            for destination in [
                "2001:db8:5::1", "fd01::99", "fd09::1", "fd02::99", "2001:db8:1::99", "2001:db8:2::99",
                "fec0::99", "fe80::99", "2001:db8:100::1", "2001:db8:100::2", "2001:db8:200::1", "2001:db8:300::1",
                "fd01::", "fd01::10", "fd01::30", "::1", "2001:db8:700::1",
            ] {
                add(destination, mark: mark)
            }
            add("2001:db8:5::1")
            add("fd01::99", from: "fd02::10", iif: "eth1")
            // Arriving IPv6 packets are looked up with their device as output interface: a link-local
            // destination only through it, and of equal routes the one through it first.
            for (iif, from) in [("eth1", "fd02::10"), ("eth0", "fd01::5"), ("eth2", "fd03::5")] {
                add("fe80::5", from: from, iif: iif)
                add("fd44::7", from: from, iif: iif)
            }
            add("fd44::7")

            var agreement = try KernelAgreement(namespace: ns)
            try agreement.compareFirstHops(queries)
            print(agreement.summary("hand-picked cases"))
            #expect(agreement.compared >= queries.count - 20)
            #expect(agreement.mismatches.isEmpty, "\(agreement.summary("hand-picked cases"))")
            // Only the routes whose next hop is a nexthop object left out of the dump are undetermined.
            let undeterminedDestinations = Set(agreement.undetermined.map { $0.split(separator: " ")[2] })
            #expect(
                undeterminedDestinations == ["10.83.0.1", "10.84.0.1", "10.86.0.1", "2001:db8:700::1"],
                "\(agreement.undetermined)")

            let wireGuard = try agreement.explainer.explain(ExplainQuery(destination: IPAddress("8.8.8.8")!))
            #expect(wireGuard.firstHop.hops.first?.source == nil)
            #expect(wireGuard.firstHop.hops.first?.sourceCandidates == ["10.5.0.10", "10.99.0.2"])
            let text = ExplainTextRenderer.render(wireGuard, color: false)
            #expect(text.contains("src one of 10.5.0.10, 10.99.0.2 (equally ranked"), "\(text)")
            let anycast = try agreement.explainer.explain(ExplainQuery(destination: IPAddress("fd01::")!, mark: mark))
            #expect(anycast.verdict == .complete)
            #expect(anycast.steps.last?.summary.contains("anycast address of eth0") == true, "\(anycast.steps)")
            let nexthopObject = try agreement.explainer.explain(
                ExplainQuery(destination: IPAddress("10.86.0.1")!, mark: mark))
            #expect(nexthopObject.verdict == .undetermined)
            #expect(nexthopObject.firstHop.hops.isEmpty)
        }
    }
}
