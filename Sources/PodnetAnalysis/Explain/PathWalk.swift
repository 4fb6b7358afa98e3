import PodnetModel

/// One explanation in progress: the steps after the first hop, and the first broken one.
struct PathWalk {
    let explainer: PathExplainer
    let query: ExplainQuery
    let decision: RouteDecision
    var steps: [PathStep] = []
    var brokenStep: Int?
    var finding: Finding?
    var destinationKind = "external address"
    var tunnel: TunnelPath?
    /// Set when the walk met something it does not model and stopped there (see `PathVerdict.undetermined`).
    var undetermined = false

    init(explainer: PathExplainer, query: ExplainQuery, decision: RouteDecision) {
        self.explainer = explainer
        self.query = query
        self.decision = decision
    }

    private var index: RoutingIndex { explainer.index }
    private var syntax: IPSyntax { index.syntax }
    private var destination: IPAddress { query.destination }

    /// Findings that say the destination's own route is wrong (missing, via the wrong tunnel IP, …);
    /// an unresolved VXLAN route is named where it breaks (the neighbour or FDB step).
    private static let routeChecks: [CheckID] = [
        .vxlanRouteMissing, .vxlanRouteWrongNextHop, .hostRouteMissing, .eniRuleMissing, .eniSecondaryConflict,
    ]

    mutating func run() {
        classify()
        routeStep()
        guard brokenStep == nil, let route = decision.route else { return }
        switch route.type {
        case .local:
            let owner = index.addressesByInterface.first { $0.value.contains { $0.prefix.address == destination } }
            let device = owner.map { index.name($0.key) } ?? index.name(route.interfaceIndex)
            add("local", .ok, "delivered to this node: \(destination) is an address of \(device)")
            return
        case .broadcast:
            add("local", .ok, "a broadcast address of \(index.name(route.interfaceIndex)): delivered to this node and the link")
            return
        case .anycast:
            add("local", .ok, "an anycast address of \(index.name(route.interfaceIndex)) (the subnet-router anycast address): delivered to this node")
            return
        case .unicast:
            break
        default:
            add("route", .info, "a \(route.type) route: podnetd does not follow it further")
            return
        }
        if route.nextHops.isEmpty {
            // Every unicast route the kernel holds has a next hop; one without any in the snapshot
            // uses a nexthop object (`nhid`) whose hops the dump leaves out under
            // net.ipv4.nexthop_compat_mode=0. podnetd does not read nexthop objects.
            undetermined = true
            add(
                "next-hop", .info,
                "the route's next hop is a nexthop object (`ip nexthop`), which podnetd does not read: "
                    + "the gateway and device are unknown here — ask `ip route get \(destination)`")
            return
        }
        guard !decision.hops.isEmpty else { return }
        nextHopStep(route)
        // A multipath route's hops are walked one after the other; the kernel uses one per flow.
        for hop in decision.hops {
            walk(hop: hop, route: route)
            if brokenStep != nil { return }
        }
    }

    // MARK: - Steps

    private mutating func add(_ step: String, _ status: StepStatus, _ summary: String, evidence: [String] = []) {
        steps.append(PathStep(step: step, status: status, summary: summary, evidence: evidence))
    }

    /// Marks the last step broken (the first broken one is kept) with the report's finding about it.
    private mutating func broke(_ step: String, _ summary: String, evidence: [String] = [], finding: Finding?) {
        add(step, .broken, summary, evidence: evidence)
        if brokenStep == nil {
            brokenStep = steps.count - 1
            self.finding = finding
        }
    }

