import PodnetModel

/// The first hop of one query, with what the path walk needs beyond `FirstHop`.
struct RouteDecision: Sendable {
    var firstHop: FirstHop
    var evaluations: [RuleEvaluation]
    /// The chosen route (also for a reject route that ended the lookup).
    var route: Route?
    /// The next hops the kernel may use (empty on error).
    var hops: [NextHop]
    /// Why the lookup failed, for people; nil when it answered with a route.
    var failure: String?
}

/// Decides the first hop the way the kernel does for `ip route get`: an output lookup for packets
/// this node sends (`ip_route_output_key`, `ip6_route_output`), an input lookup with source
/// validation for packets arriving on `--iif` (`ip_route_input_slow`, `ip6_route_input`).
struct RouteDecider {
    let index: RoutingIndex
    var lookup: FIBLookup { FIBLookup(index: index) }
    var sources: SourceAddressSelection { SourceAddressSelection(index: index) }

    func decide(_ query: ExplainQuery) throws(ExplainInputError) -> RouteDecision {
        let destination = query.destination
        if let reason = Self.unsupportedDestination(destination) {
            throw ExplainInputError("dst: \(destination) is \(reason): podnetd explains unicast paths")
        }
        var inputIndex = index.loopbackIndex
        var inputLink: Link?
        if let name = query.inputInterface {
            guard let link = index.linksByName[name] else {
                throw ExplainInputError("iif: no interface named \(EchoedInput.quoted(name)) on this node")
            }
            inputLink = link
            inputIndex = link.index
        }
        let flow = Flow(destination: destination, source: query.source, inputIndex: inputIndex, mark: query.mark)
        if destination.family == .ipv4 {
            if let inputLink { return decideInputV4(flow, link: inputLink) }
            return decideOutputV4(flow)
        }
        return decideV6(flow, forwarded: inputLink != nil)
    }

    /// Multicast, limited broadcast and the unspecified address take other paths in the kernel.
    static func unsupportedDestination(_ address: IPAddress) -> String? {
        switch address {
        case .v4(let bits):
            if bits == 0 { return "the unspecified address" }
            if bits == UInt32.max { return "the limited broadcast address" }
            if bits >> 28 == 0xe { return "a multicast address" }
        case .v6(let bits):
            if bits == 0 { return "the unspecified address" }
            if bits >> 120 == 0xff { return "a multicast address" }
        }
        return nil
    }

    // MARK: - IPv4

    private func decideOutputV4(_ flow: Flow) -> RouteDecision {
        if let source = flow.source {
            if Self.isMartianV4Source(source) {
                return failed(.invalid, type: "martian", "the source \(source) cannot send (multicast, broadcast or 0.0.0.0)")
            }
            if !index.localAddresses.contains(source) {
                return failed(.networkUnreachable, type: "none", "the source \(source) is not an address of this node: it cannot send from it")
            }
        }
        let (outcome, evaluations) = lookup.resolve(flow, trace: true)
        return finish(outcome, evaluations: evaluations, flow: flow, forwarded: false)
    }

