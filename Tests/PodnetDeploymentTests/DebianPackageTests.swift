import Foundation
import PodnetTestSupport
import Testing

/// The .deb: what it declares, and that it installs and runs on a Debian 12 node without Swift.
@Suite("Debian package")
struct DebianPackageTests {
    @Test("declares only libnl as dependencies; binary, unit, sysctl drop-in and a conffile")
    func metadata() throws {
        let release = try ReleaseArtefacts.built()
        let depends = try runChecked("dpkg-deb", ["-f", release.deb, "Depends"])
        #expect(depends.trimmingCharacters(in: .whitespacesAndNewlines) == "libnl-3-200, libnl-route-3-200, zlib1g")
        let version = try runChecked("dpkg-deb", ["-f", release.deb, "Version"])
        #expect(version.trimmingCharacters(in: .whitespacesAndNewlines) == release.version)

        let listing = try runChecked("dpkg-deb", ["-c", release.deb])
        for (path, mode) in [
            ("./usr/bin/podnetd", "-rwxr-xr-x"), ("./lib/systemd/system/podnetd.service", "-rw-r--r--"),
            ("./etc/podnetd/podnetd.yaml", "-rw-r--r--"), ("./usr/lib/sysctl.d/60-podnetd.conf", "-rw-r--r--"),
            // The cluster's view under the unit: opt-in files, nothing in podnetd.service.d.
            ("./usr/share/podnetd/podnetd-cluster-api.conf", "-rw-r--r--"),
            ("./lib/systemd/system/podnetd-kubeconfig.path", "-rw-r--r--"),
            ("./lib/systemd/system/podnetd-kubeconfig.service", "-rw-r--r--"),
        ] {
            let line = listing.split(separator: "\n").first { $0.hasSuffix(" " + path) }
            #expect(line?.hasPrefix(mode + " root/root") == true, "\(path) \(mode) root/root expected in\n\(listing)")
        }

        let control = try TemporaryDirectory()
        try runChecked("dpkg-deb", ["-e", release.deb, control.path + "/DEBIAN"])
        let conffiles = try String(contentsOfFile: control.path + "/DEBIAN/conffiles", encoding: .utf8)
        #expect(conffiles == "/etc/podnetd/podnetd.yaml\n")
        for script in ["postinst", "prerm", "postrm"] {
            #expect(FileManager.default.isExecutableFile(atPath: control.path + "/DEBIAN/" + script), "no \(script)")
        }

        let root = try TemporaryDirectory()
        try runChecked("dpkg-deb", ["-x", release.deb, root.path])
        let unit = try String(contentsOfFile: root.path + "/lib/systemd/system/podnetd.service", encoding: .utf8)
        #expect(unit.contains("\nExecStart=/usr/bin/podnetd serve --config /etc/podnetd/podnetd.yaml\n"))
        #expect(FileManager.default.contentsEqual(atPath: root.path + "/usr/bin/podnetd", andPath: release.binary))
        #expect(!listing.contains("podnetd.service.d"), "the cluster drop-in must not be enabled by the package\n\(listing)")
        #expect(
            FileManager.default.contentsEqual(
                atPath: root.path + "/usr/share/podnetd/podnetd-cluster-api.conf", andPath: Repository.path("systemd/podnetd-cluster-api.conf")))
        let sysctl = try String(contentsOfFile: root.path + "/usr/lib/sysctl.d/60-podnetd.conf", encoding: .utf8)
        #expect(sysctl.contains("\nnet.core.rmem_max = 8388608\n"))
    }

    @Test("installs into a fresh Debian 12 root; check and serve there report as the development build")
    func runsOnANodeWithoutSwift() throws {
        try requireRootAndIPRoute2()
        let release = try ReleaseArtefacts.built()
        let development = try PodnetdBinary.locate()
        let root = try DebianRoot()
        try root.mountProc()
        // Nothing of Swift on this node.
        let swiftFiles = try root.run(["sh", "-c", "find / -xdev \\( -name 'libswift*' -o -name swift -o -name 'libFoundation*' \\) -print"])
        #expect(swiftFiles.succeeded && swiftFiles.stdout.isEmpty, "\(swiftFiles)")

        let package = try root.copyIn(release.deb, to: "/tmp/podnetd.deb")
        let install = try root.run(["dpkg", "-i", package])
        #expect(install.succeeded, "\(install)")
        let version = try root.run(["podnetd", "--version"])
        #expect(version.stdout == "\(release.version) (commit \(release.commit))\n", "\(version)")

        // A Calico node whose FDB entry for the remote VTEP is gone: a report with a critical finding.
        let scenario = CalicoNodeScenario.with { $0.remoteBlocks = [.init(
            block: "192.168.35.0/26", tunnelIP: "192.168.35.0", tunnelMAC: "66:35:00:00:00:20", hostIP: "10.0.0.20",
            fdb: false)] }
        let config = scenario.podnetdConfig + "graceSeconds: 0\n"
        try root.write("/etc/podnetd/calico.yaml", config)
        let scratch = try TemporaryDirectory()
        let hostConfig = try scratch.write("calico.yaml", config)
        try withNetworkNamespace(purpose: "deb") { namespace in
            let node = try scenario.build(in: namespace)
            defer { node.tearDown() }
            for format in ["json", "text"] {
                let packaged = try root.run(
                    ["podnetd", "check", "--config", "/etc/podnetd/calico.yaml", "--format", format], in: namespace)
                let developed = try development.run(["check", "--config", hostConfig, "--format", format], in: namespace)
                #expect(packaged.exitCode == 1, "\(packaged)")
                #expect(developed.exitCode == 1, "\(developed)")
                #expect(packaged.stdout.contains("vxlan-route-unresolved"), "\(packaged)")
                #expect(
                    Self.withoutCheckTime(packaged.stdout) == Self.withoutCheckTime(developed.stdout),
                    "packaged:\n\(packaged.stdout)\ndevelopment:\n\(developed.stdout)")
            }

            let served = try ServedFromRoot(root: root, namespace: namespace, config: "/etc/podnetd/calico.yaml")
            defer { served.stop() }
            let status = try served.get("/status?format=text")
            let check = try root.run(["podnetd", "check", "--config", "/etc/podnetd/calico.yaml"], in: namespace)
            #expect(status == check.stdout, "/status?format=text:\n\(status)\ncheck:\n\(check.stdout)")
            let metrics = try served.get("/metrics")
            let buildInfo = metrics.split(separator: "\n").filter { $0.hasPrefix("podnetd_build_info{") }
            #expect(
                buildInfo.count == 1
                    && buildInfo[0].hasSuffix("version=\"\(release.version)\",commit=\"\(release.commit)\"} 1.0"),
                "\(buildInfo)")
        }
    }

    @Test("the config is a conffile: kept on reinstall and removal, deleted by purge")
    func conffileLifecycle() throws {
        try requireRootAndIPRoute2()
        let release = try ReleaseArtefacts.built()
        let root = try DebianRoot()
        try root.mountProc()
        let package = try root.copyIn(release.deb, to: "/tmp/podnetd.deb")
        #expect(try root.run(["dpkg", "-i", package]).succeeded)
        let shipped = try String(contentsOfFile: Repository.path("Config/podnetd.yaml"), encoding: .utf8)
        #expect(try root.read("/etc/podnetd/podnetd.yaml") == shipped)

        let edited = "# this node's config\ncni: calico-vxlan\n"
        try root.write("/etc/podnetd/podnetd.yaml", edited)
        let again = try root.run(["dpkg", "-i", package])
        #expect(again.succeeded, "\(again)")
        #expect(try root.read("/etc/podnetd/podnetd.yaml") == edited)

        let remove = try root.run(["dpkg", "-r", "podnetd"])
        #expect(remove.succeeded, "\(remove)")
        #expect(!root.exists("/usr/bin/podnetd") && !root.exists("/lib/systemd/system/podnetd.service"))
        #expect(try root.read("/etc/podnetd/podnetd.yaml") == edited, "removal must keep the config")

        let purge = try root.run(["dpkg", "-P", "podnetd"])
        #expect(purge.succeeded, "\(purge)")
        #expect(!root.exists("/etc/podnetd"), "purge leaves /etc/podnetd")
    }

    /// A JSON report without its `checkedAt` (the only field that differs between two runs).
    static func withoutCheckTime(_ report: String) -> String {
        report.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.contains("\"checkedAt\"") ? "" : String(line) }
            .joined(separator: "\n")
            .replacingOccurrences(of: #""checkedAt":"[^"]*","#, with: "", options: .regularExpression)
    }
}

/// `podnetd serve` run from a Debian root inside a namespace, on a port of its own.
struct ServedFromRoot {
    let namespace: NetworkNamespace
    let pid: pid_t
    let port = 19647
    let log: String

    init(root: DebianRoot, namespace: NetworkNamespace, config: String) throws {
        self.namespace = namespace
        log = root.path + "/tmp/serve.log"
        pid = try spawnInBackground(
            "ip", ["netns", "exec", namespace.name, "chroot", root.path, "/usr/bin/podnetd", "serve",
                   "--config", config, "--listen", "127.0.0.1:\(port)"],
            stdoutFile: log, stderrFile: log)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let ready = try? namespace.run(["curl", "-sf", "http://127.0.0.1:\(port)/readyz"], timeout: .seconds(5)),
               ready.succeeded { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw MissingRequirement("podnetd serve did not become ready in 30 s: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    func get(_ path: String) throws -> String {
        try namespace.exec(["curl", "-sf", "http://127.0.0.1:\(port)\(path)"], timeout: .seconds(10))
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