    private mutating func classify() {
        let podCIDRs = explainer.report.inventory.podCIDRs + explainer.expectations.podCIDRs
        let expectedBlocks = explainer.expectations.calico.expectedRemoteBlocks.map(\.block)
        if index.localAddresses.contains(destination) {
            destinationKind = "address of this node"
        } else if explainer.expectations.serviceCIDRs.contains(where: { $0.contains(destination) }) {
            destinationKind = "service address"
            let cidr = explainer.expectations.serviceCIDRs.first { $0.contains(destination) }.map(\.description) ?? ""
            add(
                "service", .info,
                "\(destination) is in the service CIDR \(cidr): kube-proxy (iptables/IPVS) or an eBPF dataplane "
                    + "translates a ClusterIP to a pod address before routing, in rules podnetd does not read; "
                    + "without that translation the packet takes the route below")
        } else if let route = decision.route, route.type == .unicast,
            decision.hops.contains(where: { hop in hop.interfaceIndex.map(isWorkload) ?? false })
        {
            destinationKind = "pod on this node"
        } else if let route = decision.route, route.type == .blackhole,
            explainer.report.cni.detected == .calicoVXLAN
        {
            destinationKind = "pod address in this node's block"
        } else if decision.hops.contains(where: { hop in hop.interfaceIndex.map(isVXLAN) ?? false })
            || expectedBlocks.contains(where: { $0.contains(destination) })
        {
            destinationKind = "pod on another node"
        } else if podCIDRs.contains(where: { $0.contains(destination) }) {
            destinationKind = "pod network address"
        }
    }

    private func isWorkload(_ device: InterfaceIndex) -> Bool {
        guard let link = index.linksByIndex[device] else { return false }
        return WorkloadKind.of(name: link.name, kind: link.kind) != nil
    }

    private func isVXLAN(_ device: InterfaceIndex) -> Bool { index.linksByIndex[device]?.kind == "vxlan" }

    private mutating func routeStep() {
        let rule = decision.firstHop.rule.map { " (rule \($0))" } ?? ""
        guard let error = decision.firstHop.error else {
            let table = decision.firstHop.table.map { RouteTable(rawValue: $0).description } ?? "?"
            let route = decision.route.map(syntax.route) ?? ""
            // A route that works but is not the one the CNI programs (a lost remote block route
            // falls through to the default route) is broken all the same.
            if let wrong = explainer.finding(checks: Self.routeChecks, containing: destination) {
                broke("route", "table \(table): \(route)\(rule) — not the route it should take: \(wrong.summary)",
                    evidence: [route], finding: wrong)
            } else if let tableFinding = matchedTableFinding() {
                broke("route", "table \(table): \(route)\(rule) — \(tableFinding.summary)", evidence: [route],
                    finding: tableFinding)
            } else if let podRoute = bypassedWorkloadRoute() {
                destinationKind = "pod on this node"
                broke(
                    "route",
                    "table \(table): \(route)\(rule) — \(destination) is a pod on this node (`\(syntax.route(podRoute))` "
                        + "in main), but the rules send this packet elsewhere",
                    evidence: [route, syntax.route(podRoute)], finding: nil)
            } else {
                add("route", .ok, "table \(table): \(route)\(rule)", evidence: [route])
            }
            return
        }
        let why = decision.failure ?? error
        let text = RouteError(rawValue: error)?.text ?? error
        var evidence: [String] = []
        if let route = decision.route { evidence.append(syntax.route(route)) }
        let summary = "\(why) — ip route get answers \"\(text)\""
        var related = explainer.finding(checks: Self.routeChecks, containing: destination)
        if related == nil, decision.route?.type == .blackhole {
            related = explainer.finding(checks: [.workloadRouteMissing, .blockBlackholeMissing])
        }
        if related == nil, decision.firstHop.type == "none" || error == RouteError.hostUnreachable.rawValue,
            query.inputInterface != nil
        {
            related = explainer.finding(checks: [.ipForwardingDisabled])
        }
        if related == nil { related = matchedTableFinding() }
        broke("route", summary, evidence: evidence, finding: related)
    }

