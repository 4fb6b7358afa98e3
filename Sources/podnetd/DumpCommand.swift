import ArgumentParser
import PodnetModel
import PodnetNetlink

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the node's network state as the kernel reports it.",
        discussion: """
            Links (with VXLAN and per-interface forwarding/rp_filter settings), addresses, \
            routes of every table, IPv4/IPv6 neighbours, bridge FDB entries and policy rules, \
            read over netlink. The JSON document (schemaVersion \(NodeSnapshot.currentSchemaVersion)) \
            can be attached to a ticket and analysed later with `podnetd check --snapshot FILE`.
            """
    )

    @Option(name: .shortAndLong, help: "Output format: json (podnetd's snapshot document) or text (ip-style).")
    var format: OutputFormat = .json

    func run() throws {
        let snapshot: NodeSnapshot
        do {
            snapshot = try NetlinkSnapshotReader().snapshot()
        } catch {
            StandardStreams.error("cannot read the network state: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .json: SnapshotJSONWriter.write(snapshot) { StandardStreams.writeOut(UnsafeRawBufferPointer($0)) }
        case .text: StandardStreams.writeOut(SnapshotTextFormatter.render(snapshot))
        }
    }
}
