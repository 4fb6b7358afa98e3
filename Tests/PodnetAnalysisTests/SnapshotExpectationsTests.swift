import PodnetAnalysis
import PodnetConfig
import PodnetModel
import Synchronization
import Testing

/// Expectations for another node's dump come from the dump and the config only: this machine's
/// files, vCPUs and kernel are never consulted.
@Suite("Expectations for a saved dump")
struct SnapshotExpectationsTests {
    /// Files that record every access (and hold none).
    final class WatchedFiles: FileReading, Sendable {
        let accessed = Mutex<[String]>([])
        func readText(atPath path: String) throws -> String? {
            accessed.withLock { $0.append(path) }
            return nil
        }
        func listDirectory(atPath path: String) throws -> [String]? {
            accessed.withLock { $0.append(path) }
            return nil
        }
    }

    /// Counts the calls that ask this machine (vCPUs, kernel release).
    final class MachineLookups: Sendable {
        let count = Mutex(0)
        func note() { count.withLock { $0 += 1 } }
        var calls: Int { count.withLock { $0 } }
    }

    /// A resolver whose every way to look at this machine is watched.
    func watchedResolver() -> (ExpectationsResolver, WatchedFiles, MachineLookups) {
        let files = WatchedFiles()
        let machineLookups = MachineLookups()
        let resolver = ExpectationsResolver(
            files: files,
            vCPUs: {
                machineLookups.note()
                return 2
            },
            kernelRelease: {
                machineLookups.note()
                return "6.1.0"
            })
        return (resolver, files, machineLookups)
    }

    static let dumped = NodeFacts(
        vCPUs: 36, instanceType: "c5.9xlarge",
        instanceTypeSource: "DMI product name (/sys/devices/virtual/dmi/id/product_name)",
        maxPods: 234, maxPodsSource: "kubelet config /etc/kubernetes/kubelet/kubelet-config.json",
        maxPodsMayBeOverridden: true, kubeletConfigPath: "/etc/kubernetes/kubelet/kubelet-config.json",
        kernelRelease: "5.10.0")

    @Test("the dump's facts, verbatim, with nothing read from this machine")
    func dumpsFacts() {
        let (resolver, files, machine) = watchedResolver()
        let expectations = resolver.expectations(PodnetConfig(), snapshotFacts: Self.dumped)
        #expect(expectations.vCPUs == 36)
        #expect(expectations.instanceType == "c5.9xlarge")
        #expect(expectations.instanceTypeSource == Self.dumped.instanceTypeSource)
        #expect(expectations.maxPods == 234)
        #expect(expectations.maxPodsSource == Self.dumped.maxPodsSource)
        #expect(expectations.maxPodsMayBeOverridden)
        #expect(expectations.kubeletConfigPath == Self.dumped.kubeletConfigPath)
        #expect(expectations.kernelRelease == "5.10.0")
        #expect(files.accessed.withLock { $0 } == [])
        #expect(machine.calls == 0)
    }

    @Test("explicit maxPods and instanceType win, confirmed, and say what the dump recorded")
    func configWins() {
        let (resolver, _, _) = watchedResolver()
        var config = PodnetConfig()
        config.maxPods = .fixed(58)
        config.instanceType = .named("M5.XLarge")
        let expectations = resolver.expectations(config, snapshotFacts: Self.dumped)
        #expect(expectations.maxPods == 58)
        #expect(expectations.maxPodsMayBeOverridden == false)
        #expect(expectations.maxPodsSource == "config; the dump recorded 234 (\(Self.dumped.maxPodsSource))")
        #expect(expectations.instanceType == "m5.xlarge")
        #expect(
            expectations.instanceTypeSource
                == "config; the dump recorded c5.9xlarge (\(Self.dumped.instanceTypeSource))")
        #expect(expectations.vCPUs == 36)
    }

    @Test("a dump without facts (schemaVersion 1): unknown, saying why, and still nothing read from this machine")
    func noFacts() {
        let (resolver, files, machine) = watchedResolver()
        let expectations = resolver.expectations(PodnetConfig(), snapshotFacts: nil)
        #expect(expectations.maxPods == nil)
        #expect(expectations.instanceType == nil)
        #expect(expectations.vCPUs == nil)
        #expect(expectations.kernelRelease == nil)
        #expect(expectations.maxPodsSource == ExpectationsResolver.noNodeFactsInDump)
        #expect(expectations.instanceTypeSource.contains("schemaVersion 1"))
        #expect(files.accessed.withLock { $0 } == [])
        #expect(machine.calls == 0)
    }

    @Test("the live facts read this machine: vCPUs, kernel, DMI, kubelet config and unit")
    func liveFactsReadTheMachine() throws {
        let (resolver, files, machine) = watchedResolver()
        let facts = try resolver.nodeFacts(PodnetConfig())
        #expect(facts.vCPUs == 2)
        #expect(facts.kernelRelease == "6.1.0")
        #expect(machine.calls == 2)
        let accessed = files.accessed.withLock { $0 }
        #expect(accessed.contains(ExpectationsResolver.dmiProductNamePath))
        #expect(accessed.contains("/etc/systemd/system/kubelet.service"))
        #expect(accessed.contains(ExpectationsResolver.kubeletConfigPaths[0]))
        #expect(try resolver.resolve(PodnetConfig()).kernelRelease == "6.1.0")
    }
}
