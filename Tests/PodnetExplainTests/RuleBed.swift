import PodnetAnalysis
import PodnetModel
import PodnetTestSupport

/// A namespace with many policy rules and tables, built at random from a seed: three interfaces
/// (eth0 rp_filter 0, eth1 strict, eth2 loose) into an underlay namespace; tables main, 10–13, 100
/// and 200 with unicast, multipath, blackhole, unreachable, prohibit and throw routes of nested
/// prefixes and several metrics (IPv4 and IPv6); rules with from/to/fwmark(/mask)/iif/oif/not
/// selectors and lookup, goto, nop, blackhole, unreachable and prohibit actions, some with
/// suppress_prefixlength; a hand-added local route.
struct RuleBed {
    var destinationsV4: [IPPrefix] = []
    var destinationsV6: [IPPrefix] = []
    var sourcesV4: [IPPrefix] = []
    var sourcesV6: [IPPrefix] = []
    var localV4: [IPAddress] = []
    var localV6: [IPAddress] = []
    var marks: [UInt32] = [0]
    var routeCount = 0
    var ruleCount = 0

    /// Veth pairs `eth0`…`eth<count-1>` from `ns` into `underlay`, both ends up, with
    /// 10.<n+1>.0.10/24 in `ns` and 10.<n+1>.0.1/24 in `underlay`.
    static func addUplinks(_ count: Int, from ns: NetworkNamespace, to underlay: NetworkNamespace) throws {
        for number in 0..<count {
            let device = "eth\(number)"
            try ns.ip("link", "add", device, "type", "veth", "peer", "name", device, "netns", underlay.name)
            try underlay.ip("link", "set", device, "up")
            try ns.ip("link", "set", device, "up")
            try ns.ip("addr", "add", "10.\(number + 1).0.10/24", "dev", device)
            try underlay.ip("addr", "add", "10.\(number + 1).0.1/24", "dev", device)
        }
    }

    static func build(in ns: NetworkNamespace, underlay: NetworkNamespace, random: inout SeededRandom) throws -> RuleBed {
        var bed = RuleBed()
        try ns.sysctl("net.ipv6.conf.all.accept_dad", "0")
        try ns.sysctl("net.ipv6.conf.default.accept_dad", "0")
        try ns.sysctl("net.ipv4.ip_forward", "1")
        try addUplinks(3, from: ns, to: underlay)
        for number in 0..<3 {
            try ns.ip("-6", "addr", "add", "fd0\(number + 1)::10/64", "dev", "eth\(number)", "nodad")
            bed.localV4.append(IPAddress("10.\(number + 1).0.10")!)
            bed.localV6.append(IPAddress("fd0\(number + 1)::10")!)
        }
        try ns.sysctl("net/ipv4/conf/eth1/rp_filter", "1")
        try ns.sysctl("net/ipv4/conf/eth2/rp_filter", "2")

        let tables = ["main", "10", "11", "12", "13", "100", "200"]
        let gatewaysV4 = [("10.1.0.1", "eth0"), ("10.2.0.1", "eth1"), ("10.3.0.1", "eth2"), ("10.1.0.2", "eth0")]
        let gatewaysV6 = [("fd01::1", "eth0"), ("fd02::1", "eth1"), ("fd03::1", "eth2")]
        var commands: [String] = []
        var used: Set<String> = []
        for _ in 0..<700 {
            let v6 = Int.random(in: 0..<4, using: &random) == 0
            let table = random.pick(tables)
            let prefix: IPPrefix
            if v6 {
                let length = random.pick([16, 32, 48, 56, 64, 96, 120, 128])
                prefix = IPPrefix(address: random.address(in: IPPrefix("fd10::/16")!), length: length)!.network
            } else {
                let length = random.pick([0, 8, 12, 16, 20, 24, 26, 28, 30, 32])
                let base = random.pick([IPPrefix("172.16.0.0/14")!, IPPrefix("10.0.0.0/8")!, IPPrefix("0.0.0.0/0")!])
                prefix = IPPrefix(address: random.address(in: base), length: max(length, 0))!.network
            }
            let metric = random.pick([0, 10, 100, 1024])
            let key = "\(table) \(prefix) \(metric)"
            guard used.insert(key).inserted else { continue }
            let kinds = table == "main" ? ["u", "u", "u", "m", "b", "r", "p"] : ["u", "u", "u", "m", "b", "r", "p", "t"]
            var line: String
            let placement = "table \(table) metric \(metric)"
            switch random.pick(kinds) {
            case "b": line = "route add blackhole \(prefix)"
            case "r": line = "route add unreachable \(prefix)"
            case "p": line = "route add prohibit \(prefix)"
            case "t": line = "route add throw \(prefix)"
            case "m":
                if v6 {
                    line = "route add \(prefix) \(placement) nexthop via fd01::1 dev eth0 nexthop via fd02::1 dev eth1"
                } else {
                    line = "route add \(prefix) \(placement) nexthop via 10.1.0.1 dev eth0 nexthop via 10.2.0.1 dev eth1 weight 2"
                }
            default:
                if v6 {
                    let (gateway, device) = random.pick(gatewaysV6)
                    line = Bool.random(using: &random) ? "route add \(prefix) via \(gateway) dev \(device)" : "route add \(prefix) dev \(device)"
                } else {
                    let (gateway, device) = random.pick(gatewaysV4)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: line = "route add \(prefix) via \(gateway) dev \(device)"
                    case 1: line = "route add \(prefix) dev \(device) scope link"
                    default: line = "route add \(prefix) via \(gateway) dev \(device) src 10.\(device.last!.wholeNumberValue! + 1).0.10"
                    }
                }
            }
            if !line.contains(placement) { line += " " + placement }
            commands.append((v6 ? "-6 " : "") + line)
            (v6 ? { bed.destinationsV6.append(prefix) } : { bed.destinationsV4.append(prefix) })()
        }
        commands.append("route add local 172.20.0.1 dev lo table local")
        commands.append("route add default via 10.1.0.1 dev eth0 metric 50")
        commands.append("-6 route add default via fd01::1 dev eth0 metric 50")
        bed.destinationsV4 += ["172.20.0.1/32", "10.1.0.0/24", "10.2.0.0/24", "10.3.0.0/24", "0.0.0.0/0"].compactMap { IPPrefix($0) }
        bed.destinationsV6 += ["fd01::/64", "fd02::/64", "::/0"].compactMap { IPPrefix($0) }

