import Foundation
import PodnetTestSupport
import Testing

/// Scripts/install.sh staged into a temporary root (--destdir): nothing outside it is touched.
@Suite("install.sh")
struct InstallScriptTests {
    static let script = Repository.path("Scripts/install.sh")

    /// A stand-in binary and an example config for one staged install.
    struct Staging {
        let scratch: TemporaryDirectory
        let root: String
        let binary: String
        let exampleConfig: String

        init() throws {
            scratch = try TemporaryDirectory()
            root = scratch.url.appendingPathComponent("root").path
            binary = try scratch.write("podnetd", "#!/bin/sh\necho podnetd stand-in\n", permissions: 0o700)
            // Config/podnetd.yaml is someone else's file: use it when it exists, else a placeholder.
            let real = Repository.path("Config/podnetd.yaml")
            exampleConfig = FileManager.default.fileExists(atPath: real)
                ? real : try scratch.write("podnetd.yaml", "# placeholder example config\n")
        }

        func install(_ extra: [String] = []) throws -> CommandResult {
            let result = try Command.run(
                "bash",
                [InstallScriptTests.script, "--destdir", root, "--binary", binary,
                 "--example-config", exampleConfig] + extra)
            #expect(result.status == 0, "\(result.transcript)")
            return result
        }

        func uninstall(_ extra: [String] = []) throws -> CommandResult {
            let result = try Command.run(
                "bash", [InstallScriptTests.script, "--destdir", root, "--uninstall"] + extra)
            #expect(result.status == 0, "\(result.transcript)")
            return result
        }

        func path(_ absolute: String) -> String { root + absolute }
        func exists(_ absolute: String) -> Bool { FileManager.default.fileExists(atPath: path(absolute)) }
        func permissions(_ absolute: String) throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(atPath: path(absolute))
            return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
    }