    /// The main table's host route to a workload veth for the destination, when the lookup chose
    /// another route (a policy rule diverted a pod's traffic to a local pod).
    private func bypassedWorkloadRoute() -> Route? {
        guard query.inputInterface != nil || query.source != nil else { return nil }
        var found: Route?
        index.forEachMatch(table: .main, address: destination) { length, positions in
            guard length == destination.bitWidth else { return false }
            found = positions.map { index.route(Int($0)) }.first { route in
                route.type == .unicast && route.nextHops.contains { $0.interfaceIndex.map(isWorkload) ?? false }
            }
            return false
        }
        guard let found, !decision.hops.contains(where: { hop in found.nextHops.contains { $0.interfaceIndex == hop.interfaceIndex } })
        else { return nil }
        return found
    }

    /// An `eni-table-missing` finding about a table one of the matched rules looked up.
    private func matchedTableFinding() -> Finding? {
        let tables = decision.evaluations.filter(\.matched).compactMap { evaluation -> String? in
            let words = evaluation.rule.split(separator: " ")
            guard let position = words.firstIndex(of: "lookup"), position + 1 < words.count else { return nil }
            return "table \(words[position + 1])"
        }
        guard !tables.isEmpty else { return nil }
        return explainer.finding(checks: [.eniTableMissing], objects: tables)
    }

    private mutating func nextHopStep(_ route: Route) {
        let choices = decision.firstHop.hops
        func describe(_ choice: HopChoice) -> String {
            var parts: [String] = []
            if let gateway = choice.gateway { parts.append("via \(gateway)") }
            parts.append("dev \(choice.device)")
            if let source = choice.sourceDescription { parts.append(source) }
            return parts.joined(separator: " ")
        }
        if choices.count == 1, let only = choices.first {
            add("next-hop", .ok, describe(only))
        } else {
            add(
                "next-hop", .ok,
                "multipath: the kernel picks one of \(choices.count) hops per flow (by hash): "
                    + choices.map { describe($0) + " weight \($0.weight)" }.joined(separator: " | "))
        }
    }

    private mutating func walk(hop: NextHop, route: Route) {
        guard let device = hop.interfaceIndex, let link = index.linksByIndex[device] else {
            broke("device", "the next hop has no device the snapshot knows", finding: nil)
            return
        }
        if link.kind == "vxlan" {
            walkVXLAN(link: link, hop: hop, route: route)
        } else if isWorkload(device) {
            walkVeth(link: link)
        } else {
            walkPlain(link: link, hop: hop)
        }
    }

    private mutating func deviceStep(_ link: Link, checks: [CheckID]) -> Bool {
        if link.isUsable {
            add("device", .ok, "\(link.name) (\(link.kind)) is up, MTU \(link.mtu)")
            return true
        }
        let state = link.isAdminUp ? "has no carrier (\(link.operState))" : "is down"
        broke(
            "device", "\(link.name) \(state)", evidence: [syntax.link(link)],
            finding: explainer.finding(checks: checks, objects: [link.name]))
        return false
    }

    private mutating func walkVeth(link: Link) {
        let where_ = link.parentNetnsID.map { " (its peer is in network namespace id \($0): the pod)" } ?? ""
        if link.isUsable {
            add("veth", .ok, "\(link.name) is up: delivered to the pod\(where_)")
        } else {
            let state = link.isAdminUp ? "has no carrier (\(link.operState)): the pod's end is down" : "is down"
            broke(
                "veth", "\(link.name) \(state)", evidence: [syntax.link(link)],
                finding: explainer.finding(checks: [.workloadInterfaceDown, .workloadRouteMissing], objects: [link.name]))
        }
    }

