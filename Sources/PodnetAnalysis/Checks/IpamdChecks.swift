import PodnetModel

/// AWS VPC CNI checks against ipamd's own record: every allocated pod IP routed and ruled, nothing
/// routed or ruled for an IP ipamd does not hold, every ENI carrying pods with its table, and the
/// warm pool when IP assignment would fail.
extension Analysis {
    /// The VPC CNI's rule priorities (`pkg/networkutils/network.go`): to-pod rules, from-pod rules.
    static let toPodRulePriority: UInt32 = 512
    static let fromPodRulePriority: UInt32 = 1536

    func checkVPCCNIAgainstIpamd() {
        guard let ipamd else { return }
        var eniOf: [IPAddress: IpamdENI] = [:]
        var allocated: Set<IPAddress> = Set(ipamd.allocations.map(\.address))
        for eni in ipamd.enis {
            for address in eni.addresses {
                eniOf[address.address] = eni
                if address.assigned { allocated.insert(address.address) }
            }
        }
        let podByAddress = Dictionary(
            ipamd.allocations.map { ($0.address, $0.pod ?? $0.containerID) }, uniquingKeysWith: { first, _ in first })

        var podRoutes: [IPAddress: (route: Route, link: Link)] = [:]
        for link in index.workloadLinks where index.workloadKinds[link.index] == .eni {
            for route in index.workloadRoutes[link.index] ?? [] where route.family == .ipv4 && route.destination.isHost {
                podRoutes[route.destination.address] = (route, link)
            }
        }
        var fromRules: [IPAddress: [Rule]] = [:]
        for rule in index.fromTableRules where rule.priority == Self.fromPodRulePriority {
            if let from = rule.from, from.isHost { fromRules[from.address, default: []].append(rule) }
        }

        for address in allocated.sorted() {
            let pod = podByAddress[address].map { " (pod \($0))" } ?? ""
            let toRule = index.toMainRules[address]
            if podRoutes[address] == nil {
                let rules = (toRule.map { [$0] } ?? []) + (fromRules[address] ?? [])
                add(
                    Finding(
                        check: .eniPodRouteMissing, object: address.description,
                        summary: "ipamd allocated \(address)\(pod) but there is no \(address) dev eni… route",
                        detail: "ipamd's checkpoint says \(address) belongs to a pod on this node, and the CNI plugin adds "
                            + "`\(address) dev eniXXX scope link` when it wires the pod. Without the route, traffic "
                            + "to the pod leaves through the default route instead: the pod is unreachable"
                            + (toRule == nil ? " (its `to \(address) lookup main` rule is missing too)." : "."),
                        evidence: rules.map(syntax.rule),
                        remediation: "Find the pod (kubectl get pods -A -o wide | grep \(address)) and recreate it; read "
                            + "/var/log/aws-routed-eni/plugin.log on the node. If the pod is gone, ipamd leaked the "
                            + "allocation: restart aws-node on this node."))
            } else if toRule == nil {
                // A routed pod without its rule is reported by checkVPCCNI (eni-rule-missing).
            }
            if let eni = eniOf[address], !eni.isPrimary,
                !(fromRules[address] ?? []).contains(where: { $0.table.rawValue == eni.routeTable })
            {
                let found = (fromRules[address] ?? []).map(syntax.rule)
                add(
                    Finding(
                        check: .eniFromRuleMissing, object: address.description,
                        summary: "pod \(address)\(pod) on secondary ENI \(eni.id) has no `from \(address) lookup "
                            + "\(eni.routeTable)` rule",
                        detail: "Pods on a secondary ENI must send their traffic out of that ENI: the CNI adds "
                            + "`1536: from POD_IP lookup TABLE` with the ENI's table (\(eni.routeTable)). Without it "
                            + "the pod's replies leave through the primary ENI, whose source/destination check drops "
                            + "them: the pod reaches nothing off the node.",
                        evidence: found + (podRoutes[address].map { [syntax.route($0.route)] } ?? []),
                        remediation: "Inspect: ip rule show | grep \(address). Recreate the pod; read aws-node's log "
                            + "(/var/log/aws-routed-eni/ipamd.log, plugin.log)."))
            }
        }

        // Leaks: routes and rules for IPs ipamd does not hold.
        var leaked: [IPAddress: [String]] = [:]
        for (address, entry) in podRoutes where !allocated.contains(address) {
            leaked[address, default: []].append(syntax.route(entry.route))
        }
        for (address, rule) in index.toMainRules where rule.priority == Self.toPodRulePriority && !allocated.contains(address) {
            leaked[address, default: []].append(syntax.rule(rule))
        }
        for (address, rules) in fromRules where !allocated.contains(address) {
            leaked[address, default: []].append(contentsOf: rules.map(syntax.rule))
        }
        for (address, evidence) in leaked.sorted(by: { $0.key < $1.key }) {
            add(
                Finding(
                    check: .eniIPLeaked, object: address.description,
                    summary: "\(Self.plural(evidence.count, "route or rule", "routes or rules")) for \(address), which "
                        + "ipamd has not allocated",
                    detail: "ipamd's record (\(ipamd.source)) holds no pod with \(address), yet the node still routes "
                        + "or rules it as a pod IP — a leftover of a pod whose teardown did not finish. When ipamd "
                        + "hands \(address) to a new pod, the stale entries can steer its traffic to the wrong "
                        + "veth or table.",
                    evidence: evidence.sorted(),
                    remediation: "Remove the leftovers (ip rule del …, ip route del …) or restart aws-node on this node; "
                        + "check /var/log/aws-routed-eni/plugin.log for failed DEL calls."))
        }

        // Each ENI with pods needs its table's default route.
        let reportedTables = Set(findings.filter { $0.check == .eniTableMissing }.map(\.object))
        for eni in ipamd.enis where !eni.isPrimary && eni.addresses.contains(where: \.assigned) {
            let table = RouteTable(eni.routeTable)
            guard !index.tablesWithDefaultRoute.contains(NodeIndex.TableKey(table: table, family: .ipv4)),
                !reportedTables.contains("table \(table)")
            else { continue }
            add(
                Finding(
                    check: .eniTableMissing, object: "table \(table)",
                    summary: "ENI \(eni.id) (device \(eni.deviceNumber)) carries pods but its table \(table) has no "
                        + "default route",
                    detail: "ipamd gives each secondary ENI a route table with a default route via the subnet's gateway "
                        + "on that ENI; the ENI's pods look it up with `from POD_IP lookup \(table)`. Without it their "
                        + "traffic leaves through the wrong interface and is dropped.",
                    evidence: ["ip route show table \(table): no default route"],
                    remediation: "Inspect: ip route show table \(table); ip link. Restart aws-node on this node."))
        }

        // The warm pool: with no free IP, new pods fail ("failed to assign an IP address") below maxPods.
        guard !ipamd.enis.isEmpty else { return }
        let pool = IpamdPool(ipamd)
        if pool.free == 0, let maxPods = expectations.maxPods, index.workloadLinks.count < maxPods {
            add(
                Finding(
                    check: .ipamdNoFreeIP, object: "ipamd",
                    summary: "ipamd has no free IP (\(pool.description)) with \(index.workloadLinks.count) of "
                        + "\(maxPods) pods: new pods fail with \"failed to assign an IP address to container\"",
                    detail: "kubelet still schedules pods here (below maxPods), but every address ipamd holds is "
                        + "assigned or in its cooldown (IP_COOLDOWN_PERIOD, 30 s by default, after a pod is deleted) "
                        + "and no further ENI or IP could be attached yet. Pods stay ContainerCreating until an IP "
                        + "cools down or ipamd grows the pool.",
                    evidence: [],
                    remediation: "Check WARM_IP_TARGET / MINIMUM_IP_TARGET / WARM_ENI_TARGET of aws-node, the subnet's free "
                        + "addresses, and ipamd's log (/var/log/aws-routed-eni/ipamd.log); lower maxPods to what the "
                        + "ENIs can hold."))
        }
    }
}

/// Counts of ipamd's address pool.
public struct IpamdPool: Sendable, Hashable, CustomStringConvertible {
    public var total = 0
    public var assigned = 0
    public var coolingDown = 0
    /// Neither assigned nor cooling down: the warm pool.
    public var free: Int { total - assigned - coolingDown }

    public init(_ view: IpamdView) {
        for eni in view.enis {
            for address in eni.addresses {
                // An excluded ENI's pods still count; its unassigned addresses are not offered to new pods.
                if eni.excludedFromPodIPs == true && !address.assigned { continue }
                total += 1
                if address.assigned {
                    assigned += 1
                } else if address.coolingDown {
                    coolingDown += 1
                }
            }
        }
    }

    public var description: String {
        "\(assigned) assigned, \(free) free (warm), \(coolingDown) cooling down, of \(total)"
    }
}
