import Foundation
import PodnetTestSupport
import Testing

/// Without /proc (a bare chroot, some minimal containers) Swift's CommandLine.arguments is empty —
/// the runtime reads /proc/self/cmdline — and podnetd used to print its help and exit 0 as if
/// asked nothing: "healthy" to node-problem-detector without having checked. It now takes its
/// arguments from the C runtime (process_arguments.c).
@Suite("without /proc")
struct NoProcTests {
    @Test("check in a chroot without /proc reads its arguments: reports, or exits 2 naming the problem")
    func checkWithoutProc() throws {
        try requireRootAndIPRoute2()
        let release = try ReleaseArtefacts.built()
        let root = try DebianRoot()
        try root.copyIn(release.binary, to: "/usr/bin/podnetd")
        #expect(!root.exists("/proc/self"), "the root must have no /proc mounted")

        // Arguments that cannot be honoured: exit 2 with the reason, never the help with 0.
        let missing = try root.run(["podnetd", "check", "--config", "/etc/podnetd/missing.yaml"])
        #expect(missing.exitCode == 2, "\(missing)")
        #expect(missing.stderr.contains("/etc/podnetd/missing.yaml: no such config file"), "\(missing)")
        #expect(!missing.stdout.contains("USAGE"), "printed the help instead: \(missing)")
        let unknown = try root.run(["podnetd", "check", "--no-such-flag"])
        #expect(unknown.exitCode == 2, "\(unknown)")
        #expect(unknown.stderr.contains("--no-such-flag"), "\(unknown)")

        // And a real check: a Calico node with a remote route missing is reported, exit 1.
        let scenario = CalicoNodeScenario.with { $0.remoteBlocks = [.init(
            block: "192.168.35.0/26", tunnelIP: "192.168.35.0", tunnelMAC: "66:35:00:00:00:20", hostIP: "10.0.0.20",
            route: false)] }
        try root.write("/etc/podnetd/calico.yaml", scenario.podnetdConfig)
        try withNetworkNamespace(purpose: "noproc") { namespace in
            let node = try scenario.build(in: namespace)
            defer { node.tearDown() }
            let check = try root.run(["podnetd", "check", "--config", "/etc/podnetd/calico.yaml", "--format", "json"], in: namespace)
            #expect(check.exitCode == 1, "\(check)")
            #expect(check.stdout.contains("\"vxlan-route-missing\""), "\(check)")
        }
    }
}
