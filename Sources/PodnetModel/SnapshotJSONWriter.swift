/// Writes a `NodeSnapshot` as the `podnetd dump` JSON document.
///
/// The output decodes with `JSONDecoder` to an equal snapshot (tested); key names and the
/// omission of absent optionals follow the types' synthesized `Codable` conformance.
public enum SnapshotJSONWriter {
    /// The snapshot as UTF-8 JSON, one list element per line.
    public static func encode(_ snapshot: NodeSnapshot) -> [UInt8] {
        var writer = JSONByteWriter(capacity: 4096 + snapshot.routes.count * 200)
        write(snapshot, to: &writer)
        return writer.bytes
    }

    /// Streams the same document to `sink` in chunks of about `chunkSize` bytes, so a dump of a
    /// large node is never held in memory whole.
    public static func write(
        _ snapshot: NodeSnapshot, chunkSize: Int = 1 << 20, to sink: @escaping (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var writer = JSONByteWriter(capacity: chunkSize * 2, sink: sink)
        write(snapshot, to: &writer)
        writer.flush()
    }

    private static func write(_ snapshot: NodeSnapshot, to writer: inout JSONByteWriter) {
        writer.beginObject()
        writer.newline()
        writer.key("schemaVersion")
        writer.integer(snapshot.schemaVersion)
        writer.key("hostname")
        writer.string(snapshot.hostname)
        writer.key("capturedAt")
        writer.string(snapshot.capturedAt)
        writer.key("host")
        write(snapshot.host, to: &writer)
        writer.newline()
        if let facts = snapshot.nodeFacts {
            writer.key("nodeFacts")
            write(facts, to: &writer)
            writer.newline()
        }
        list("links", snapshot.links, to: &writer, element: write)
        list("addresses", snapshot.addresses, to: &writer, element: write)
        list("routes", snapshot.routes, to: &writer, element: write)
        list("neighbours", snapshot.neighbours, to: &writer, element: write)
        list("fdb", snapshot.fdb, to: &writer, element: write)
        list("rules", snapshot.rules, to: &writer, element: write)
        writer.newline()
        writer.endObject()
        writer.newline()
    }

    // Encoded once: a 100k-route dump writes these names hundreds of thousands of times.
    private static let routeTypeTokens = (0...255).map { JSONByteWriter.token(RouteType(rawValue: UInt8($0)).description) }
    private static let routeProtocolTokens = (0...255).map { JSONByteWriter.token(RouteProtocol(rawValue: UInt8($0)).description) }
    private static let routeScopeTokens = (0...255).map { JSONByteWriter.token(RouteScope(rawValue: UInt8($0)).description) }
    private static let nextHopFlagTokens = (0...255).map { JSONByteWriter.token(NextHopFlags(rawValue: UInt8($0)).names) }
    private static let familyTokens = Dictionary(uniqueKeysWithValues: AddressFamily.allCases.map { ($0, JSONByteWriter.token($0.rawValue)) })
    private static let commonTableTokens = Dictionary(
        uniqueKeysWithValues: [RouteTable.main, .local, .default, RouteTable(0)].map { ($0, JSONByteWriter.token($0.description)) })

    private static func writeTable(_ table: RouteTable, to writer: inout JSONByteWriter) {
        if let token = commonTableTokens[table] {
            writer.raw(token)
        } else {
            writer.string(table.description)
        }
    }

    private static func list<Element>(
        _ name: StaticString, _ elements: [Element], to writer: inout JSONByteWriter,
        element: (Element, inout JSONByteWriter) -> Void
    ) {
        writer.key(name)
        writer.beginArray()
        for item in elements {
            writer.newline()
            element(item, &writer)
        }
        writer.endArray()
    }

    private static func write(_ host: HostSettings, to writer: inout JSONByteWriter) {
        writer.beginObject()
        if let value = host.ipv4Forwarding { writer.key("ipv4Forwarding"); writer.bool(value) }
        if let value = host.ipv4RPFilterAll { writer.key("ipv4RPFilterAll"); writer.integer(value) }
        if let value = host.ipv4RPFilterDefault { writer.key("ipv4RPFilterDefault"); writer.integer(value) }
        if let value = host.ipv6Forwarding { writer.key("ipv6Forwarding"); writer.bool(value) }
        if let table = host.ipv4NeighbourTable { writer.key("ipv4NeighbourTable"); write(table, to: &writer) }
        if let table = host.ipv6NeighbourTable { writer.key("ipv6NeighbourTable"); write(table, to: &writer) }
        if let conntrack = host.conntrack {
            writer.key("conntrack")
            writer.beginObject()
            writer.key("count"); writer.integer(conntrack.count)
            writer.key("max"); writer.integer(conntrack.max)
            writer.endObject()
        }
        writer.endObject()
    }

    private static func write(_ table: NeighbourTableUsage, to writer: inout JSONByteWriter) {
        writer.beginObject()
        writer.key("entries"); writer.integer(table.entries)
        writer.key("gcThresh1"); writer.integer(table.gcThresh1)
        writer.key("gcThresh2"); writer.integer(table.gcThresh2)
        writer.key("gcThresh3"); writer.integer(table.gcThresh3)
        writer.endObject()
    }

    private static func write(_ facts: NodeFacts, to writer: inout JSONByteWriter) {
        writer.beginObject()
        if let value = facts.vCPUs { writer.key("vCPUs"); writer.integer(value) }
        if let value = facts.instanceType { writer.key("instanceType"); writer.string(value) }
        writer.key("instanceTypeSource"); writer.string(facts.instanceTypeSource)
        if let value = facts.maxPods { writer.key("maxPods"); writer.integer(value) }
        writer.key("maxPodsSource"); writer.string(facts.maxPodsSource)
        writer.key("maxPodsMayBeOverridden"); writer.bool(facts.maxPodsMayBeOverridden)
        if let value = facts.kubeletConfigPath { writer.key("kubeletConfigPath"); writer.string(value) }
        if let value = facts.kernelRelease { writer.key("kernelRelease"); writer.string(value) }
        if let value = facts.nodeName { writer.key("nodeName"); writer.string(value) }
        if let value = facts.nodeNameSource { writer.key("nodeNameSource"); writer.string(value) }
        writer.endObject()
    }

    private static func write(_ link: Link, to writer: inout JSONByteWriter) {
        writer.beginObject()
        writer.key("index"); writer.integer(link.index.rawValue)
        writer.key("name"); writer.string(link.name)
        writer.key("kind"); writer.string(link.kind)
        writer.key("flags"); writer.strings(link.flags.names)
        writer.key("operState"); writer.string(link.operState.description)
        writer.key("mtu"); writer.integer(link.mtu)
        if let mac = link.mac { writer.key("mac"); writer.string(mac.description) }
        if let value = link.parentIndex { writer.key("parentIndex"); writer.integer(value.rawValue) }
        if let value = link.parentNetnsID { writer.key("parentNetnsID"); writer.integer(value) }
        if let value = link.masterIndex { writer.key("masterIndex"); writer.integer(value.rawValue) }
        if let vxlan = link.vxlan {
            writer.key("vxlan")
            writer.beginObject()
            writer.key("vni"); writer.integer(vxlan.vni)
            writer.key("port"); writer.integer(vxlan.port)
            if let local = vxlan.local { writer.key("local"); writer.address(local) }
            if let value = vxlan.underlayIndex { writer.key("underlayIndex"); writer.integer(value.rawValue) }
            writer.key("learning"); writer.bool(vxlan.learning)
            writer.endObject()
        }
        if let ipv4 = link.ipv4 {
            writer.key("ipv4")
            writer.beginObject()
            writer.key("forwarding"); writer.bool(ipv4.forwarding)
            writer.key("rpFilter"); writer.integer(ipv4.rpFilter)
            writer.key("proxyARP"); writer.bool(ipv4.proxyARP)
            writer.endObject()
        }
        if let ipv6 = link.ipv6 {
            writer.key("ipv6")
            writer.beginObject()
            writer.key("forwarding"); writer.bool(ipv6.forwarding)
            writer.endObject()
        }
        if let offloads = link.offloads {
            writer.key("offloads")
            writer.beginObject()
            writer.key("txChecksum"); writer.bool(offloads.txChecksum)
            writer.endObject()
        }
        writer.endObject()
    }

    private static func write(_ address: Address, to writer: inout JSONByteWriter) {
        writer.beginObject()
        writer.key("interfaceIndex"); writer.integer(address.interfaceIndex.rawValue)
        writer.key("prefix"); writer.prefix(address.prefix)
        if let peer = address.peer { writer.key("peer"); writer.address(peer) }
        writer.key("scope"); writer.string(address.scope.description)
        writer.key("flags"); writer.strings(address.flags.names)
        if let label = address.label { writer.key("label"); writer.string(label) }
        writer.endObject()
    }

    private static func write(_ route: Route, to writer: inout JSONByteWriter) {
        writer.beginObject()
        writer.key("family"); writer.raw(familyTokens[route.family] ?? JSONByteWriter.token(route.family.rawValue))
        writer.key("table"); writeTable(route.table, to: &writer)
        writer.key("type"); writer.raw(routeTypeTokens[Int(route.type.rawValue)])
        writer.key("protocol"); writer.raw(routeProtocolTokens[Int(route.protocol_.rawValue)])
        writer.key("scope"); writer.raw(routeScopeTokens[Int(route.scope.rawValue)])
        writer.key("destination"); writer.prefix(route.destination)
        if let source = route.source { writer.key("source"); writer.prefix(source) }
        if let value = route.preferredSource { writer.key("preferredSource"); writer.address(value) }
        writer.key("priority"); writer.integer(route.priority)
        writer.key("tos"); writer.integer(route.tos)
        writer.key("nextHops")
        writer.beginArray()
        for hop in route.nextHops {
            writer.beginObject()
            if let gateway = hop.gateway { writer.key("gateway"); writer.address(gateway) }
            if let index = hop.interfaceIndex { writer.key("interfaceIndex"); writer.integer(index.rawValue) }
            writer.key("flags"); writer.raw(nextHopFlagTokens[Int(hop.flags.rawValue)])
            writer.key("weight"); writer.integer(hop.weight)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    private static func write(_ neighbour: Neighbour, to writer: inout JSONByteWriter) {
        writer.beginObject()
        writer.key("interfaceIndex"); writer.integer(neighbour.interfaceIndex.rawValue)
        writer.key("address"); writer.address(neighbour.address)
        if let mac = neighbour.mac { writer.key("mac"); writer.string(mac.description) }
        writer.key("state"); writer.strings(neighbour.state.names)
        writer.key("flags"); writer.strings(neighbour.flags.names)
        writer.endObject()
    }

    private static func write(_ entry: FDBEntry, to writer: inout JSONByteWriter) {
        writer.beginObject()
        writer.key("mac"); writer.string(entry.mac.description)
        writer.key("interfaceIndex"); writer.integer(entry.interfaceIndex.rawValue)
        if let value = entry.destination { writer.key("destination"); writer.address(value) }
        if let value = entry.vlan { writer.key("vlan"); writer.integer(value) }
        if let value = entry.vni { writer.key("vni"); writer.integer(value) }
        if let value = entry.masterIndex { writer.key("masterIndex"); writer.integer(value.rawValue) }
        writer.key("state"); writer.strings(entry.state.names)
        writer.key("flags"); writer.strings(entry.flags.names)
        writer.endObject()
    }

    private static func write(_ rule: Rule, to writer: inout JSONByteWriter) {
        writer.beginObject()
        writer.key("family"); writer.string(rule.family.rawValue)
        writer.key("priority"); writer.integer(rule.priority)
        writer.key("action"); writer.string(rule.action.description)
        writer.key("table"); writeTable(rule.table, to: &writer)
        if let value = rule.from { writer.key("from"); writer.prefix(value) }
        if let value = rule.to { writer.key("to"); writer.prefix(value) }
        if let value = rule.inputInterface { writer.key("inputInterface"); writer.string(value) }
        if let value = rule.outputInterface { writer.key("outputInterface"); writer.string(value) }
        if let value = rule.fwmark { writer.key("fwmark"); writer.integer(value) }
        if let value = rule.fwmask { writer.key("fwmask"); writer.integer(value) }
        writer.key("tos"); writer.integer(rule.tos)
        writer.key("invert"); writer.bool(rule.invert)
        if let value = rule.gotoTarget { writer.key("gotoTarget"); writer.integer(value) }
        if let value = rule.suppressPrefixLength { writer.key("suppressPrefixLength"); writer.integer(value) }
        if let value = rule.otherSelectors { writer.key("otherSelectors"); writer.strings(value) }
        writer.endObject()
    }
}
