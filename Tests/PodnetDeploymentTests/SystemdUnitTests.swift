import Foundation
import Testing

/// systemd/podnetd.service: its sandbox score and that systemd parses every line of it.
@Suite("systemd unit")
struct SystemdUnitTests {
    static let unit = "systemd/podnetd.service"

    @Test("systemd-analyze security rates the sandbox at most 2.0")
    func exposureIsLow() throws {
        let result = try Command.run(
            "systemd-analyze", ["security", "--offline=true", "--threshold=20", "--no-pager", Self.unit])
        #expect(result.status == 0, "\(result.transcript)")
        let exposure = try #require(
            Self.overallExposure(in: result.stdout),
            "no \"Overall exposure level\" line\n\(result.transcript)")
        #expect(exposure <= 2.0, "exposure \(exposure) > 2.0\n\(result.stdout)")
    }

    @Test("systemd-analyze verify accepts the unit without a warning")
    func verifiesCleanly() throws {
        let scratch = try TemporaryDirectory()
        let copy = try Self.verifiableCopy(in: scratch)
        let result = try Command.run("systemd-analyze", ["verify", copy])
        #expect(result.status == 0, "\(result.transcript)")
        let warnings = result.stderr.split(separator: "\n").filter {
            !$0.trimmingCharacters(in: .whitespaces).isEmpty
        }
        #expect(warnings.isEmpty, "systemd-analyze verify warned:\n\(result.stderr)")
    }

    @Test("systemd-analyze verify reports an unknown key on stderr (so the check above can fail)")
    func verifyReportsUnknownKeys() throws {
        let scratch = try TemporaryDirectory()
        let copy = try Self.verifiableCopy(in: scratch, extraServiceLine: "NoSuchSetting=yes")
        let result = try Command.run("systemd-analyze", ["verify", copy])
        #expect(result.stderr.contains("NoSuchSetting"), "\(result.transcript)")
    }

    @Test("the unit keeps the settings podnetd depends on")
    func essentialSettings() throws {
        let settings = try Self.serviceSettings()
        let expected: [(String, String)] = [
            ("Type", "notify"), ("NotifyAccess", "main"), ("WatchdogSec", "30s"),
            ("ExecStart", "/usr/local/bin/podnetd serve --config /etc/podnetd/podnetd.yaml"),
            ("ExecReload", "/bin/kill -HUP $MAINPID"), ("Restart", "on-failure"),
            ("DynamicUser", "yes"), ("CapabilityBoundingSet", ""), ("AmbientCapabilities", ""),
            ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProcSubset", "pid"),
            ("ProtectProc", "invisible"), ("PrivateUsers", "yes"),
            ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"),
            ("IPAddressAllow", "localhost"), ("IPAddressDeny", "any"),
            ("MemoryDenyWriteExecute", "yes"), ("UMask", "0077"),
        ]
        for (key, value) in expected {
            #expect(settings[key]?.contains(value) == true, "\(key)=\(value) expected, found \(settings[key] ?? [])")
        }
        // podnetd must see the host's network namespace.
        #expect(settings["PrivateNetwork"] == nil, "PrivateNetwork= must not be set")
        #expect(settings["NetworkNamespacePath"] == nil, "NetworkNamespacePath= must not be set")
        // What the expectations are read from; "-": may be absent.
        let readOnly = (settings["ReadOnlyPaths"] ?? []).joined(separator: " ")
        for path in ["-/etc/kubernetes", "-/sys/devices/virtual/dmi/id/product_name"] {
            #expect(readOnly.contains(path), "ReadOnlyPaths= should list \(path)")
        }
        // /var/lib/kubelet is 0700 on kubeadm nodes: config.yaml is bound into a tmpfs over it.
        #expect(settings["TemporaryFileSystem"]?.contains("/var/lib/kubelet:mode=0755") == true)
        #expect(settings["BindReadOnlyPaths"]?.contains("-/var/lib/kubelet/config.yaml") == true)
    }

    /// The figure in "→ Overall exposure level for podnetd.service: 1.0 OK" (a live run adds " :-)").
    static func overallExposure(in output: String) -> Double? {
        for line in output.split(separator: "\n") {
            guard let phrase = line.range(of: "Overall exposure level for "),
                  let colon = line[phrase.upperBound...].range(of: ": ")
            else { continue }
            let words = line[colon.upperBound...].split(separator: " ")
            if let first = words.first, let value = Double(first) { return value }
        }
        return nil
    }

    /// A copy of the unit whose ExecStart names a binary that exists (verify rejects a missing one).
    static func verifiableCopy(in directory: TemporaryDirectory, extraServiceLine: String? = nil) throws -> String {
        let text = try String(contentsOfFile: Repository.path(unit), encoding: .utf8)
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("ExecStart=") {
                lines.append("ExecStart=/bin/true")
            } else {
                lines.append(String(line))
            }
            if line == "[Service]", let extraServiceLine { lines.append(extraServiceLine) }
        }
        #expect(lines.contains("ExecStart=/bin/true"), "the unit has no ExecStart= line")
        return try directory.write("podnetd.service", lines.joined(separator: "\n"))
    }

    /// Every `Key=value` of the [Service] section, values in file order.
    static func serviceSettings() throws -> [String: [String]] {
        let text = try String(contentsOfFile: Repository.path(unit), encoding: .utf8)
        var settings: [String: [String]] = [:]
        var section = ""
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                section = line
                continue
            }
            guard section == "[Service]", let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            settings[key, default: []].append(value)
        }
        return settings
    }
}
