import Foundation
import PodnetAnalysis
import PodnetModel
import PodnetNetlink
import PodnetTestSupport

/// Compares `PathExplainer`'s first hop with the kernel's `ip route get` (and `ip route get
/// fibmatch` for the route itself) for many queries in one namespace, and the tunnel part of the
/// path with `ip neigh`, `bridge fdb` and the underlay's `ip route get`.
struct KernelAgreement {
    let namespace: NetworkNamespace
    let explainer: PathExplainer
    var compared = 0
    var pathsCompared = 0
    var vethsCompared = 0
    /// Queries explain declared undetermined (a path through something it does not model).
    var undetermined: [String] = []
    var mismatches: [String] = []
    /// The kernel's answers by kind (`unicast`, `local`, `EHOSTUNREACH`, …), to show what was covered.
    var outcomes: [String: Int] = [:]

    /// Reads the namespace's state over netlink (as `podnetd explain` does) and indexes it.
    init(namespace: NetworkNamespace, expectations: Expectations = Expectations()) throws {
        self.namespace = namespace
        let snapshot = try namespace.perform { try NetlinkSnapshotReader().snapshot() }
        explainer = PathExplainer(snapshot: snapshot, expectations: expectations)
    }

    /// Whether the namespace has IPv4 rules other than the three default ones (the kernel then keeps
    /// the local table apart from main and reports it).
    private var customRulesV4: Bool {
        let rules = explainer.index.snapshot.rules.filter { $0.family == .ipv4 }
        return rules.map(\.priority) != [0, 32766, 32767] || rules.contains { $0.from != nil || $0.fwmark != nil }
    }

    mutating func compareFirstHops(_ queries: [ExplainQuery]) throws {
        var explained: [(ExplainQuery, PathExplanation)] = []
        for query in queries {
            guard let explanation = try? explainer.explain(query) else { continue }
            explained.append((query, explanation))
        }
        let answers = try KernelRouteGet.run(explained.map { KernelRouteGet.command($0.0) }, in: namespace)
        let fibmatches = try KernelRouteGet.run(explained.map { KernelRouteGet.command($0.0, fibmatch: true) }, in: namespace)
        for ((query, explanation), (answer, fibmatch)) in zip(explained, zip(answers, fibmatches)) {
            compared += 1
            let kind = answer.error.map { KernelRouteGet.errorNames[$0] ?? $0 } ?? answer.type
            outcomes[kind + (query.inputInterface == nil ? "" : " (forwarded)"), default: 0] += 1
            if explanation.verdict == .undetermined {
                // Not modelled, and said so: not an answer to compare, but listed.
                undetermined.append(KernelRouteGet.command(query))
                continue
            }
            if let problem = difference(query, explanation.firstHop, answer, fibmatch) {
                mismatches.append("\(KernelRouteGet.command(query)): \(problem)")
            }
        }
    }

    private func difference(
        _ query: ExplainQuery, _ mine: FirstHop, _ kernel: KernelRouteGet.Answer, _ fibmatch: KernelRouteGet.Answer
    ) -> String? {
        if let error = kernel.error {
            let name = KernelRouteGet.errorNames[error] ?? error
            return mine.error == name ? nil : "kernel: \(error) (\(name)); podnetd: \(describe(mine))"
        }
        if mine.error != nil { return "kernel: \(kernel.object); podnetd: \(describe(mine))" }
        if kernel.type != mine.type { return "type: kernel \(kernel.type), podnetd \(mine.type)" }
        var table = mine.table ?? 0
        if query.destination.family == .ipv4, !customRulesV4, table == 255 { table = 254 }
        if kernel.table != table { return "table: kernel \(kernel.table), podnetd \(table)" }
        guard let hop = mine.hops.first(where: { $0.gateway == kernel.gateway && $0.device == kernel.device }) else {
            return "next hop: kernel via \(kernel.gateway ?? "-") dev \(kernel.device ?? "-"), podnetd \(describe(mine))"
        }
        // A tie between equally ranked addresses is reported as the candidates: the kernel's must be one.
        if let source = kernel.preferredSource, source != hop.source, !(hop.sourceCandidates ?? []).contains(source) {
            return "source: kernel \(source), podnetd \(hop.source ?? "none") (\(describe(mine)))"
        }
        if fibmatch.error == nil {
            let prefix = fibmatch.destinationPrefix(query.destination.family)
            if prefix?.description != mine.routeDestination || fibmatch.metric != (mine.metric ?? 0) {
                return "route: kernel \(fibmatch.object), podnetd \(mine.route ?? "-")"
            }
        }
        return nil
    }

    private func describe(_ hop: FirstHop) -> String {
        let hops = hop.hops.map { "via \($0.gateway ?? "-") dev \($0.device) src \($0.source ?? "-")" }
        return "\(hop.type) \(hop.error ?? "") table \(hop.table.map(String.init) ?? "-") \(hop.route ?? "") [\(hops.joined(separator: " | "))]"
    }

