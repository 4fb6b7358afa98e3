import Foundation
import PodnetTestSupport
import Testing

/// The OCI image archive: its configuration and root, and the image run under podman (runc).
@Suite("OCI image")
struct OCIImageTests {
    @Test("config: entrypoint podnetd serve, user 65534; root: the binary, its libraries, passwd — no shell")
    func configurationAndRoot() throws {
        let release = try ReleaseArtefacts.built()
        let layout = try TemporaryDirectory()
        try runChecked("tar", ["-xf", release.image, "-C", layout.path])
        let index = try Self.json(layout.path + "/index.json")
        let manifests = try #require(index["manifests"] as? [[String: Any]])
        #expect(manifests.count == 1)
        let manifest = try Self.json(try Self.blob(layout, manifests.first?["digest"]))
        let config = try Self.json(try Self.blob(layout, (manifest["config"] as? [String: Any])?["digest"]))
        let settings = try #require(config["config"] as? [String: Any])
        #expect(settings["Entrypoint"] as? [String] == ["/usr/bin/podnetd"])
        #expect(settings["Cmd"] as? [String] == ["serve"])
        #expect(settings["User"] as? String == "65534:65534")
        #expect((settings["Labels"] as? [String: String])?["org.opencontainers.image.version"] == release.version)
        #expect((settings["Labels"] as? [String: String])?["org.opencontainers.image.revision"] == release.commit)

        let layers = try #require(manifest["layers"] as? [[String: Any]])
        var files: [String] = []
        for layer in layers {
            files += try runChecked("tar", ["-tzf", try Self.blob(layout, layer["digest"])]).split(separator: "\n").map(String.init)
        }
        for needed in ["usr/bin/podnetd", "etc/passwd", "etc/group", "lib64/ld-linux-x86-64.so.2"] {
            #expect(files.contains(needed), "\(needed) missing from the image: \(files)")
        }
        #expect(files.contains { $0.hasSuffix("/libnl-route-3.so.200") }, "\(files)")
        #expect(!files.contains { $0.hasSuffix("bin/sh") || $0.hasSuffix("bin/bash") }, "a shell in the image: \(files)")
    }

