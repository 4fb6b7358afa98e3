// One-line renderings of kernel objects in the syntax `ip` and `bridge` print,
// used by `podnetd dump --format text` and as evidence in findings.

extension Route {
    /// As `ip route show table all` prints it (table shown unless main).
    public func ipSyntax(_ names: InterfaceNames) -> String {
        var parts: [String] = []
        if type != .unicast { parts.append(type.description) }
        parts.append(destination.routeDescription)
        if let source { parts.append("from \(source)") }
        if tos != 0 { parts.append("tos 0x\(String(tos, radix: 16))") }
        if nextHops.count == 1, let hop = nextHops.first {
            if let gateway = hop.gateway { parts.append("via \(gateway)") }
            if let index = hop.interfaceIndex { parts.append("dev \(names[index])") }
        }
        if table != .main { parts.append("table \(table)") }
        if protocol_ != .boot { parts.append("proto \(protocol_)") }
        if scope != .universe { parts.append("scope \(scope)") }
        if let preferredSource { parts.append("src \(preferredSource)") }
        if priority != 0 { parts.append("metric \(priority)") }
        if nextHops.count == 1, let hop = nextHops.first {
            parts.append(contentsOf: hop.flags.names)
        } else {
            for hop in nextHops {
                var hopParts = ["nexthop"]
                if let gateway = hop.gateway { hopParts.append("via \(gateway)") }
                if let index = hop.interfaceIndex { hopParts.append("dev \(names[index])") }
                hopParts.append("weight \(hop.weight)")
                hopParts.append(contentsOf: hop.flags.names)
                parts.append(hopParts.joined(separator: " "))
            }
        }
        return parts.joined(separator: " ")
    }
}

extension Neighbour {
    /// As `ip neigh show` prints it.
    public func ipSyntax(_ names: InterfaceNames) -> String {
        var parts = ["\(address) dev \(names[interfaceIndex])"]
        if let mac { parts.append("lladdr \(mac)") }
        parts.append(contentsOf: flags.names)
        parts.append(contentsOf: state.names)
        return parts.joined(separator: " ")
    }
}

extension FDBEntry {
    /// As `bridge fdb show` prints it.
    public func ipSyntax(_ names: InterfaceNames) -> String {
        var parts = ["\(mac) dev \(names[interfaceIndex])"]
        if let vlan { parts.append("vlan \(vlan)") }
        if let destination { parts.append("dst \(destination)") }
        if let vni { parts.append("vni \(vni)") }
        if let masterIndex { parts.append("master \(names[masterIndex])") }
        parts.append(contentsOf: flags.names)
        let states = state.subtracting([.noARP]).names.map { $0.lowercased() }
        parts.append(contentsOf: states)
        return parts.joined(separator: " ")
    }
}

extension Address {
    /// As `ip addr show` prints the address line (`inet 10.0.0.5/24 scope global eth0`).
    public func ipSyntax(_ names: InterfaceNames) -> String {
        var parts = [family.rawValue, prefix.description]
        if let peer { parts.append("peer \(peer)") }
        parts.append("scope \(scope)")
        parts.append(contentsOf: flags.subtracting([.permanent]).names)
        parts.append(label ?? names[interfaceIndex])
        return parts.joined(separator: " ")
    }
}

extension Rule {
    /// As `ip rule show` prints it.
    public func ipSyntax() -> String {
        var parts = ["\(priority):"]
        if invert { parts.append("not") }
        // ip prints a host prefix as a bare address and a missing or /0 selector as "all".
        parts.append("from \(from.map { $0.isDefault ? "all" : $0.routeDescription } ?? "all")")
        if let to { parts.append("to \(to.isDefault ? "all" : to.routeDescription)") }
        if tos != 0 { parts.append("tos 0x\(String(tos, radix: 16))") }
        if let fwmark {
            parts.append(fwmask.map { $0 == UInt32.max ? "fwmark 0x\(String(fwmark, radix: 16))" : "fwmark 0x\(String(fwmark, radix: 16))/0x\(String($0, radix: 16))" } ?? "fwmark 0x\(String(fwmark, radix: 16))")
        }
        if let inputInterface { parts.append("iif \(inputInterface)") }
        if let outputInterface { parts.append("oif \(outputInterface)") }
        if let otherSelectors { parts.append(contentsOf: otherSelectors) }
        switch action {
        case .lookup: parts.append("lookup \(table)")
        case .goto: parts.append("goto \(gotoTarget.map(String.init) ?? "none")")
        default: parts.append(action.description)
        }
        if let suppressPrefixLength { parts.append("suppress_prefixlength \(suppressPrefixLength)") }
        return parts.joined(separator: " ")
    }
}

extension Link {
    /// As `ip -d link show` prints the first line, plus vxlan and devconf details.
    public func ipSyntax(_ names: InterfaceNames) -> String {
        var head = "\(index): \(name)"
        if let parentIndex { head += parentNetnsID == nil ? "@\(names[parentIndex])" : "@if\(parentIndex)" }
        var parts = [head + ":", "<\(flags.names.joined(separator: ","))>", "mtu \(mtu)"]
        if let masterIndex { parts.append("master \(names[masterIndex])") }
        parts.append("state \(operState)")
        parts.append(kind)
        if let mac { parts.append("link/ether \(mac)") }
        if let vxlan {
            var detail = "id \(vxlan.vni)"
            if let local = vxlan.local { detail += " local \(local)" }
            if let underlay = vxlan.underlayIndex { detail += " dev \(names[underlay])" }
            detail += " dstport \(vxlan.port)"
            if !vxlan.learning { detail += " nolearning" }
            parts.append(detail)
        }
        if let ipv4 {
            parts.append("ipv4 forwarding \(ipv4.forwarding ? 1 : 0) rp_filter \(ipv4.rpFilter) proxy_arp \(ipv4.proxyARP ? 1 : 0)")
        }
        if let ipv6 { parts.append("ipv6 forwarding \(ipv6.forwarding ? 1 : 0)") }
        return parts.joined(separator: " ")
    }
}