        let marks: [UInt32] = [0x1, 0x2, 0x10, 0x80, 0x81, 0x100]
        bed.marks = [0, 0, 0] + marks
        let priorities = Array(Set((0..<60).map { _ in UInt32.random(in: 100...30000, using: &random) })).sorted()
        for (position, priority) in priorities.enumerated() {
            let v6 = position % 3 == 2
            var selectors: [String] = []
            if Int.random(in: 0..<4, using: &random) == 0 { selectors.append("not") }
            if Int.random(in: 0..<3, using: &random) == 0 {
                let pool = v6 ? IPPrefix("fd00::/8")! : random.pick([IPPrefix("10.0.0.0/8")!, IPPrefix("172.16.0.0/14")!])
                let length = v6 ? random.pick([8, 16, 64]) : random.pick([8, 16, 24])
                selectors.append("from \(IPPrefix(address: random.address(in: pool), length: length)!.network)")
            }
            if Int.random(in: 0..<3, using: &random) == 0 {
                let pool = v6 ? IPPrefix("fd10::/16")! : IPPrefix("172.16.0.0/14")!
                let length = v6 ? random.pick([16, 24, 32]) : random.pick([12, 14, 16, 20])
                selectors.append("to \(IPPrefix(address: random.address(in: pool), length: length)!.network)")
            }
            if Int.random(in: 0..<3, using: &random) == 0 {
                let mark = random.pick(marks)
                selectors.append(Bool.random(using: &random) ? "fwmark 0x\(String(mark, radix: 16))" : "fwmark 0x\(String(mark, radix: 16))/0x\(String(mark | 0x80, radix: 16))")
            }
            if Int.random(in: 0..<4, using: &random) == 0 { selectors.append("iif \(random.pick(["lo", "eth0", "eth1", "eth2"]))") }
            if Int.random(in: 0..<10, using: &random) == 0 { selectors.append("oif eth\(Int.random(in: 0..<3, using: &random))") }
            var action: String
            switch Int.random(in: 0..<12, using: &random) {
            case 0: action = "blackhole"
            case 1: action = "unreachable"
            case 2: action = "prohibit"
            case 3: action = "nop"
            case 4 where position + 1 < priorities.count:
                action = "goto \(priorities[Int.random(in: (position + 1)..<priorities.count, using: &random)])"
            default:
                action = "lookup \(random.pick(tables))"
                if Int.random(in: 0..<4, using: &random) == 0 { action += " suppress_prefixlength \(random.pick([0, 8, 16]))" }
            }
            let terminal = ["blackhole", "unreachable", "prohibit"].contains(action)
            if terminal && !selectors.contains(where: { $0.hasPrefix("to ") }) {
                // A catch-all terminal rule would end every lookup: give it a narrow destination.
                let pool = v6 ? IPPrefix("fd10::/16")! : IPPrefix("172.16.0.0/14")!
                selectors.append("to \(IPPrefix(address: random.address(in: pool), length: v6 ? 32 : 20)!.network)")
            }
            if terminal { selectors.removeAll { $0 == "not" } }
            commands.append((v6 ? "-6 " : "") + "rule add priority \(priority) " + selectors.joined(separator: " ") + " " + action)
        }
        // Failing lines (an impossible route, a rule the kernel refuses) are skipped: the kernel's
        // state, read afterwards, is what both sides are compared on.
        let v6Commands = commands.filter { $0.hasPrefix("-6 ") }.map { String($0.dropFirst(3)) }
        let v4Commands = commands.filter { !$0.hasPrefix("-6 ") }
        let v4 = try runProcess("ip", ["-n", ns.name, "-force", "-batch", "-"], timeout: .seconds(120), input: v4Commands.joined(separator: "\n") + "\n")
        let v6 = try runProcess("ip", ["-n", ns.name, "-6", "-force", "-batch", "-"], timeout: .seconds(120), input: v6Commands.joined(separator: "\n") + "\n")
        // A syntax error would end the batch early: every line must parse.
        for (result, count) in [(v4, v4Commands.count), (v6, v6Commands.count)] where result.stderr.contains("Error: ") && !result.stderr.contains("RTNETLINK") {
            throw NamespaceError("rule bed: \(count) commands, ip stopped: \(result.stderr.prefix(300))")
        }
        bed.routeCount = try ns.ipJSON("route", "show", "table", "all").count + ns.ipJSON("-6", "route", "show", "table", "all").count
        bed.ruleCount = try ns.ipJSON("rule", "show").count + ns.ipJSON("-6", "rule", "show").count
        bed.sourcesV4 = ["10.1.0.0/24", "10.2.0.0/24", "10.3.0.0/24", "172.16.0.0/14", "10.0.0.0/8"].compactMap { IPPrefix($0) }
        bed.sourcesV6 = ["fd01::/64", "fd02::/64", "fd00::/8"].compactMap { IPPrefix($0) }
        return bed
    }
}
