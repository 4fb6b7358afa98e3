import ArgumentParser
import Foundation
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
            read over netlink, and the node facts the analysis needs (vCPUs, instance type, \
            kubelet maxPods, kernel release, each with its source, resolved with the config as \
            `check` resolves them). The JSON document (schemaVersion \(NodeSnapshot.currentSchemaVersion)) \
            can be attached to a ticket and analysed later, anywhere, with `podnetd check --snapshot FILE`.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Config file for the node facts and the cluster view (default \(PodnetConfig.defaultPath); missing means defaults).", valueName: "file"))
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
        let loaded = configuration()
        snapshot.nodeFacts = nodeFacts(loaded)
        switch format {
        case .json:
            guard let record = clusterRecord(loaded ?? PodnetConfig()) else {
                SnapshotJSONWriter.write(snapshot) { StandardStreams.writeOut(UnsafeRawBufferPointer($0)) }
                return
            }
            var bytes: [UInt8] = []
            SnapshotJSONWriter.write(snapshot) { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
            StandardStreams.writeOut(try DumpDocument.appending(record, to: bytes))
        case .text: StandardStreams.writeOut(SnapshotTextFormatter.render(snapshot))
        }
    }

    /// The config file. A dump is for a support ticket, so a config problem does not stop it: it is
    /// said on stderr, and the node facts and cluster view are resolved with the defaults.
    private func configuration() -> PodnetConfig? {
        do {
            return try PodnetConfigFile.load(path: config)
        } catch {
            StandardStreams.error("\(error); the dump's node facts and cluster view are resolved without the config")
            return nil
        }
    }

    /// The node's facts as `check` would resolve them here; the facts a config problem affects say why.
    private func nodeFacts(_ loaded: PodnetConfig?) -> NodeFacts {
        let resolver = ExpectationsResolver()
        do {
            return try resolver.nodeFacts(loaded ?? PodnetConfig())
        } catch {
            return NodeFacts(instanceTypeSource: "unknown: \(error)", maxPodsSource: "unknown: \(error)")
        }
    }

    /// The cluster's view and ipamd's record as `check` would read them; nil when podnetd reads
    /// nothing of the cluster here.
    private func clusterRecord(_ loaded: PodnetConfig) -> ClusterRecord? {
        let node = ExpectationsResolver().nodeIdentity(loaded)
        guard
            let input = ClusterOnce.blocking({
                await ClusterOnce.read(
                    kubernetes: loaded.kubernetes, ipamd: loaded.ipamd, nodeName: node.name,
                    nodeNameSource: node.source.rawValue)
            }) ?? nil
        else { return nil }
        return ClusterRecord(view: input.view, unavailableReason: input.unavailableReason, ipamd: input.ipamd)
    }
}
