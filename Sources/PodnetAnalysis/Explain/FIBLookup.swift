import PodnetModel

/// The fields of a packet the kernel's route lookup looks at (`struct flowi4` / `flowi6`).
struct Flow: Sendable {
    var destination: IPAddress
    /// nil: none given (0.0.0.0 or ::).
    var source: IPAddress?
    /// The receiving device; the loopback device for packets this node sends (so `iif lo` rules
    /// match locally generated traffic, as in the kernel).
    var inputIndex: InterfaceIndex
    /// Set only for lookups bound to a device (the reverse-path check, the VXLAN underlay).
    var outputIndex: InterfaceIndex?
    var mark: UInt32
}

/// What one table lookup found.
enum TableResult: Sendable {
    /// No route covers the destination (the kernel's -EAGAIN: the next rule is tried).
    case none
    /// A `throw` route: the next rule is tried.
    case thrown(position: Int)
    /// A blackhole, unreachable or prohibit route: the lookup ends with its error.
    case reject(position: Int)
    /// A route with a usable next hop.
    case found(position: Int)
}

/// One policy rule as the lookup met it.
public struct RuleEvaluation: Sendable, Hashable, Codable {
    /// The rule in `ip rule` syntax.
    public var rule: String
    public var matched: Bool
    /// Why it matched or not (the first selector that failed, or what matched).
    public var reason: String
    /// What the rule's action led to, for rules that matched.
    public var result: String?
}

/// Where the policy walk ended.
enum PolicyOutcome: Sendable {
    /// A usable route, found in `table` through `rule`.
    case route(position: Int, table: RouteTable, rule: Rule)
    /// A blackhole/unreachable/prohibit route ended the lookup.
    case rejectRoute(position: Int, table: RouteTable, rule: Rule)
    /// A blackhole/unreachable/prohibit rule ended the lookup.
    case ruleAction(Rule)
    /// No rule led to a route (the kernel answers ENETUNREACH).
    case noRoute
}

/// The kernel's FIB lookup (net/core/fib_rules.c, net/ipv4/fib_trie.c, net/ipv6/ip6_fib.c), on an index.
struct FIBLookup {
    let index: RoutingIndex

    /// Walks the policy rules in order, as `fib_rules_lookup` does.
    func resolve(_ flow: Flow, trace: Bool) -> (outcome: PolicyOutcome, evaluations: [RuleEvaluation]) {
        let rules = index.rules(flow.destination.family)
        var evaluations: [RuleEvaluation] = []
        var position = 0
        while position < rules.count {
            let rule = rules[position]
            position += 1
            let (matched, reason) = match(rule, flow, explain: trace)
            guard matched else {
                if trace { evaluations.append(RuleEvaluation(rule: rule.ipSyntax(), matched: false, reason: reason)) }
                continue
            }
            func record(_ result: String) {
                if trace { evaluations.append(RuleEvaluation(rule: rule.ipSyntax(), matched: true, reason: reason, result: result)) }
            }
            switch rule.action {
            case .goto:
                // The kernel jumps to the first rule with the target priority; an unresolved goto is skipped.
                guard let target = rule.gotoTarget, let next = rules.firstIndex(where: { $0.priority == target }),
                    next >= position
                else {
                    record("goto \(rule.gotoTarget.map(String.init) ?? "?"): no rule with that priority, skipped")
                    continue
                }
                record("goto \(target)")
                position = next
            case .nop:
                record("nop: next rule")
            case .lookup:
                switch lookup(table: rule.table, flow) {
                case .none:
                    record("table \(rule.table): no route to \(flow.destination), next rule")
                case .thrown(let found):
                    record("table \(rule.table): throw route \(index.route(found).destination.routeDescription), next rule")
                case .reject(let found):
                    record("table \(rule.table): \(index.route(found).type) route \(index.route(found).destination.routeDescription)")
                    return (.rejectRoute(position: found, table: rule.table, rule: rule), evaluations)
                case .found(let found):
                    let length = index.route(found).destination.length
                    if let suppress = rule.suppressPrefixLength, length <= Int(suppress) {
                        record(
                            "table \(rule.table): \(index.route(found).destination.routeDescription) suppressed "
                                + "(prefix length \(length) ≤ suppress_prefixlength \(suppress)), next rule")
                        continue
                    }
                    record("table \(rule.table): \(index.route(found).destination.routeDescription)")
                    return (.route(position: found, table: rule.table, rule: rule), evaluations)
                }
            default:
                record("\(rule.action): the lookup ends here")
                return (.ruleAction(rule), evaluations)
            }
        }
        return (.noRoute, evaluations)
    }