    @Test("install places binary, config and unit with the right modes")
    func installLayout() throws {
        let staging = try Staging()
        _ = try staging.install()

        #expect(try staging.permissions("/usr/local/bin/podnetd") == 0o755)
        #expect(try staging.permissions("/etc/podnetd/podnetd.yaml") == 0o644)
        #expect(try staging.permissions("/etc/podnetd") == 0o755)
        #expect(try staging.permissions("/etc/systemd/system/podnetd.service") == 0o644)
        // The cluster's view under the unit: installed, not enabled (no drop-in in podnetd.service.d).
        for (installed, source) in [
            ("/usr/local/share/podnetd/podnetd-cluster-api.conf", "systemd/podnetd-cluster-api.conf"),
            ("/etc/systemd/system/podnetd-kubeconfig.path", "systemd/podnetd-kubeconfig.path"),
            ("/etc/systemd/system/podnetd-kubeconfig.service", "systemd/podnetd-kubeconfig.service"),
        ] {
            #expect(try staging.permissions(installed) == 0o644, "\(installed)")
            #expect(FileManager.default.contentsEqual(atPath: staging.path(installed), andPath: Repository.path(source)), "\(installed)")
        }
        #expect(!staging.exists("/etc/systemd/system/podnetd.service.d"))
        #expect(!staging.exists("/etc/systemd/system/paths.target.wants"))
        #expect(
            FileManager.default.contentsEqual(
                atPath: staging.path("/usr/local/bin/podnetd"), andPath: staging.binary))
        #expect(
            FileManager.default.contentsEqual(
                atPath: staging.path("/etc/podnetd/podnetd.yaml"), andPath: staging.exampleConfig))
        // With the default prefix the unit is installed as it is in the repository.
        #expect(
            FileManager.default.contentsEqual(
                atPath: staging.path("/etc/systemd/system/podnetd.service"),
                andPath: Repository.path("systemd/podnetd.service")))
    }

    @Test("an existing config is never overwritten")
    func keepsExistingConfig() throws {
        let staging = try Staging()
        _ = try staging.install()
        let config = staging.path("/etc/podnetd/podnetd.yaml")
        try "# edited by the operator\n".write(toFile: config, atomically: true, encoding: .utf8)

        let again = try staging.install()
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "# edited by the operator\n")
        #expect(again.stdout.contains("kept the existing"), "\(again.transcript)")
    }

    @Test("uninstall removes binary and unit, keeps the config; --purge removes it too")
    func uninstallAndPurge() throws {
        let staging = try Staging()
        _ = try staging.install()

        _ = try staging.uninstall()
        #expect(!staging.exists("/usr/local/bin/podnetd"))
        #expect(!staging.exists("/etc/systemd/system/podnetd.service"))
        #expect(!staging.exists("/usr/local/share/podnetd/podnetd-cluster-api.conf"))
        #expect(!staging.exists("/etc/systemd/system/podnetd-kubeconfig.path"))
        #expect(!staging.exists("/etc/systemd/system/podnetd-kubeconfig.service"))
        #expect(staging.exists("/etc/podnetd/podnetd.yaml"))

        _ = try staging.uninstall(["--purge"])
        #expect(!staging.exists("/etc/podnetd"))
    }

    @Test("--prefix moves the binary and the unit's ExecStart follows it")
    func prefixRewritesExecStart() throws {
        let staging = try Staging()
        _ = try staging.install(["--prefix", "/opt/podnetd"])

        #expect(staging.exists("/opt/podnetd/bin/podnetd"))
        #expect(!staging.exists("/usr/local/bin/podnetd"))
        let unit = try String(contentsOfFile: staging.path("/etc/systemd/system/podnetd.service"), encoding: .utf8)
        #expect(unit.contains("\nExecStart=/opt/podnetd/bin/podnetd serve --config /etc/podnetd/podnetd.yaml\n"))

        // Uninstall finds the binary through the installed unit.
        _ = try staging.uninstall()
        #expect(!staging.exists("/opt/podnetd/bin/podnetd"))
    }

    @Test("the scripts parse, and unknown options are refused")
    func scriptsParse() throws {
        for script in ["Scripts/install.sh", "Scripts/deps.sh"] {
            let result = try Command.run("bash", ["-n", Repository.path(script)])
            #expect(result.status == 0, "\(result.transcript)")
        }
        let bogus = try Command.run("bash", [Self.script, "--no-such-option"])
        #expect(bogus.status != 0)
        #expect(bogus.stderr.contains("unknown option"), "\(bogus.transcript)")
    }

    @Test("--help says building from source is a developer convenience")
    func helpNamesTheRoles() throws {
        let help = try Command.run("bash", [Self.script, "--help"])
        #expect(help.status == 0, "\(help.transcript)")
        #expect(help.stdout.contains("--from-source          developer convenience, not for nodes"), "\(help.stdout)")
        #expect(help.stdout.contains("Nothing is compiled\non the node unless --from-source is given"), "\(help.stdout)")
    }

    @Test("with nothing built and no FILE it refuses, naming package.sh and --from-source")
    func refusesWithoutArtefacts() throws {
        let checkout = try TemporaryDirectory()
        for file in ["Scripts/install.sh", "systemd/podnetd.service", "Config/podnetd.yaml"] {
            try checkout.write(file, try String(contentsOfFile: Repository.path(file), encoding: .utf8))
        }
        let result = try Command.run(
            "bash", [checkout.path + "/Scripts/install.sh", "--destdir", checkout.path + "/root"])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.contains("nothing built to install"), "\(result.transcript)")
        #expect(result.stderr.contains("Scripts/package.sh") && result.stderr.contains("--from-source"), "\(result.transcript)")
        #expect(!FileManager.default.fileExists(atPath: checkout.path + "/root/usr/local/bin/podnetd"))
    }

    @Test("installs the .deb on a Debian 12 node without Swift, and uninstalls it with --purge")
    func installsThePackage() throws {
        try requireRootAndIPRoute2()
        let release = try ReleaseArtefacts.built()
        let root = try DebianRoot()
        try root.mountProc()
        for file in [
            "Scripts/install.sh", "systemd/podnetd.service", "Config/podnetd.yaml", "Config/sysctl.d/60-podnetd.conf",
            "systemd/podnetd-cluster-api.conf", "systemd/podnetd-kubeconfig.path", "systemd/podnetd-kubeconfig.service",
        ] {
            try root.copyIn(Repository.path(file), to: "/opt/podnetd/" + file)
        }
        let package = try root.copyIn(release.deb, to: "/tmp/podnetd_\(release.version)_amd64.deb")
        let install = try root.run(["bash", "/opt/podnetd/Scripts/install.sh", package], timeout: .seconds(120))
        #expect(install.succeeded, "\(install)")
        let status = try root.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", "podnetd"])
        #expect(status.stdout == "install ok installed \(release.version)", "\(status)")
        #expect(try root.run(["podnetd", "--version"]).stdout == "\(release.version) (commit \(release.commit))\n")

        let uninstall = try root.run(["bash", "/opt/podnetd/Scripts/install.sh", "--uninstall", "--purge"], timeout: .seconds(120))
        #expect(uninstall.succeeded, "\(uninstall)")
        #expect(!root.exists("/usr/bin/podnetd") && !root.exists("/etc/podnetd"), "\(uninstall)")
    }
}