    /// The rest of the path: for every query through a VXLAN device the neighbour entry (MAC,
    /// state), the FDB entry's dst and the underlay route compared with `ip neigh`, `bridge fdb` and
    /// `ip route get REMOTE from LOCAL oif DEV`; for every query ending at a local pod's veth its
    /// state compared with `ip link`.
    mutating func compareTunnels(_ queries: [ExplainQuery]) throws {
        var neighbours: [String: [[String: Any]]] = [:]
        var fdbs: [String: [[String: Any]]] = [:]
        var linkStates: [String: String] = [:]
        for query in queries {
            guard let explanation = try? explainer.explain(query) else { continue }
            if let veth = explanation.steps.last, veth.step == "veth", let device = explanation.firstHop.hops.first?.device {
                // A local pod's veth: ok exactly when the kernel says it is up.
                if linkStates[device] == nil {
                    linkStates[device] = try namespace.ipJSON("link", "show", "dev", device).first?["operstate"] as? String ?? "?"
                }
                vethsCompared += 1
                if (linkStates[device] == "UP") != (veth.status == .ok) {
                    mismatches.append("veth \(device): kernel \(linkStates[device] ?? "?"), podnetd \(veth.status)")
                }
            }
            guard let tunnel = explanation.tunnel else { continue }
            pathsCompared += 1
            if neighbours[tunnel.device] == nil {
                neighbours[tunnel.device] = try namespace.ipJSON("neigh", "show", "dev", tunnel.device)
                fdbs[tunnel.device] = try namespace.bridgeJSON("fdb", "show", "dev", tunnel.device)
            }
            let entry = neighbours[tunnel.device]?.first { $0["dst"] as? String == tunnel.nextHop }
            let kernelMAC = entry?["lladdr"] as? String
            let kernelState = (entry?["state"] as? [String])?.joined(separator: " ")
            if kernelMAC != tunnel.neighbourMAC || kernelState != tunnel.neighbourState {
                mismatches.append("neighbour \(tunnel.nextHop): kernel \(kernelMAC ?? "none") \(kernelState ?? ""), podnetd \(tunnel.neighbourMAC ?? "none") \(tunnel.neighbourState ?? "")")
                continue
            }
            guard let mac = kernelMAC else { continue }
            let remote = fdbs[tunnel.device]?.first { $0["mac"] as? String == mac && $0["dst"] != nil }?["dst"] as? String
            if remote != tunnel.remote {
                mismatches.append("fdb \(mac): kernel dst \(remote ?? "none"), podnetd \(tunnel.remote ?? "none")")
                continue
            }
            guard let remote, let underlay = tunnel.underlay?.hops.first else { continue }
            let link = explainer.index.snapshot.links.first { $0.name == tunnel.device }
            var command = "route get \(remote)"
            if let local = link?.vxlan?.local { command += " from \(local)" }
            if let bound = link?.vxlan?.underlayIndex, let device = explainer.index.snapshot.links.first(where: { $0.index == bound }) {
                command += " oif \(device.name)"
            }
            guard let answer = try KernelRouteGet.run([command], in: namespace).first else { continue }
            if answer.error != nil || answer.gateway != underlay.gateway || answer.device != underlay.device
                || (answer.preferredSource.map { $0 != underlay.source && !(underlay.sourceCandidates ?? []).contains($0) } ?? false)
            {
                mismatches.append("underlay \(command): kernel \(answer.error ?? "\(answer.object)"), podnetd via \(underlay.gateway ?? "-") dev \(underlay.device) src \(underlay.source ?? "-")")
            }
        }
    }

    /// `explain: <scenario>: N destinations compared with ip route get, M paths with ip neigh/bridge fdb, K mismatches`.
    func summary(_ scenario: String) -> String {
        var text = "explain agreement \(scenario): \(compared) queries compared with ip route get (+ fibmatch), "
            + "\(pathsCompared) VXLAN paths with ip neigh / bridge fdb / underlay ip route get, "
            + "\(vethsCompared) local-pod veths with ip link, \(mismatches.count) mismatches"
            + (undetermined.isEmpty ? "" : ", \(undetermined.count) declared undetermined")
            + "\n  kernel answers: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        for mismatch in mismatches.prefix(20) { text += "\n  " + mismatch }
        return text
    }
}

/// Random addresses and picks for the agreement tests.
extension SeededRandom {
    /// A random address inside `prefix`.
    mutating func address(in prefix: IPPrefix) -> IPAddress {
        switch prefix.network.address {
        case .v4(let base):
            let hostBits = 32 - prefix.length
            let random = UInt32.random(in: 0...UInt32.max, using: &self)
            return .v4(hostBits == 0 ? base : base | (random & (hostBits == 32 ? UInt32.max : (1 << hostBits) - 1)))
        case .v6(let base):
            let hostBits = 128 - prefix.length
            let random = UInt128(next()) << 64 | UInt128(next())
            return .v6(hostBits == 0 ? base : base | (random & (hostBits == 128 ? UInt128.max : (1 << hostBits) - 1)))
        }
    }

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &self)] }
}
