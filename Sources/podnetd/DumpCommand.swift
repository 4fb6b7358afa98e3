import ArgumentParser
import PodnetConfig
import PodnetModel
import PodnetNetlink

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the node's network state as the kernel reports it.",
        discussion: """
            Links (with VXLAN and per-interface forwarding/rp_filter settings), addresses, \
            routes of every table, IPv4/IPv6 neighbours, bridge FDB entries and policy rules, \
            read over netlink, and the node facts the analysis needs (vCPUs, instance type, \
            kubelet maxPods, kernel release, each with its source, resolved with the config as \
            `check` resolves them). The JSON document (schemaVersion \(NodeSnapshot.currentSchemaVersion)) \
            can be attached to a ticket and analysed later, anywhere, with `podnetd check --snapshot FILE`.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Config file for the node facts (default \(PodnetConfig.defaultPath); missing means defaults).", valueName: "file"))
    var config: String?

    @Option(name: .shortAndLong, help: "Output format: json (podnetd's snapshot document) or text (ip-style).")
    var format: OutputFormat = .json

    func run() throws {
        var snapshot: NodeSnapshot
        do {
            snapshot = try NetlinkSnapshotReader().snapshot()
        } catch {
            StandardStreams.error("cannot read the network state: \(error)")
            throw ExitCode(2)
        }
        snapshot.nodeFacts = nodeFacts()
        switch format {
        case .json: SnapshotJSONWriter.write(snapshot) { StandardStreams.writeOut(UnsafeRawBufferPointer($0)) }
        case .text: StandardStreams.writeOut(SnapshotTextFormatter.render(snapshot))
        }
    }

    /// The node's facts as `check` would resolve them here. A dump is for a support ticket, so a
    /// config problem does not stop it: it is said on stderr and the facts it affects say why.
    private func nodeFacts() -> NodeFacts {
        let resolver = ExpectationsResolver()
        do {
            return try resolver.nodeFacts(PodnetConfigFile.load(path: config))
        } catch {
            StandardStreams.error("\(error); the dump's node facts are resolved without the config")
            do {
                return try resolver.nodeFacts(PodnetConfig())
            } catch {
                return NodeFacts(instanceTypeSource: "unknown: \(error)", maxPodsSource: "unknown: \(error)")
            }
        }
    }
}
