import ArgumentParser
import PodnetCluster
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
            read over netlink. The JSON document (schemaVersion \(NodeSnapshot.currentSchemaVersion)) \
            can be attached to a ticket and analysed later with `podnetd check --snapshot FILE`.
            """
    )

    @Option(name: .shortAndLong, help: "Output format: json (podnetd's snapshot document) or text (ip-style).")
    var format: OutputFormat = .json

    @Option(name: .shortAndLong, help: ArgumentHelp("Config file (kubernetes, ipamd settings; default \(PodnetConfig.defaultPath)).", valueName: "file"))
    var config: String?

    func run() throws {
        let snapshot: NodeSnapshot
        do {
            snapshot = try NetlinkSnapshotReader().snapshot()
        } catch {
            StandardStreams.error("cannot read the network state: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .json:
            guard let record = try clusterRecord(hostname: snapshot.hostname) else {
                SnapshotJSONWriter.write(snapshot) { StandardStreams.writeOut(UnsafeRawBufferPointer($0)) }
                return
            }
            var bytes: [UInt8] = []
            SnapshotJSONWriter.write(snapshot) { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
            StandardStreams.writeOut(try DumpDocument.appending(record, to: bytes))
        case .text: StandardStreams.writeOut(SnapshotTextFormatter.render(snapshot))
        }
    }

    /// The cluster's view and ipamd's record as `check` would read them; nil when podnetd reads
    /// nothing of the cluster here.
    private func clusterRecord(hostname: String) throws -> ClusterRecord? {
        let loaded: PodnetConfig
        do {
            loaded = try PodnetConfigFile.load(path: config)
        } catch {
            StandardStreams.error("\(error)")
            throw ExitCode(2)
        }
        let node = NodeNameCallSite.resolve(snapshotHostname: hostname)
        guard
            let input = ClusterOnce.blocking({
                await ClusterOnce.read(
                    kubernetes: loaded.kubernetes, ipamd: loaded.ipamd, nodeName: node.name, nodeNameSource: node.source)
            }) ?? nil
        else { return nil }
        return ClusterRecord(view: input.view, unavailableReason: input.unavailableReason, ipamd: input.ipamd)
    }
}
