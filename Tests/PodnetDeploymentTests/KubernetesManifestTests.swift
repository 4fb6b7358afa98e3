import Foundation
import PodnetTestSupport
import Testing

/// deploy/kubernetes/: validated offline against Kubernetes' schemas (kubernetes-validate --strict,
/// installed by Scripts/deps.sh into /opt/podnetd-tools/venv) and checked for what the DaemonSet
/// must say.
@Suite("Kubernetes manifests")
struct KubernetesManifestTests {
    static let directory = Repository.path("deploy/kubernetes")
    static let tools = "/opt/podnetd-tools/venv/bin"
    static let files = [
        "namespace.yaml", "serviceaccount.yaml", "clusterrole.yaml", "clusterrolebinding.yaml", "configmap.yaml",
        "daemonset.yaml", "podmonitor.yaml",
    ]

    static func validator() throws -> String {
        let path = tools + "/kubernetes-validate"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MissingRequirement("\(path) is missing: run `sudo bash Scripts/deps.sh` (installs kubernetes-validate)")
        }
        return path
    }

    @Test("kubernetes-validate --strict passes every built-in kind; the PodMonitor (a CRD) is the only one without a schema")
    func strictValidation() throws {
        let paths = Self.files.map { Self.directory + "/" + $0 }
        let result = try runProcess(try Self.validator(), ["--strict"] + paths, timeout: .seconds(120))
        #expect(result.exitCode == 0, "\(result)")
        let lines = (result.stdout + result.stderr).split(separator: "\n")
        for file in Self.files where file != "podmonitor.yaml" {
            #expect(lines.contains { $0.hasPrefix("INFO") && $0.contains("/\(file) passed") }, "\(file) not passed:\n\(result)")
        }
        let warnings = lines.filter { !$0.hasPrefix("INFO") }
        #expect(
            warnings.count == 1 && warnings[0].contains("podmonitor.yaml Couldn't find schema for kind PodMonitor"),
            "\(warnings)")
    }

    @Test("--strict rejects a misspelled field (so the test above can fail)")
    func strictRejectsMisspelling() throws {
        let scratch = try TemporaryDirectory()
        let original = try String(contentsOfFile: Self.directory + "/daemonset.yaml", encoding: .utf8)
        #expect(original.contains("      hostNetwork: true\n"))
        let broken = try scratch.write(
            "daemonset.yaml", original.replacingOccurrences(of: "      hostNetwork: true\n", with: "      hostNetwrok: true\n"))
        let result = try runProcess(try Self.validator(), ["--strict", broken], timeout: .seconds(60))
        #expect(result.exitCode != 0, "\(result)")
        #expect((result.stdout + result.stderr).contains("hostNetwrok"), "\(result)")
    }

    @Test("the ClusterRole reads only Nodes, IPPools and BlockAffinities, bound to the DaemonSet's ServiceAccount")
    func clusterAccess() throws {
        let role = try Self.document("clusterrole.yaml")
        let roleName = try #require((role["metadata"] as? [String: Any])?["name"] as? String)
        let rules = try #require(role["rules"] as? [[String: Any]])
        var granted: Set<String> = []
        for rule in rules {
            #expect(rule["verbs"] as? [String] == ["get", "list", "watch"], "\(rule)")
            for group in rule["apiGroups"] as? [String] ?? [] {
                for resource in rule["resources"] as? [String] ?? [] { granted.insert(group + "/" + resource) }
            }
        }
        #expect(granted == ["/nodes", "crd.projectcalico.org/ippools", "crd.projectcalico.org/blockaffinities"])

        let account = try #require(try Self.document("serviceaccount.yaml")["metadata"] as? [String: Any])
        let binding = try Self.document("clusterrolebinding.yaml")
        let roleRef = try #require(binding["roleRef"] as? [String: Any])
        #expect(roleRef["kind"] as? String == "ClusterRole" && roleRef["name"] as? String == roleName)
        let subjects = try #require(binding["subjects"] as? [[String: Any]])
        #expect(subjects.count == 1)
        #expect(subjects.first?["kind"] as? String == "ServiceAccount")
        #expect(subjects.first?["name"] as? String == account["name"] as? String)
        #expect(subjects.first?["namespace"] as? String == account["namespace"] as? String, "the binding must name the ServiceAccount's namespace")
    }

    @Test("the DaemonSet: every node, host network, unprivileged, read-only, probes on 127.0.0.1, NODE_NAME, token mounted")
    func daemonSet() throws {
        let daemonSet = try Self.document("daemonset.yaml")
        let pod = try #require(((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["hostNetwork"] as? Bool == true)
        #expect(pod["serviceAccountName"] as? String == "podnetd")
        #expect(pod["automountServiceAccountToken"] as? Bool == true)
        #expect((pod["tolerations"] as? [[String: Any]])?.contains { $0["operator"] as? String == "Exists" && $0["key"] == nil } == true)
        let podSecurity = try #require(pod["securityContext"] as? [String: Any])
        #expect(podSecurity["runAsNonRoot"] as? Bool == true)
        #expect(podSecurity["runAsUser"] as? Int == 65534)
        #expect((podSecurity["seccompProfile"] as? [String: Any])?["type"] as? String == "RuntimeDefault")

        let containers = try #require(pod["containers"] as? [[String: Any]])
        #expect(containers.count == 1)
        let container = containers[0]
        let version = try String(contentsOfFile: Repository.path("VERSION"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(container["image"] as? String == "podnetd:\(version)", "the image tag must follow VERSION")
        let security = try #require(container["securityContext"] as? [String: Any])
        #expect(security["readOnlyRootFilesystem"] as? Bool == true)
        #expect(security["allowPrivilegeEscalation"] as? Bool == false)
        #expect((security["capabilities"] as? [String: Any])?["drop"] as? [String] == ["ALL"])
        #expect((security["capabilities"] as? [String: Any])?["add"] == nil)

        for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = (container[probe] as? [String: Any])?["httpGet"] as? [String: Any]
            #expect(get?["host"] as? String == "127.0.0.1", "\(probe)")
            #expect(get?["path"] as? String == path, "\(probe)")
            #expect(get?["port"] as? Int == 9647, "\(probe)")
        }
        let resources = try #require(container["resources"] as? [String: Any])
        for kind in ["requests", "limits"] {
            let values = resources[kind] as? [String: Any]
            #expect(values?["cpu"] != nil && values?["memory"] != nil, "resources.\(kind): \(values ?? [:])")
        }
        let env = container["env"] as? [[String: Any]] ?? []
        let nodeName = env.first { $0["name"] as? String == "NODE_NAME" }
        #expect(
            ((nodeName?["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String == "spec.nodeName")

        let mounts = container["volumeMounts"] as? [[String: Any]] ?? []
        #expect(!mounts.isEmpty && mounts.allSatisfy { $0["readOnly"] as? Bool == true }, "every mount read-only: \(mounts)")
        let mountPaths = Set(mounts.compactMap { $0["mountPath"] as? String })
        #expect(mountPaths.isSuperset(of: ["/etc/podnetd", "/etc/kubernetes/kubelet", "/var/run/aws-node"]), "\(mountPaths)")
    }

    @Test("the ConfigMap's podnetd.yaml is a config podnetd accepts")
    func configMapIsValid() throws {
        let configMap = try Self.document("configmap.yaml")
        let text = try #require((configMap["data"] as? [String: Any])?["podnetd.yaml"] as? String)
        let scratch = try TemporaryDirectory()
        let file = try scratch.write("podnetd.yaml", text)
        let check = try PodnetdBinary.locate().run(["check", "--config", file, "--format", "json"])
        #expect(check.exitCode != 2, "\(check)")
        #expect(check.stderr.isEmpty, "\(check)")
    }

    @Test("the PodMonitor selects the DaemonSet's pods and port")
    func podMonitor() throws {
        let monitor = try Self.document("podmonitor.yaml")
        #expect(monitor["apiVersion"] as? String == "monitoring.coreos.com/v1")
        let spec = try #require(monitor["spec"] as? [String: Any])
        let selector = (spec["selector"] as? [String: Any])?["matchLabels"] as? [String: String]
        let daemonSet = try Self.document("daemonset.yaml")
        let template = ((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])
        let podLabels = (template?["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        #expect(selector != nil && selector!.allSatisfy { podLabels[$0.key] == $0.value }, "\(selector ?? [:]) vs \(podLabels)")
        let ports = ((template?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first?["ports"] as? [[String: Any]]
        let endpoints = spec["podMetricsEndpoints"] as? [[String: Any]] ?? []
        #expect(endpoints.count == 1)
        #expect(ports?.contains { $0["name"] as? String == endpoints.first?["port"] as? String } == true)
        #expect(endpoints.first?["path"] as? String == "/metrics")
    }

    /// The single document of a manifest file, parsed with PyYAML (kubernetes-validate's own).
    static func document(_ file: String) throws -> [String: Any] {
        let python = tools + "/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw MissingRequirement("\(python) is missing: run `sudo bash Scripts/deps.sh`")
        }
        let json = try runChecked(
            python, ["-c", "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
                     directory + "/" + file])
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(documents.count == 1, "\(file): \(documents.count) documents")
        return try #require(documents.first)
    }
}