    private mutating func walkPlain(link: Link, hop: NextHop) {
        guard deviceStep(link, checks: []) else { return }
        let neighbourAddress = hop.gateway ?? destination
        let role = hop.gateway == nil ? "destination (on link)" : "gateway"
        if let neighbour = index.neighbours[RoutingIndex.NeighbourKey(interfaceIndex: link.index, address: neighbourAddress)] {
            let failed = neighbour.state.contains(.failed) || neighbour.state.contains(.incomplete)
            add(
                "neighbour", failed ? .warning : .ok,
                "\(role) \(neighbourAddress): \(neighbour.mac.map { "lladdr \($0) " } ?? "")\(neighbour.state.names.joined(separator: " "))"
                    + (failed ? " — the last resolution failed; the kernel retries on the next packet" : ""),
                evidence: [syntax.neighbour(neighbour)])
        } else {
            add("neighbour", .info, "\(role) \(neighbourAddress): no neighbour entry yet; the kernel resolves it on the first packet")
        }
    }

    // MARK: - VXLAN

    private mutating func walkVXLAN(link: Link, hop: NextHop, route: Route) {
        guard deviceStep(link, checks: [.vxlanDeviceDown, .vxlanDeviceMissing]) else { return }
        let routeFinding = explainer.finding(
            checks: [.vxlanRouteUnresolved, .vxlanRouteMissing],
            objects: [route.destination.network.description, (hop.gateway ?? destination).description],
            containing: destination)
        let target = hop.gateway ?? destination
        let key = RoutingIndex.NeighbourKey(interfaceIndex: link.index, address: target)
        let recordTunnel = tunnel == nil
        if recordTunnel {
            let entry = index.neighbours[key]
            tunnel = TunnelPath(
                device: link.name, nextHop: target.description, neighbourMAC: entry?.mac?.description,
                neighbourState: entry.map { $0.state.names.joined(separator: " ") })
        }
        guard let neighbour = index.neighbours[key], let mac = neighbour.mac,
            !neighbour.state.contains(.failed), !neighbour.state.contains(.incomplete)
        else {
            let entry = index.neighbours[key]
            broke(
                "neighbour",
                entry.map { "the neighbour entry for \(target) on \(link.name) has no usable MAC (\($0.state.names.joined(separator: " ")))" }
                    ?? "no neighbour entry for \(target) on \(link.name): the VXLAN device cannot address the inner frame",
                evidence: entry.map { [syntax.neighbour($0)] } ?? [], finding: routeFinding)
            return
        }
        let permanent = neighbour.state.contains(.permanent)
        add(
            "neighbour", permanent ? .ok : .warning,
            "\(target) lladdr \(mac) \(neighbour.state.names.joined(separator: " "))"
                + (permanent ? "" : " — Felix programs VTEP neighbours PERMANENT; this one may expire"),
            evidence: [syntax.neighbour(neighbour)])

        let entries = (index.fdb[link.index]?[mac] ?? []).filter { $0.destination != nil }
        let flood = (index.fdb[link.index]?[HardwareAddress(bytes: [0, 0, 0, 0, 0, 0])] ?? []).filter { $0.destination != nil }
        guard let entry = entries.first ?? flood.first, let remote = entry.destination else {
            let without = index.fdb[link.index]?[mac] ?? []
            broke(
                "fdb",
                without.isEmpty
                    ? "no FDB entry for \(mac) on \(link.name): the kernel does not know which node to send the UDP packet to"
                    : "the FDB entry for \(mac) on \(link.name) has no dst (remote node address)",
                evidence: without.map(syntax.fdb), finding: routeFinding)
            return
        }
        if recordTunnel { tunnel?.remote = remote.description }
        let viaFlood = entries.isEmpty ? " (no entry for the MAC: the all-zeros entry's remotes get it)" : ""
        // An entry with several remotes is replicated: the kernel sends a copy to each.
        let remotes = (entries.isEmpty ? flood : entries).compactMap(\.destination)
        let remoteTarget =
            remotes.count == 1
            ? "remote node \(remote)"
            : "remote nodes \(remotes.map(\.description).joined(separator: ", ")) "
                + "(a copy to each; the underlay below is the first's)"
        add("fdb", .ok, "\(mac) → \(remoteTarget)\(viaFlood)", evidence: (entries.isEmpty ? flood : entries).map(syntax.fdb))
        underlay(link: link, remote: remote, record: recordTunnel)
    }

