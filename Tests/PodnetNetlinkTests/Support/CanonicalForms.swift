import Foundation
import PodnetModel
import PodnetTestSupport

// One line of text per object, built once from podnetd's values and once from what `ip`/`bridge`
// print as JSON, so the two can be compared as multisets. Only fields both sides know are written.

/// The iproute2 view of one namespace: every `ip -j`/`bridge -j` listing the comparisons need.
struct IPRoute2View {
    let links: [[String: Any]]
    let addresses: [[String: Any]]
    let routes4: [[String: Any]]
    let routes6: [[String: Any]]
    let neighbours4: [[String: Any]]
    let neighbours6: [[String: Any]]
    let rules4: [[String: Any]]
    let rules6: [[String: Any]]
    let fdb: [[String: Any]]
    /// `/proc/sys/net/ipv{4,6}/conf/*/…` as "ipv4/eth0/forwarding" → value.
    let sysctls: [String: Int]

    init(_ ns: NetworkNamespace) throws {
        links = try ns.ipJSON("-d", "link", "show")
        addresses = try ns.ipJSON("addr", "show")
        routes4 = try ns.ipJSON("-4", "route", "show", "table", "all")
        routes6 = try ns.ipJSON("-6", "route", "show", "table", "all")
        neighbours4 = try ns.ipJSON("-4", "neigh", "show")
        neighbours6 = try ns.ipJSON("-6", "neigh", "show")
        rules4 = try ns.ipJSON("-4", "rule", "show")
        rules6 = try ns.ipJSON("-6", "rule", "show")
        fdb = try ns.bridgeJSON("fdb", "show")
        let grep = try ns.exec([
            "sh", "-c",
            "cd /proc/sys/net && grep -H . ipv4/conf/*/forwarding ipv4/conf/*/rp_filter ipv4/conf/*/proxy_arp "
                + "ipv6/conf/*/forwarding",
        ])
        var values: [String: Int] = [:]
        for line in grep.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let value = Int(parts[1]) else { continue }
            values[String(parts[0]).replacingOccurrences(of: "/conf/", with: "/")] = value
        }
        sysctls = values
    }

    /// Every listing in canonical form: equal for two reads of an unchanged namespace.
    var fingerprint: [String] {
        let names = indexByName
        var lines: [String] = links.map { canonicalLink($0, names: names) }
        lines += canonicalAddresses(addresses)
        lines += routes4.map { canonicalRoute($0, family: .ipv4, names: names) }
        lines += routes6.map { canonicalRoute($0, family: .ipv6, names: names) }
        lines += (neighbours4 + neighbours6).map { canonicalNeighbour($0, names: names) }
        lines += rules4.map { canonicalRule($0, family: .ipv4) }
        lines += rules6.map { canonicalRule($0, family: .ipv6) }
        lines += fdb.map { canonicalFDB($0, names: names) }
        lines += sysctls.map { "\($0.key)=\($0.value)" }.sorted()
        return lines
    }

    /// ifname → ifindex.
    var indexByName: [String: Int32] {
        var map: [String: Int32] = [:]
        for link in links {
            if let name = link["ifname"] as? String, let index = int(link["ifindex"]) { map[name] = Int32(index) }
        }
        return map
    }
}

// MARK: - Small JSON helpers

func int(_ value: Any?) -> Int? {
    if let number = value as? NSNumber { return number.intValue }
    if let text = value as? String { return Int(text) }
    return nil
}

func string(_ value: Any?) -> String? { value as? String }

/// `"0x1f"` or a decimal number.
func hexOrDecimal(_ value: Any?) -> UInt32? {
    if let number = value as? NSNumber { return number.uint32Value }
    guard let text = value as? String else { return nil }
    if text.hasPrefix("0x") { return UInt32(text.dropFirst(2), radix: 16) }
    return UInt32(text)
}

func optional<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "-" }

