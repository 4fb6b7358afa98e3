import Foundation
import PodnetTestSupport
import Testing

/// The .rpm for Amazon Linux 2023 and RHEL 9: what it declares, its scriptlets, and an install,
/// upgrade-with-edited-config and erase in a root of its own (rpm --root; no AL2023 root here, so
/// the scriptlets are read, not run: the Debian package's run under systemd).
@Suite("RPM package")
struct RPMPackageTests {
    @Test("requires only libnl3 and zlib; binary, unit, sysctl drop-in; the config is %config(noreplace)")
    func metadata() throws {
        let release = try ReleaseArtefacts.built()
        // rpm adds the scriptlets' interpreter (/bin/sh) and its own features (rpmlib(…)) itself.
        let requires = Set(try runChecked("rpm", ["-qp", "--requires", release.rpm]).split(separator: "\n")
            .filter { !$0.hasPrefix("rpmlib(") })
        #expect(requires == ["libnl3", "zlib", "/bin/sh"], "\(requires)")
        #expect(try runChecked("rpm", ["-qp", "--qf", "%{VERSION}-%{RELEASE} %{ARCH}", release.rpm]) == "\(release.version)-1 x86_64")

        let files = try runChecked("rpm", ["-qp", "--qf", "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]", release.rpm])
        for expected in [
            "-rwxr-xr-x root:root  /usr/bin/podnetd", "-rw-r--r-- root:root  /usr/lib/systemd/system/podnetd.service",
            "-rw-r--r-- root:root  /usr/lib/sysctl.d/60-podnetd.conf", "-rw-r--r-- root:root cn /etc/podnetd/podnetd.yaml",
            "-rw-r--r-- root:root  /usr/share/podnetd/podnetd-cluster-api.conf",
            "-rw-r--r-- root:root  /usr/lib/systemd/system/podnetd-kubeconfig.path",
            "-rw-r--r-- root:root  /usr/lib/systemd/system/podnetd-kubeconfig.service",
        ] {
            #expect(files.contains(expected + "\n"), "\(expected) expected in\n\(files)")
        }

        let scripts = try runChecked("rpm", ["-qp", "--scripts", release.rpm])
        #expect(scripts.contains("systemctl enable podnetd.service"), "\(scripts)")
        #expect(scripts.contains("systemctl disable podnetd.service podnetd-kubeconfig.path"), "\(scripts)")
        #expect(scripts.contains("systemctl stop podnetd-kubeconfig.path podnetd.service"), "\(scripts)")
        #expect(scripts.contains("systemctl daemon-reload"), "\(scripts)")
        let syntax = try runProcess("sh", ["-n"], input: scripts.split(separator: "\n").filter { !$0.hasSuffix("scriptlet (using /bin/sh):") }.joined(separator: "\n"))
        #expect(syntax.succeeded, "\(syntax)")
    }

    @Test("installs into a root; an edited config survives a reinstall and is kept on erase")
    func installAndErase() throws {
        try requireRootAndIPRoute2()
        let release = try ReleaseArtefacts.built()
        let root = try TemporaryDirectory()
        let rpm = ["--root", root.path, "--dbpath", "/var/lib/rpm"]
        try runChecked("rpm", rpm + ["--initdb"])
        // No AL2023 root to resolve libnl3 and /bin/sh in: dependencies and scriptlets are skipped.
        let install = try runProcess("rpm", rpm + ["-i", "--nodeps", "--noscripts", release.rpm])
        #expect(install.succeeded, "\(install)")
        #expect(FileManager.default.contentsEqual(atPath: root.path + "/usr/bin/podnetd", andPath: release.binary))
        let unit = try String(contentsOfFile: root.path + "/usr/lib/systemd/system/podnetd.service", encoding: .utf8)
        #expect(unit.contains("\nExecStart=/usr/bin/podnetd serve --config /etc/podnetd/podnetd.yaml\n"))

        let config = root.path + "/etc/podnetd/podnetd.yaml"
        try "# this node\ncni: aws-vpc-cni\n".write(toFile: config, atomically: true, encoding: .utf8)
        let reinstall = try runProcess("rpm", rpm + ["-U", "--replacepkgs", "--nodeps", "--noscripts", release.rpm])
        #expect(reinstall.succeeded, "\(reinstall)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "# this node\ncni: aws-vpc-cni\n")

        let erase = try runProcess("rpm", rpm + ["-e", "--nodeps", "--noscripts", "podnetd"])
        #expect(erase.succeeded, "\(erase)")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/usr/bin/podnetd"))
        #expect(
            try String(contentsOfFile: config + ".rpmsave", encoding: .utf8) == "# this node\ncni: aws-vpc-cni\n",
            "an edited config must be kept (as podnetd.yaml.rpmsave) on erase")
    }
}