    private func decideInputV4(_ flow: Flow, link: Link) -> RouteDecision {
        let source = flow.source ?? .v4(0)
        guard case .v4(let sourceBits) = source, case .v4(let destinationBits) = flow.destination else {
            return failed(.invalid, type: "martian", "mixed address families")
        }
        // Since Linux 5.3 only 0.0.0.0 itself of 0.0.0.0/8 is a martian (unicast-extensions).
        if Self.isMartianV4Source(source) || sourceBits >> 24 == 127 {
            let why = sourceBits == 0 ? "no source address given (0.0.0.0): give the sender with --from" : "the source \(source) is a martian"
            return failed(.invalid, type: "martian", "a packet arriving on \(link.name) is dropped: \(why)")
        }
        if destinationBits == 0 || destinationBits >> 24 == 127 {
            return failed(.invalid, type: "martian", "the destination \(flow.destination) is a martian for a forwarded packet")
        }
        let forwarding = link.ipv4?.forwarding ?? index.snapshot.host.ipv4Forwarding ?? true
        let (outcome, evaluations) = lookup.resolve(flow, trace: true)
        var decision = finish(outcome, evaluations: evaluations, flow: flow, forwarded: true)
        if decision.firstHop.error != nil {
            if !forwarding {
                decision.firstHop.error = RouteError.hostUnreachable.rawValue
                decision.failure = (decision.failure ?? "") + "; and forwarding is off on \(link.name)"
            }
            return decision
        }
        let type = decision.route?.type ?? .unicast
        if type == .local || type == .broadcast {
            if let failure = validateSource(source, destination: flow.destination, outputIndex: nil, arrivingOn: link) {
                return failedValidation(failure, decision: decision)
            }
            return decision
        }
        if !forwarding {
            var blocked = decision
            blocked.firstHop.error = RouteError.hostUnreachable.rawValue
            blocked.hops = []
            blocked.failure = "IPv4 forwarding is off on \(link.name): packets arriving there for other hosts are dropped"
            return blocked
        }
        if type != .unicast {
            var blocked = decision
            blocked.firstHop.error = RouteError.invalid.rawValue
            blocked.hops = []
            blocked.failure = "a \(type) route cannot forward"
            return blocked
        }
        // The kernel validates against the hop it picked; the hash is not known here, so every
        // hop that validates stays a candidate.
        var valid: [(NextHop, HopChoice)] = []
        var firstFailure: (RouteError, String)?
        for (hop, choice) in zip(decision.hops, decision.firstHop.hops) {
            if let failure = validateSource(source, destination: flow.destination, outputIndex: hop.interfaceIndex, arrivingOn: link) {
                if firstFailure == nil { firstFailure = failure }
            } else {
                valid.append((hop, choice))
            }
        }
        if valid.isEmpty, let firstFailure { return failedValidation(firstFailure, decision: decision) }
        decision.hops = valid.map(\.0)
        decision.firstHop.hops = valid.map(\.1)
        return decision
    }

    /// A packet the input path drops (a martian, a failed reverse-path check): since Linux 6.13 the
    /// input route returns a drop reason and `ip route get` reports every such drop as EINVAL
    /// (older kernels reported EXDEV for rp_filter).
    private func failedValidation(_ failure: (RouteError, String), decision: RouteDecision) -> RouteDecision {
        var failed = decision
        failed.firstHop.error = RouteError.invalid.rawValue
        failed.firstHop.type = "martian"
        failed.hops = []
        failed.firstHop.hops = []
        failed.failure = failure.1
        return failed
    }

    static func isMartianV4Source(_ address: IPAddress) -> Bool {
        guard case .v4(let bits) = address else { return false }
        return bits == 0 || bits == UInt32.max || bits >> 28 == 0xe
    }

    /// `fib_validate_source`: the reverse-path check of a forwarded or delivered packet. Returns the
    /// error and why, or nil when the source is accepted.
    func validateSource(
        _ source: IPAddress, destination: IPAddress, outputIndex: InterfaceIndex?, arrivingOn link: Link
    ) -> (RouteError, String)? {
        let rpFilter = max(index.snapshot.host.ipv4RPFilterAll ?? 0, link.ipv4?.rpFilter ?? 0)
        if rpFilter == 0 && outputIndex != link.index {
            if !index.hasCustomRulesV4 && !index.hasCustomLocalRoutesV4 {
                if index.localAddresses.contains(source) {
                    return (.invalid, "the source \(source) is an address of this node: a packet arriving on \(link.name) from it is a martian")
                }
                return nil
            }
        }
        // The full check: look the source up as a destination, as if the packet were a reply.
        let reverse = Flow(
            destination: source, source: destination, inputIndex: outputIndex ?? index.loopbackIndex, mark: 0)
        let rpfText = rpFilter == 1 ? "strict" : "loose"
        guard case .route(let position, _, _) = lookup.resolve(reverse, trace: false).outcome else {
            if rpFilter != 0 {
                return (.crossDevice, "rp_filter (\(rpfText)) on \(link.name): no route back to the source \(source)")
            }
            return nil
        }
        let route = index.route(position)
        if route.type != .unicast {
            return (.invalid, "the source \(source) is routed as \(route.type) here (\(index.syntax.route(route))): a martian")
        }
        if route.nextHops.contains(where: { $0.interfaceIndex == link.index }) { return nil }
        let hasAddress = (index.addressesByInterface[link.index] ?? []).contains { $0.family == .ipv4 }
        if !hasAddress {
            return rpFilter != 0 ? (.crossDevice, "rp_filter (\(rpfText)) on \(link.name), which has no IPv4 address") : nil
        }
        if rpFilter == 1 {
            return (.crossDevice, "rp_filter strict on \(link.name): the route back to \(source) leaves through \(index.name(route.interfaceIndex)), not \(link.name)")
        }
        return nil
    }