/// A routing table as a number from `ip`'s name or number.
func tableNumber(_ value: Any?) -> UInt32 {
    guard let text = value as? String else { return UInt32(int(value) ?? 0) }
    return RouteTable(name: text)?.rawValue ?? 0
}

// MARK: - Links

/// IFF_* bit of each name `ip` prints (NO-CARRIER and M-DOWN are not flags: skipped).
let linkFlagBits: [String: UInt32] = [
    "UP": 0x1, "BROADCAST": 0x2, "DEBUG": 0x4, "LOOPBACK": 0x8, "POINTOPOINT": 0x10, "NOTRAILERS": 0x20,
    "NOARP": 0x80, "PROMISC": 0x100, "ALLMULTI": 0x200, "MASTER": 0x400, "SLAVE": 0x800, "MULTICAST": 0x1000,
    "PORTSEL": 0x2000, "AUTOMEDIA": 0x4000, "DYNAMIC": 0x8000, "LOWER_UP": 0x10000, "DORMANT": 0x20000,
    "ECHO": 0x40000,
]
/// IFF_RUNNING: `ip` masks it (and prints NO-CARRIER when UP without it).
let iffRunning: UInt32 = 0x40

func canonical(_ link: Link) -> String {
    var text =
        "\(link.index) \(link.name) kind=\(link.kind) flags=0x\(String(link.flags.rawValue & ~iffRunning, radix: 16))"
    text += " oper=\(link.operState) mtu=\(link.mtu) mac=\(optional(link.mac)) master=\(optional(link.masterIndex))"
    text += " parent=\(optional(link.parentIndex)) netnsid=\(optional(link.parentNetnsID))"
    if let vxlan = link.vxlan {
        text += " vxlan(vni=\(vxlan.vni) port=\(vxlan.port) local=\(optional(vxlan.local))"
        text += " dev=\(optional(vxlan.underlayIndex)) learning=\(vxlan.learning))"
    }
    return text
}

func canonicalLink(_ json: [String: Any], names: [String: Int32]) -> String {
    let index = int(json["ifindex"]) ?? -1
    let name = string(json["ifname"]) ?? "?"
    var flags: UInt32 = 0
    for flag in json["flags"] as? [String] ?? [] {
        if let bit = linkFlagBits[flag] {
            flags |= bit
        } else if flag.hasPrefix("0x") {
            flags |= UInt32(flag.dropFirst(2), radix: 16) ?? 0
        }
    }
    let info = json["linkinfo"] as? [String: Any]
    let kind = string(info?["info_kind"]) ?? "device"
    var parent: String = "-"
    var netnsid: String = "-"
    if let linkIndex = int(json["link_index"]) {
        parent = "\(linkIndex)"
        netnsid = optional(int(json["link_netnsid"]))
    } else if let linkName = string(json["link"]) {
        parent = optional(names[linkName])
    }
    let master = string(json["master"]).flatMap { names[$0] }
    var text = "\(index) \(name) kind=\(kind) flags=0x\(String(flags, radix: 16))"
    text +=
        " oper=\(string(json["operstate"]) ?? "?") mtu=\(int(json["mtu"]) ?? -1) mac=\(string(json["address"]) ?? "-")"
    text += " master=\(optional(master)) parent=\(parent) netnsid=\(netnsid)"
    if kind == "vxlan", let data = info?["info_data"] as? [String: Any] {
        let local = string(data["local"]) ?? string(data["local6"])
        let device = string(data["link"]).flatMap { names[$0] }
        let learning = (data["learning"] as? Bool) ?? false
        text += " vxlan(vni=\(int(data["id"]) ?? -1) port=\(int(data["port"]) ?? -1) local=\(optional(local))"
        text += " dev=\(optional(device)) learning=\(learning))"
    }
    return text
}

// MARK: - Addresses

