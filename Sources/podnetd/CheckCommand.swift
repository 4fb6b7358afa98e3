import ArgumentParser
import Foundation
import PodnetAnalysis
import PodnetCluster
import PodnetConfig
import PodnetModel
import PodnetNetlink

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Diagnose the node's pod network once and print the findings.",
        discussion: """
            Reads the live node (or a saved `podnetd dump`), compares it with what the CNI must \
            have programmed and what is configured, and prints findings with evidence and what \
            to do.

            Exit status, as a node-problem-detector custom plugin expects:
              0  no finding at or above --fail-on
              1  at least one finding at or above --fail-on
              2  could not check (bad config, unreadable snapshot, netlink
                 failure, or a state that kept changing while it was read:
                 "uncertain"); the reason on stderr
            """
    )

    @OptionGroup var source: NodeSourceOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(name: .long, help: "Lowest severity that makes the exit status 1: info, warning or critical.")
    var failOn: Severity = .warning

    @Flag(name: .long, help: "Print how long reading the snapshot and analysing it took, on stderr.")
    var timing = false

    func run() throws {
        let loaded = try source.configuration()
        let clock = ContinuousClock()
        let readStarted = clock.now
        let (nodeSnapshot, savedCluster) = try source.nodeState()
        let expectations = try source.expectations(loaded, for: nodeSnapshot)
        let cluster = clusterInput(config: loaded, saved: savedCluster)
        let analysisStarted = clock.now
        let report =
            if let cluster {
                Analyzer.analyze(snapshot: nodeSnapshot, expectations: expectations, cluster: cluster, checkedAt: RFC3339.now())
            } else {
                Analyzer.analyze(snapshot: nodeSnapshot, expectations: expectations, checkedAt: RFC3339.now())
            }
        if timing {
            let read = analysisStarted - readStarted
            let analysis = clock.now - analysisStarted
            StandardStreams.error(
                "timing: snapshot \(Self.milliseconds(read)) ms (\(nodeSnapshot.routes.count) routes), analysis \(Self.milliseconds(analysis)) ms")
        }
        switch format {
        case .text:
            StandardStreams.writeOut(ReportTextRenderer.render(report, color: StandardStreams.stdoutWantsColor))
        case .json:
            StandardStreams.writeOut(try report.jsonText() + "\n")
        }
        if report.hasFinding(atLeast: failOn) { throw ExitCode(1) }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.1f", value)
    }

    /// The cluster's view: from the dump with --snapshot (`saved`: exactly what the live check saw),
    /// else one list of the API server and ipamd's record; nil when podnetd reads nothing of the cluster.
    private func clusterInput(config: PodnetConfig, saved: ClusterRecord?) -> ClusterInput? {
        guard source.snapshot != nil else {
            let node = ExpectationsResolver().nodeIdentity(config)
            return ClusterOnce.blocking {
                await ClusterOnce.read(
                    kubernetes: config.kubernetes, ipamd: config.ipamd, nodeName: node.name,
                    nodeNameSource: node.source.rawValue)
            } ?? nil
        }
        guard let record = saved else { return nil }
        return ClusterInput(
            view: record.view, viewAgeSeconds: 0, maxViewAgeSeconds: config.kubernetes.maxViewAgeSeconds,
            unavailableReason: record.unavailableReason, ipamd: record.ipamd)
    }
}

extension Severity: ExpressibleByArgument {}