    /// The VXLAN device's own route lookup for the encapsulated packet: to the remote node, from
    /// the device's local address, bound to its underlay device (as `vxlan_get_route` does).
    private mutating func underlay(link: Link, remote: IPAddress, record: Bool) {
        let vxlan = link.vxlan
        let bound = vxlan?.underlayIndex
        let flow = Flow(destination: remote, source: vxlan?.local, inputIndex: index.loopbackIndex, outputIndex: bound, mark: 0)
        let lookup = FIBLookup(index: index)
        let outcome = lookup.resolve(flow, trace: false).outcome
        guard case .route(let position, let table, _) = outcome else {
            if let bound, let device = index.linksByIndex[bound] {
                // With a bound device and no route, the kernel assumes the remote is on that link.
                add("underlay", .warning, "no route to \(remote) bound to \(device.name): the kernel assumes it is on that link")
                return
            }
            let reason: String
            switch outcome {
            case .rejectRoute(let position, _, _): reason = "\(index.route(position).type) route \(syntax.route(index.route(position)))"
            case .ruleAction(let rule): reason = "rule \(rule.ipSyntax())"
            default: reason = "no route"
            }
            broke(
                "underlay", "the encapsulated packet to \(remote) cannot leave: \(reason)",
                finding: explainer.finding(checks: [.vxlanRouteUnresolved], containing: destination))
            return
        }
        let route = index.route(position)
        if route.type == .unicast && route.nextHops.isEmpty {
            undetermined = true
            add(
                "underlay", .info,
                "the route to \(remote) (\(syntax.route(route))) uses a nexthop object (`ip nexthop`), which podnetd "
                    + "does not read: ask `ip route get \(remote)`", evidence: [syntax.route(route)])
            return
        }
        let hops = lookup.usableHops(route, flow)
        let hop = hops.first ?? NextHop()
        let choice =
            vxlan?.local.map { SourceAddressSelection.Choice(candidates: [$0]) }
            ?? SourceAddressSelection(index: index).source(route: route, hop: hop, destination: remote)
        let source = choice.address
        let tiedSources = choice.candidates.count > 1 ? choice.candidates.map(\.description) : nil
        let device = hop.interfaceIndex.flatMap { index.linksByIndex[$0] }
        var parts = ["\(remote)"]
        if let gateway = hop.gateway { parts.append("via \(gateway)") }
        parts.append("dev \(device?.name ?? index.name(hop.interfaceIndex))")
        let underlayChoice = HopChoice(
            gateway: hop.gateway?.description, device: device?.name ?? index.name(hop.interfaceIndex),
            source: source?.description, weight: hop.weight, sourceCandidates: tiedSources)
        if let text = underlayChoice.sourceDescription { parts.append(text) }
        if table != .main { parts.append("table \(table)") }
        if record {
            let underlayHop = FirstHop(
                type: route.type.description, table: table.rawValue, route: syntax.route(route),
                routeDestination: route.destination.network.description, metric: route.priority,
                hops: [underlayChoice])
            tunnel?.underlay = underlayHop
            tunnel?.underlayMTU = device?.mtu
        }
        let overhead: UInt32 = remote.family == .ipv6 ? 70 : 50
        var summary = parts.joined(separator: " ")
        var status = StepStatus.ok
        if let device {
            summary += ", MTU \(device.mtu)"
            if link.mtu + overhead > device.mtu {
                status = .warning
                summary += " — \(link.name) MTU \(link.mtu) + \(overhead) bytes of VXLAN header exceeds it: large packets are dropped"
            }
            if !device.isUsable {
                broke("underlay", summary + " — \(device.name) is down", evidence: [syntax.route(route), syntax.link(device)], finding: nil)
                return
            }
        }
        add("underlay", status, summary, evidence: [syntax.route(route)])
    }
}