/// `ip`'s boolean address-flag keys, keyed by IFA_F_* bit (`dynamic` is the absence of permanent).
let addressFlagKeys: [(UInt32, String)] = [
    (0x02, "nodad"), (0x04, "optimistic"), (0x08, "dadfailed"), (0x10, "home"), (0x20, "deprecated"),
    (0x40, "tentative"), (0x100, "mngtmpaddr"), (0x200, "noprefixroute"), (0x400, "autojoin"),
    (0x800, "stable-privacy"),
]

func canonical(_ address: Address) -> String {
    var flags: [String] = []
    if address.flags.rawValue & 0x01 != 0 { flags.append(address.family == .ipv6 ? "temporary" : "secondary") }
    for (bit, key) in addressFlagKeys where address.flags.rawValue & bit != 0 { flags.append(key) }
    if !address.flags.contains(.permanent) { flags.append("dynamic") }
    return "\(address.interfaceIndex) \(address.family.rawValue) \(address.prefix) peer=\(optional(address.peer))"
        + " scope=\(address.scope) label=\(optional(address.label)) flags=\(flags.sorted())"
}

func canonicalAddresses(_ json: [[String: Any]]) -> [String] {
    var result: [String] = []
    let flagKeys = Set(addressFlagKeys.map(\.1) + ["secondary", "temporary", "dynamic"])
    for link in json {
        let index = int(link["ifindex"]) ?? -1
        for info in link["addr_info"] as? [[String: Any]] ?? [] {
            let family = string(info["family"]) ?? "?"
            let local = string(info["local"]) ?? "?"
            let flags = info.keys.filter { flagKeys.contains($0) && (info[$0] as? Bool ?? true) }.sorted()
            result.append(
                "\(index) \(family) \(local)/\(int(info["prefixlen"]) ?? -1) peer=\(string(info["address"]) ?? "-")"
                    + " scope=\(string(info["scope"]) ?? "?") label=\(string(info["label"]) ?? "-") flags=\(flags)")
        }
    }
    return result
}

// MARK: - Routes

/// The RTNH_F_* names `ip` prints in a route's or next hop's `flags`.
let nextHopFlagNames: Set<String> = ["dead", "pervasive", "onlink", "offload", "linkdown", "unresolved", "trap"]

func canonical(_ route: Route) -> String {
    var text = "\(route.family.rawValue) table=\(route.table.rawValue) \(route.type) \(route.destination)"
    text += " from=\(optional(route.source)) tos=\(route.tos) proto=\(route.protocol_.rawValue)"
    text += " scope=\(route.scope.rawValue) prefsrc=\(optional(route.preferredSource)) metric=\(route.priority)"
    let hops = route.nextHops.map { hop in
        "(\(optional(hop.gateway)) dev=\(optional(hop.interfaceIndex)) w=\(hop.weight) \(hop.flags.names.sorted()))"
    }
    return text + " hops=" + hops.joined(separator: ",")
}

