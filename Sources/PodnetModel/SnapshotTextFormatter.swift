/// Renders a snapshot the way `ip` and `bridge` print the same objects (`podnetd dump --format text`).
public enum SnapshotTextFormatter {
    public static func render(_ snapshot: NodeSnapshot) -> String {
        let names = InterfaceNames(snapshot.links)
        var lines: [String] = []
        lines.append("# podnetd dump of \(snapshot.hostname) at \(snapshot.capturedAt) (schema \(snapshot.schemaVersion))")
        let host = snapshot.host
        lines.append(
            "# host: ipv4 forwarding \(flag(host.ipv4Forwarding)), rp_filter all \(number(host.ipv4RPFilterAll)) "
                + "default \(number(host.ipv4RPFilterDefault)), ipv6 forwarding \(flag(host.ipv6Forwarding))")
        if let facts = snapshot.nodeFacts {
            lines.append(
                "# node: \(number(facts.vCPUs)) vCPUs, kernel \(facts.kernelRelease ?? "?"), instance type "
                    + "\(facts.instanceType ?? "?") (\(facts.instanceTypeSource)), maxPods \(number(facts.maxPods)) "
                    + "(\(facts.maxPodsSource))"
                    + (facts.nodeName.map { ", node name \($0) (\(facts.nodeNameSource ?? "?"))" } ?? ""))
        }
        var usage: [String] = []
        for (name, table) in [("arp_cache", host.ipv4NeighbourTable), ("ndisc_cache", host.ipv6NeighbourTable)] {
            if let table { usage.append("\(name) \(table.entries) entries (gc_thresh3 \(table.gcThresh3))") }
        }
        if let conntrack = host.conntrack { usage.append("conntrack \(conntrack.count) of \(conntrack.max)") }
        if !usage.isEmpty { lines.append("# " + usage.joined(separator: ", ")) }
        section("links (ip -d link)", snapshot.links.map { $0.ipSyntax(names) }, into: &lines)
        section("addresses (ip addr)", snapshot.addresses.map { $0.ipSyntax(names) }, into: &lines)
        section("routes (ip route show table all; ip -6 route show table all)", snapshot.routes.map { $0.ipSyntax(names) }, into: &lines)
        section("neighbours (ip neigh)", snapshot.neighbours.map { $0.ipSyntax(names) }, into: &lines)
        section("fdb (bridge fdb)", snapshot.fdb.map { $0.ipSyntax(names) }, into: &lines)
        section("rules (ip rule; ip -6 rule)", snapshot.rules.map { "\($0.family == .ipv6 ? "inet6 " : "")\($0.ipSyntax())" }, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func section(_ title: String, _ body: [String], into lines: inout [String]) {
        lines.append("")
        lines.append("## \(title): \(body.count)")
        lines.append(contentsOf: body)
    }

    private static func flag(_ value: Bool?) -> String { value.map { $0 ? "1" : "0" } ?? "?" }
    private static func number(_ value: Int?) -> String { value.map(String.init) ?? "?" }
}
