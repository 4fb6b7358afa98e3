import ArgumentParser
import PodnetAnalysis
import PodnetConfig
import PodnetModel

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Walk one destination's path through the node and name its first broken link.",
        discussion: """
            Shows the path a packet to DEST takes, as the kernel decides it: the policy rules \
            consulted (which matched and why), the table and route chosen, the next hop, device \
            and source address (what `ip route get` says), then for a VXLAN device the \
            neighbour entry of the gateway, the FDB entry of its MAC and the underlay route to \
            the remote node, and for a local pod its veth. The first broken link is named with \
            the finding `podnetd check` gives for it.

            Without --iif the packet is one this node sends; with --iif (and --from) it is one \
            arriving on that interface and forwarded (a pod's packet arrives on its veth).

            Exit status:
              0  the path is complete
              1  the path is broken
              2  could not explain (bad input, unreadable snapshot or config, or a path through
                 something podnetd does not model, such as nexthop objects); the reason on stderr
            """
    )

    @Argument(help: ArgumentHelp("Destination address (IPv4 or IPv6).", valueName: "DEST"))
    var destination: String

    @Option(name: .long, help: ArgumentHelp("Source address of the packet.", valueName: "SRC"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Interface the packet arrives on (a forwarded packet).", valueName: "DEV"))
    var iif: String?

    @Option(name: .long, help: ArgumentHelp("Firewall mark of the packet (decimal or 0x hex).", valueName: "N"))
    var mark: String?

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup var source: NodeSourceOptions

    @Flag(name: .long, help: "Print on stderr how long reading, indexing and one explain (median of 1000) took.")
    var timing = false

    func run() throws {
        let query: ExplainQuery
        do {
            query = try ExplainQuery.parse(destination: destination, source: from, inputInterface: iif, mark: mark)
        } catch {
            StandardStreams.error("\(error)")
            throw ExitCode(2)
        }
        let loaded = try source.configuration()
        let clock = ContinuousClock()
        let readStarted = clock.now
        let nodeSnapshot = try source.nodeSnapshot()
        let expectations = try source.expectations(loaded, for: nodeSnapshot)
        let indexStarted = clock.now
        let explainer = PathExplainer(snapshot: nodeSnapshot, expectations: expectations)
        let explainStarted = clock.now
        let explanation: PathExplanation
        do {
            explanation = try explainer.explain(query)
        } catch {
            StandardStreams.error("\(error)")
            throw ExitCode(2)
        }
        let firstExplain = clock.now - explainStarted
        if timing {
            var samples: [Duration] = []
            samples.reserveCapacity(1000)
            for _ in 0..<1000 {
                let started = clock.now
                _ = try? explainer.explain(query)
                samples.append(clock.now - started)
            }
            samples.sort()
            let median = samples[samples.count / 2]
            StandardStreams.error(
                "timing: snapshot \(CheckCommand.milliseconds(indexStarted - readStarted)) ms (\(nodeSnapshot.routes.count) routes), "
                    + "index and analysis \(CheckCommand.milliseconds(explainStarted - indexStarted)) ms, "
                    + "explain \(Self.microseconds(median)) µs (median of 1000; the first took \(Self.microseconds(firstExplain)) µs)")
        }
        switch format {
        case .text:
            StandardStreams.writeOut(ExplainTextRenderer.render(explanation, color: StandardStreams.stdoutWantsColor))
        case .json:
            StandardStreams.writeOut(try explanation.jsonText() + "\n")
        }
        switch explanation.verdict {
        case .complete: break
        case .broken: throw ExitCode(1)
        case .undetermined:
            StandardStreams.error("explain: \(explanation.steps.last?.summary ?? "the path is undetermined")")
            throw ExitCode(2)
        }
    }

    static func microseconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
        return String(Int(value.rounded()))
    }
}