func canonicalRoute(_ json: [String: Any], family: AddressFamily, names: [String: Int32]) -> String {
    func prefix(_ text: String?) -> String {
        guard let text, text != "default" else { return family == .ipv4 ? "0.0.0.0/0" : "::/0" }
        if text.contains("/") { return IPPrefix(text).map { "\($0)" } ?? text }
        return "\(text)/\(family == .ipv4 ? 32 : 128)"
    }
    func gateway(_ hop: [String: Any]) -> String {
        if let gateway = string(hop["gateway"]) { return gateway }
        if let via = hop["via"] as? [String: Any], let host = string(via["host"]) { return host }
        return "-"
    }
    func flags(_ hop: [String: Any]) -> [String] {
        (hop["flags"] as? [String] ?? []).filter { nextHopFlagNames.contains($0) }.sorted()
    }
    let type = RouteType(name: string(json["type"]) ?? "unicast") ?? .unicast
    let proto = RouteProtocol(name: string(json["protocol"]) ?? "boot")?.rawValue ?? 255
    let scope = RouteScope(name: string(json["scope"]) ?? "global")?.rawValue ?? 255
    let tos = hexOrDecimal(json["tos"]) ?? 0
    var text = "\(family.rawValue) table=\(tableNumber(json["table"] ?? "main")) \(type) \(prefix(string(json["dst"])))"
    let source = string(json["from"]) ?? string(json["src"])  // RTA_SRC: "from" in iproute2 6.1, "src" later
    text += " from=\(source == nil ? "-" : prefix(source)) tos=\(tos) proto=\(proto)"
    text += " scope=\(scope) prefsrc=\(string(json["prefsrc"]) ?? "-") metric=\(int(json["metric"]) ?? 0)"
    var hops: [String] = []
    if let nexthops = json["nexthops"] as? [[String: Any]] {
        for hop in nexthops {
            let device = string(hop["dev"]).flatMap { names[$0] }
            hops.append("(\(gateway(hop)) dev=\(optional(device)) w=\(int(hop["weight"]) ?? 1) \(flags(hop)))")
        }
    } else if json["dev"] != nil || json["gateway"] != nil || json["via"] != nil {
        let device = string(json["dev"]).flatMap { names[$0] }
        hops.append("(\(gateway(json)) dev=\(optional(device)) w=1 \(flags(json)))")
    }
    return text + " hops=" + hops.joined(separator: ",")
}

// MARK: - Neighbours and FDB

/// Neighbour flags `ip neigh` prints as keys.
let neighbourFlagKeys: [(UInt8, String)] = [
    (0x80, "router"), (0x08, "proxy"), (0x10, "extern_learn"), (0x20, "offload"),
]

func canonical(_ neighbour: Neighbour) -> String {
    let flags = neighbourFlagKeys.filter { neighbour.flags.rawValue & $0.0 != 0 }.map(\.1).sorted()
    return "\(neighbour.interfaceIndex) \(neighbour.address) lladdr=\(optional(neighbour.mac))"
        + " state=\(neighbour.state.names.sorted()) flags=\(flags)"
}

func canonicalNeighbour(_ json: [String: Any], names: [String: Int32]) -> String {
    let index = string(json["dev"]).flatMap { names[$0] }
    let flags = neighbourFlagKeys.map(\.1).filter { json.keys.contains($0) }.sorted()
    let states = (json["state"] as? [String] ?? []).sorted()
    return "\(optional(index)) \(string(json["dst"]) ?? "?") lladdr=\(string(json["lladdr"]) ?? "-")"
        + " state=\(states) flags=\(flags)"
}

/// `bridge fdb`'s state text (bridge/fdb.c state_n2a).
func bridgeStateText(_ state: NeighbourState) -> String {
    if state.contains(.permanent) { return "permanent" }
    if state.contains(.noARP) { return "static" }
    if state.contains(.stale) { return "stale" }
    if state.contains(.reachable) { return "" }
    return "0x" + String(state.rawValue, radix: 16)
}

let fdbFlagNames: Set<String> = ["self", "master", "router", "extern_learn", "offload", "sticky"]

func canonical(_ entry: FDBEntry) -> String {
    let flags = entry.flags.names.filter { fdbFlagNames.contains($0) }.sorted()
    return "\(entry.interfaceIndex) \(entry.mac) dst=\(optional(entry.destination)) vlan=\(optional(entry.vlan))"
        + " vni=\(optional(entry.vni)) master=\(optional(entry.masterIndex)) state=\(bridgeStateText(entry.state))"
        + " flags=\(flags)"
}

func canonicalFDB(_ json: [String: Any], names: [String: Int32]) -> String {
    let index = string(json["ifname"]).flatMap { names[$0] }
    let master = string(json["master"]).flatMap { names[$0] }
    let flags = (json["flags"] as? [String] ?? []).filter { fdbFlagNames.contains($0) }.sorted()
    return "\(optional(index)) \(string(json["mac"]) ?? "?") dst=\(string(json["dst"]) ?? "-")"
        + " vlan=\(optional(int(json["vlan"]))) vni=\(optional(int(json["vni"]))) master=\(optional(master))"
        + " state=\(string(json["state"]) ?? "") flags=\(flags)"
}