    @Test("runs under podman as 65534 with no capabilities on a read-only root; check and serve see the namespace")
    func runsUnderPodman() throws {
        try requireRootAndIPRoute2()
        let release = try ReleaseArtefacts.built()
        let podman = try Podman()
        let development = try PodnetdBinary.locate()
        let scenario = CalicoNodeScenario.with { $0.workloadsWithoutRoute = [2] }
        let config = try podman.scratch.write("podnetd.yaml", scenario.podnetdConfig + "graceSeconds: 0\n")
        try withNetworkNamespace(purpose: "podman") { namespace in
            let node = try scenario.build(in: namespace)
            defer { node.tearDown() }
            // --uts host: a hostNetwork pod has the node's hostname too, and the report names the node by it.
            let confined = [
                "--network", "ns:\(namespace.path)", "--uts", "host", "--user", "65534:65534", "--cap-drop", "ALL", "--read-only",
                "--security-opt", "no-new-privileges", "-v", "\(config):/etc/podnetd/podnetd.yaml:ro",
            ]
            // check, in the container and from the development build: the same report.
            let check = try podman.run(
                ["run", "--rm"] + confined + ["oci-archive:\(release.image)", "check", "--format", "json"], timeout: .seconds(180))
            let developed = try development.run(["check", "--config", config, "--format", "json"], in: namespace)
            #expect(check.exitCode == 1, "\(check)")
            #expect(check.stdout.contains("\"workload-route-missing\""), "\(check)")
            #expect(
                DebianPackageTests.withoutCheckTime(check.stdout) == DebianPackageTests.withoutCheckTime(developed.stdout),
                "container:\n\(check.stdout)\ndevelopment:\n\(developed.stdout)")

            // serve: the image's own entrypoint and command, the config at its default path.
            let started = try podman.run(["run", "-d", "--name", podman.containerName] + confined + ["oci-archive:\(release.image)"])
            try #require(started.succeeded, "\(started)")
            defer { _ = try? podman.run(["rm", "-f", "-t", "2", podman.containerName]) }
            var ready = false
            let deadline = ContinuousClock.now + .seconds(30)
            while !ready && ContinuousClock.now < deadline {
                ready = (try? namespace.run(["curl", "-sf", "http://127.0.0.1:9647/readyz"], timeout: .seconds(5)))?.succeeded ?? false
                if !ready { Thread.sleep(forTimeInterval: 0.2) }
            }
            let logs = try podman.run(["logs", podman.containerName])
            try #require(ready, "the container's podnetd serve never became ready: \(logs)")
            let status = try namespace.exec(["curl", "-sf", "http://127.0.0.1:9647/status?format=text"])
            let text = try development.run(["check", "--config", config], in: namespace)
            #expect(status == text.stdout, "container /status:\n\(status)\ndevelopment check:\n\(text.stdout)")

            // What the container process really runs as.
            let pid = try podman.run(["inspect", "--format", "{{.State.Pid}}", podman.containerName]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let processStatus = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let fields = Dictionary(processStatus.split(separator: "\n").compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }, uniquingKeysWith: { first, _ in first })
            #expect(fields["Uid"]?.split(separator: "\t").allSatisfy { $0 == "65534" } == true, "Uid: \(fields["Uid"] ?? "")")
            #expect(fields["Gid"]?.split(separator: "\t").allSatisfy { $0 == "65534" } == true, "Gid: \(fields["Gid"] ?? "")")
            for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
                #expect(fields[set] == "0000000000000000", "\(set): \(fields[set] ?? "")")
            }
            #expect(fields["NoNewPrivs"] == "1")
            let mounts = try String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8)
            let rootMount = mounts.split(separator: "\n").last { $0.split(separator: " ").dropFirst(4).first == "/" }
            #expect(rootMount?.split(separator: " ").dropFirst(5).first?.split(separator: ",").first == "ro", "root mount: \(rootMount ?? "none")")
        }
    }

    static func json(_ path: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path)))
        return try #require(value as? [String: Any], "\(path) is not a JSON object")
    }

    /// The path of a blob of an OCI layout, by its "sha256:…" digest.
    static func blob(_ layout: TemporaryDirectory, _ digest: Any?) throws -> String {
        let text = try #require(digest as? String, "no digest")
        return layout.path + "/blobs/" + text.replacingOccurrences(of: ":", with: "/")
    }
}

/// podman with storage of the test's own (vfs, removed afterwards) and the settings that work on
/// these hosts: runc (crun fails on hybrid cgroups v1), cgroupfs, events in a file.
final class Podman: @unchecked Sendable {
    let scratch: TemporaryDirectory
    /// podman's storage and run state: a short path (podman refuses a runroot over 50 characters).
    let state: String
    let containerName = "podnetd-test-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws {
        for tool in ["podman", "runc"] where resolveExecutable(tool) == nil {
            throw MissingRequirement("\(tool) is not installed: run `sudo bash Scripts/deps.sh`")
        }
        scratch = try TemporaryDirectory()
        var template = Array("/tmp/podnetd-pm-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw MissingRequirement("cannot make a directory for podman under /tmp: \(String(cString: strerror(errno)))")
        }
        state = String(cString: made)
    }

    deinit {
        _ = try? run(["rm", "-a", "-f"])
        _ = try? run(["system", "reset", "-f"], timeout: .seconds(60))
        _ = try? runProcess("rm", ["-rf", "--one-file-system", state])
    }

    func run(_ arguments: [String], timeout: Duration = .seconds(60)) throws -> ProcessResult {
        let global = [
            "--root", state + "/storage", "--runroot", state + "/run", "--tmpdir", state + "/tmp",
            "--storage-driver", "vfs", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
        ]
        var command = arguments
        if let verb = arguments.first, verb == "run" {
            command = ["run", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"] + arguments.dropFirst()
        }
        return try runProcess("podman", global + command, timeout: timeout)
    }
}