    /// One table, as `fib_table_lookup` (IPv4) and `fib6_table_lookup` (IPv6) choose: the longest
    /// prefix with a route that applies; among a prefix's routes IPv4 takes TOS-specific ones first,
    /// then the lowest metric, then dump order; IPv6 the lowest metric. A reject or throw route ends
    /// the table's lookup at once; routes without a usable next hop are passed over (the next
    /// shorter prefix is tried).
    ///
    /// An IPv6 packet arriving on a device is looked up with that device as the output interface
    /// (`ip6_pol_route_input`): among a prefix's routes of the lowest metric those on it come first,
    /// and for a link-local or multicast destination only routes on it apply (`RT6_LOOKUP_F_IFACE`).
    func lookup(table: RouteTable, _ flow: Flow) -> TableResult {
        var result = TableResult.none
        let arriving = flow.destination.family == .ipv6 && flow.inputIndex != index.loopbackIndex
        let arrivingV6 = arriving ? flow.inputIndex : nil
        let onlyArrivingDevice = arrivingV6 != nil && Self.needsStrictInterface(flow.destination)
        func onArrivingDevice(_ route: Route) -> Bool {
            guard let arrivingV6 else { return false }
            return route.nextHops.contains { $0.interfaceIndex == arrivingV6 }
        }
        index.forEachMatch(table: table, address: flow.destination) { _, positions in
            var ordered = positions.map(Int.init)
            if ordered.count > 1 {
                let routes = index.snapshot.routes
                ordered.sort { a, b in
                    let (ra, rb) = (routes[a], routes[b])
                    if ra.tos != rb.tos { return ra.tos > rb.tos }
                    if ra.priority != rb.priority { return ra.priority < rb.priority }
                    let (ia, ib) = (onArrivingDevice(ra), onArrivingDevice(rb))
                    if ia != ib { return ia }
                    return a < b
                }
            }
            for position in ordered {
                let route = index.route(position)
                if onlyArrivingDevice && !onArrivingDevice(route) { continue }
                // Packets carry TOS 0 here: TOS-specific routes do not apply.
                if route.tos != 0 { continue }
                if let source = route.source, !source.isDefault {
                    guard let flowSource = flow.source, source.contains(flowSource) else { continue }
                }
                switch route.type {
                case .blackhole, .unreachable, .prohibit:
                    result = .reject(position: position)
                    return false
                case .throw:
                    result = .thrown(position: position)
                    return false
                default:
                    break
                }
                if usableHops(route, flow).isEmpty { continue }
                result = .found(position: position)
                return false
            }
            return true
        }
        return result
    }

    /// `rt6_need_strict`: link-local, multicast and loopback destinations are bound to the device.
    static func needsStrictInterface(_ address: IPAddress) -> Bool {
        guard case .v6(let bits) = address else { return false }
        return bits == 1 || bits >> 120 == 0xff || bits >> 118 == 0x3fa
    }

    /// The next hops the kernel may use: not dead, and on the bound device when the lookup is bound.
    func usableHops(_ route: Route, _ flow: Flow) -> [NextHop] {
        if route.nextHops.isEmpty { return flow.outputIndex == nil ? [NextHop()] : [] }
        return route.nextHops.filter { hop in
            if hop.flags.contains(.dead) { return false }
            if let output = flow.outputIndex, hop.interfaceIndex != output { return false }
            return true
        }
    }

    /// `fib_rule_match` followed by the family's match: iif, oif, fwmark, unmodelled selectors, then
    /// from, to, tos; `not` inverts the result. The reason names the selector that decided.
    func match(_ rule: Rule, _ flow: Flow, explain: Bool) -> (Bool, String) {
        let (matched, reason) = selectorsMatch(rule, flow, explain: explain)
        if rule.invert {
            return (!matched, explain ? "not (\(reason))" : "")
        }
        return (matched, reason)
    }

    private func selectorsMatch(_ rule: Rule, _ flow: Flow, explain: Bool) -> (Bool, String) {
        var matchedBy: [String] = []
        if let iif = rule.inputInterface {
            let arriving = flow.inputIndex == index.loopbackIndex ? "lo (sent by this node)" : index.name(flow.inputIndex)
            guard let link = index.linksByName[iif] else {
                return (false, explain ? "iif \(iif): no such interface" : "")
            }
            guard link.index == flow.inputIndex else {
                return (false, explain ? "iif \(iif): the packet arrives on \(arriving)" : "")
            }
            if explain { matchedBy.append("iif \(iif)") }
        }
        if let oif = rule.outputInterface {
            guard let output = flow.outputIndex, index.linksByName[oif]?.index == output else {
                return (false, explain ? "oif \(oif): the lookup is not bound to \(oif)" : "")
            }
            if explain { matchedBy.append("oif \(oif)") }
        }
        if let fwmark = rule.fwmark {
            let mask = rule.fwmask ?? UInt32.max
            guard (fwmark ^ flow.mark) & mask == 0 else {
                return (false, explain ? "fwmark: mark 0x\(String(flow.mark, radix: 16)) & 0x\(String(mask, radix: 16)) ≠ 0x\(String(fwmark & mask, radix: 16))" : "")
            }
            if explain { matchedBy.append("fwmark 0x\(String(flow.mark, radix: 16))") }
        }
        if let others = rule.otherSelectors, !others.isEmpty {
            // ipproto, ports, uidrange, tun_id, l3mdev: a routing query carries none of these.
            return (false, explain ? "\(others.joined(separator: " ")): not part of this query, taken as not matching" : "")
        }
        if let from = rule.from, !from.isDefault {
            guard let source = flow.source, from.contains(source) else {
                let given = flow.source.map { "source \($0)" } ?? "no source address given (from \(flow.destination.family == .ipv6 ? "::" : "0.0.0.0"))"
                return (false, explain ? "from \(from.routeDescription): \(given)" : "")
            }
            if explain { matchedBy.append("from \(from.routeDescription)") }
        }
        if let to = rule.to, !to.isDefault {
            guard to.contains(flow.destination) else {
                return (false, explain ? "to \(to.routeDescription): destination outside" : "")
            }
            if explain { matchedBy.append("to \(to.routeDescription)") }
        }
        if rule.tos != 0 {
            return (false, explain ? "tos 0x\(String(rule.tos, radix: 16)): the packet has TOS 0" : "")
        }
        guard explain else { return (true, "") }
        return (true, matchedBy.isEmpty ? "matches every packet" : matchedBy.joined(separator: ", ") + " match")
    }
}
