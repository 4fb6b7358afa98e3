import PodnetAnalysis
import PodnetModel

extension ExpectationsResolver {
    /// Why the facts are unknown when a dump carries none (schemaVersion 1).
    public static let noNodeFactsInDump =
        "unknown: the dump has no node facts (schemaVersion 1, written by an older podnetd), and nothing is read from "
        + "this machine for another node's dump; set it in the config"

    /// The expectations for analysing a saved dump: the node facts the dump recorded on its node,
    /// except what `config` sets explicitly (`maxPods: N`, `instanceType: T`), which wins and says
    /// so in its source. Nothing is read from this machine — not its DMI, vCPUs or kubelet — since
    /// the dump may come from another node; a dump without facts leaves the rest unknown.
    public func expectations(_ config: PodnetConfig, snapshotFacts: NodeFacts?) -> Expectations {
        var facts =
            snapshotFacts
            ?? NodeFacts(instanceTypeSource: Self.noNodeFactsInDump, maxPodsSource: Self.noNodeFactsInDump)
        if case .fixed(let value) = config.maxPods {
            let recorded = snapshotFacts?.maxPods.map { "; the dump recorded \($0) (\(facts.maxPodsSource))" } ?? ""
            facts.maxPods = value
            facts.maxPodsSource = "config" + recorded
            facts.maxPodsMayBeOverridden = false
        }
        if case .named(let name) = config.instanceType {
            let recorded =
                snapshotFacts?.instanceType.map { "; the dump recorded \($0) (\(facts.instanceTypeSource))" } ?? ""
            facts.instanceType = table.lookup(name)?.instanceType ?? name
            facts.instanceTypeSource = "config" + recorded
        }
        // The config's nodeName names the node as it does on the node itself; otherwise the name the
        // dump recorded (an older dump has none: its hostname stands for it).
        if let name = config.nodeName {
            facts.nodeName = name
            facts.nodeNameSource = NodeIdentity.Source.config.rawValue
        }
        return expectations(config, facts: facts)
    }
}