    // MARK: - IPv6

    private func decideV6(_ flow: Flow, forwarded: Bool) -> RouteDecision {
        let (outcome, evaluations) = lookup.resolve(flow, trace: true)
        var decision = finish(outcome, evaluations: evaluations, flow: flow, forwarded: forwarded)
        if forwarded {
            // An input route reports no source of its own.
            for position in decision.firstHop.hops.indices { decision.firstHop.hops[position].source = nil }
        }
        return decision
    }

    // MARK: - Results

    private func finish(_ outcome: PolicyOutcome, evaluations: [RuleEvaluation], flow: Flow, forwarded: Bool) -> RouteDecision {
        switch outcome {
        case .noRoute:
            var decision = failed(.networkUnreachable, type: "none", "no rule led to a route for \(flow.destination): the kernel answers \"Network is unreachable\"")
            decision.evaluations = evaluations
            return decision
        case .ruleAction(let rule):
            let error: RouteError
            switch rule.action {
            case .unreachable: error = .networkUnreachable
            case .prohibit: error = .prohibited
            default: error = .invalid
            }
            var decision = failed(error, type: rule.action.description, "rule \(rule.ipSyntax()) ends the lookup: \(rule.action)")
            decision.firstHop.rule = rule.ipSyntax()
            decision.evaluations = evaluations
            return decision
        case .rejectRoute(let position, let table, let rule):
            let route = index.route(position)
            let error: RouteError
            switch route.type {
            case .unreachable: error = .hostUnreachable
            case .prohibit: error = .prohibited
            default: error = .invalid
            }
            var decision = failed(error, type: route.type.description, "dropped by `\(index.syntax.route(route))` in table \(table)")
            decision.firstHop.table = table.rawValue
            decision.firstHop.route = index.syntax.route(route)
            decision.firstHop.routeDestination = route.destination.network.description
            decision.firstHop.metric = route.priority
            decision.firstHop.rule = rule.ipSyntax()
            decision.route = route
            decision.evaluations = evaluations
            return decision
        case .route(let position, let table, let rule):
            let route = index.route(position)
            // A unicast route without next hops uses a nexthop object the snapshot does not hold:
            // no hop is made up for it (the walk says the path is undetermined).
            let hops = route.type == .unicast && route.nextHops.isEmpty ? [] : lookup.usableHops(route, flow)
            let choices = hops.map { hop -> HopChoice in
                // Local delivery (a local or anycast address, or a broadcast arriving here) shows `dev lo`.
                let delivered = route.type == .local || route.type == .anycast || (forwarded && route.type == .broadcast)
                let device = delivered ? "lo" : index.name(hop.interfaceIndex)
                let choice = flow.source.flatMap { $0.family == .ipv4 ? SourceAddressSelection.Choice(candidates: [$0]) : nil }
                    ?? sources.source(route: route, hop: hop, destination: flow.destination)
                let tied = choice.candidates.count > 1 && !forwarded
                return HopChoice(
                    gateway: hop.gateway?.description, device: device,
                    source: forwarded ? nil : choice.address?.description, weight: hop.weight,
                    sourceCandidates: tied ? choice.candidates.map(\.description) : nil)
            }
            let firstHop = FirstHop(
                type: route.type.description, table: table.rawValue, route: index.syntax.route(route),
                routeDestination: route.destination.network.description, metric: route.priority, hops: choices,
                rule: rule.ipSyntax())
            return RouteDecision(firstHop: firstHop, evaluations: evaluations, route: route, hops: hops, failure: nil)
        }
    }

    private func failed(_ error: RouteError, type: String, _ why: String) -> RouteDecision {
        RouteDecision(
            firstHop: FirstHop(type: type, error: error.rawValue), evaluations: [], route: nil, hops: [], failure: why)
    }
}
