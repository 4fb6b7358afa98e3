import ArgumentParser
import PodnetAnalysis
import PodnetConfig
import PodnetModel
import PodnetNetlink

/// `--config` and `--snapshot` of the commands that analyse a node: what to expect, and whose state
/// (the live kernel or a saved dump). Failures print one line on stderr and exit 2.
struct NodeSourceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Config file (default \(PodnetConfig.defaultPath); missing means defaults).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Use a saved `podnetd dump` instead of the live node.", valueName: "file"))
    var snapshot: String?

    /// The config file, read before anything else so that its mistakes are reported first.
    func configuration() throws -> PodnetConfig {
        do {
            return try PodnetConfigFile.load(path: config)
        } catch {
            StandardStreams.error("\(error)")
            throw ExitCode(2)
        }
    }

    /// The node's state: the dump named by `--snapshot` (bounded, validated), else the live kernel's.
    func nodeSnapshot() throws -> NodeSnapshot { try nodeState().snapshot }

    /// The node's state and, from a dump, the cluster record it was checked with (nil live: the
    /// cluster is read then).
    func nodeState() throws -> (snapshot: NodeSnapshot, cluster: ClusterRecord?) {
        guard let snapshot else {
            do {
                return (try NetlinkSnapshotReader().snapshot(), nil)
            } catch where error.isInconsistentState {
                // Not a finding and not healthy: exit 2 ("could not check"), as node-problem-detector
                // reads it, rather than findings drawn from a torn view.
                StandardStreams.error("uncertain, no findings reported: \(error)")
                throw ExitCode(2)
            } catch {
                StandardStreams.error("cannot read the network state: \(error)")
                throw ExitCode(2)
            }
        }
        do {
            let saved = try SnapshotFile.read(atPath: snapshot)
            return (saved.snapshot, saved.cluster)
        } catch {
            StandardStreams.error(error.description)
            throw ExitCode(2)
        }
    }

    /// What to expect of `nodeSnapshot`: on the live node, the config with kubelet's config, DMI and
    /// the kernel resolved here; for another node's dump, its own recorded facts and never this
    /// machine's (explicit config still wins).
    func expectations(_ loaded: PodnetConfig, for nodeSnapshot: NodeSnapshot) throws -> Expectations {
        let resolver = ExpectationsResolver()
        guard let snapshot else {
            do {
                return try resolver.resolve(loaded)
            } catch {
                StandardStreams.error("\(error)")
                throw ExitCode(2)
            }
        }
        let expectations = resolver.expectations(loaded, snapshotFacts: nodeSnapshot.nodeFacts)
        if nodeSnapshot.nodeFacts == nil {
            var lacking = ["its vCPUs (the instance type's own count is used when known)"]
            if expectations.instanceType == nil { lacking.append("instance type (set instanceType)") }
            if expectations.maxPods == nil { lacking.append("kubelet maxPods (set maxPods)") }
            StandardStreams.error(
                "note: snapshot \(snapshot) has no node facts (schemaVersion \(nodeSnapshot.schemaVersion)), and "
                    + "nothing is taken from this machine for it; unknown: " + lacking.joined(separator: ", "))
        }
        return expectations
    }
}