/// Whether `bridge fdb` lists an entry podnetd reports: podnetd leaves out a device's own multicast
/// addresses (multicast MAC without a VXLAN destination).
func isReportedFDB(_ json: [String: Any]) -> Bool {
    guard json["dst"] == nil, let mac = string(json["mac"]).flatMap(HardwareAddress.init) else { return true }
    return (mac.bytes.first ?? 0) & 1 == 0
}

// MARK: - Rules

func canonical(_ rule: Rule) -> String {
    // `ip rule` prints a mark whenever the kernel sent FRA_FWMARK or FRA_FWMASK, leaving out an all-ones mask.
    let hasMark = rule.fwmark != nil || rule.fwmask != nil
    let fwmark = hasMark ? rule.fwmark ?? 0 : nil
    let fwmask = hasMark ? rule.fwmask ?? UInt32.max : nil
    return "\(rule.family.rawValue) \(rule.priority) \(rule.action) table=\(rule.table.rawValue)"
        + " from=\(optional(rule.from))"
        + " to=\(optional(rule.to)) iif=\(optional(rule.inputInterface)) oif=\(optional(rule.outputInterface))"
        + " fwmark=\(optional(fwmark)) fwmask=\(optional(fwmask))"
        + " tos=\(rule.tos) not=\(rule.invert) goto=\(optional(rule.gotoTarget))"
        + " suppress=\(optional(rule.suppressPrefixLength))"
}

func canonicalRule(_ json: [String: Any], family: AddressFamily) -> String {
    func prefix(_ key: String, _ lengthKey: String) -> String {
        guard let text = string(json[key]), text != "all" else { return "-" }
        let address = IPAddress(text) ?? (family == .ipv4 ? .v4(0) : .v6(0))
        let length = int(json[lengthKey]) ?? address.bitWidth
        return IPPrefix(address: address, length: length).map { "\($0)" } ?? text
    }
    let action: String
    if json["goto"] != nil {
        action = "goto"
    } else if json.keys.contains("nop") {
        action = "nop"
    } else if let name = string(json["action"]) {
        action = name
    } else {
        action = "lookup"
    }
    let fwmark = hexOrDecimal(json["fwmark"])
    let fwmask = fwmark == nil ? nil : (hexOrDecimal(json["fwmask"]) ?? UInt32.max)
    return "\(family.rawValue) \(int(json["priority"]) ?? 0) \(action) table=\(tableNumber(json["table"]))"
        + " from=\(prefix("src", "srclen")) to=\(prefix("dst", "dstlen")) iif=\(string(json["iif"]) ?? "-")"
        + " oif=\(string(json["oif"]) ?? "-") fwmark=\(optional(fwmark)) fwmask=\(optional(fwmask))"
        + " tos=\(hexOrDecimal(json["tos"]) ?? 0) not=\(json.keys.contains("not"))"
        + " goto=\(optional(int(json["goto"]))) suppress=\(optional(int(json["suppress_prefixlen"])))"
}

// MARK: - Comparison

/// What is missing from and extra in `actual` compared with `expected`, as multisets; empty when equal.
func multisetDifference(expected: [String], actual: [String]) -> String {
    var counts: [String: Int] = [:]
    for line in expected { counts[line, default: 0] += 1 }
    for line in actual { counts[line, default: 0] -= 1 }
    let missing = counts.filter { $0.value > 0 }.keys.sorted()
    let extra = counts.filter { $0.value < 0 }.keys.sorted()
    if missing.isEmpty && extra.isEmpty { return "" }
    return "missing from podnetd (only in iproute2):\n  " + missing.joined(separator: "\n  ")
        + "\nonly in podnetd:\n  " + extra.joined(separator: "\n  ")
}
