import ArgumentParser
import PodnetAnalysis
import PodnetConfig
import PodnetModel

/// `--config` and `--snapshot` of the commands that analyse a node: what to expect, and whose state
/// (the live kernel or a saved dump). Failures print one line on stderr and exit 2.
struct NodeSourceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Config file (default \(PodnetConfig.defaultPath); missing means defaults).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Use a saved `podnetd dump` instead of the live node.", valueName: "file"))
    var snapshot: String?

    /// The config file's expectations, with kubelet's config and DMI resolved.
    func expectations() throws -> Expectations {
        do {
            return try ExpectationsResolver().resolve(try PodnetConfigFile.load(path: config))
        } catch {
            StandardStreams.error("\(error)")
            throw ExitCode(2)
        }
    }

    /// The node's state: the dump named by `--snapshot`, else the live kernel's.
    func nodeSnapshot() throws -> NodeSnapshot {
        try SnapshotSource.read(path: snapshot)
    }
}
