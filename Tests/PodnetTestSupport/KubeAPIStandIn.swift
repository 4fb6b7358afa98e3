import Foundation

/// The Kubernetes API stand-in (`Scripts/kube-api-standin.py`) running on loopback — in a network
/// namespace when one is given, so podnetd inside it reaches it at 127.0.0.1 — with a CA and
/// server certificate made at start, a bearer token the test can rotate, and objects shaped as the
/// upstream schemas define (see `KubeObjects`). Stopped and its directory removed by `stop()`.
public final class KubeAPIStandIn: @unchecked Sendable {
    public let directory: String
    public let port: Int
    /// The IPv4 address it listens on (127.0.0.1 unless told otherwise; in its certificate too).
    public let address: String
    private let pid: pid_t
    private var stopped = false

    /// How the stand-in answers lists (watches are unaffected).
    public enum ListMode: String, Sendable {
        /// Answered at once.
        case serve
        /// Each list waits, unanswered, until the mode changes (a slow first list).
        case hold
        /// 503 ServiceUnavailable (an API server that refuses).
        case refuse
        /// 403 Forbidden (RBAC does not grant the list).
        case forbid
    }

    /// Starts the stand-in serving `objects` (resource name → objects) with bearer token `token`,
    /// listening on `address` (an address of `namespace`); `lists` says how lists are answered until
    /// `setLists` changes it.
    public init(
        objects: [String: [[String: Any]]], token: String = "token-1", in namespace: NetworkNamespace? = nil,
        address: String = "127.0.0.1", bookmarkSeconds: Double = 1, requireClientCertificate: Bool = false,
        lists: ListMode = .serve, filePath: String = #filePath
    ) throws {
        self.address = address
        directory = NSTemporaryDirectory() + "podnetd-kube-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var initial: [String: [[String: Any]]] = ["nodes": [], "ippools": [], "blockaffinities": []]
        for (key, value) in objects { initial[key] = value }
        try JSONSerialization.data(withJSONObject: initial).write(to: URL(fileURLWithPath: directory + "/objects.json"))
        try (token + "\n").write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let script = PodnetdBinary.repositoryRoot(filePath: filePath) + "/Scripts/kube-api-standin.py"
        var command = [
            "python3", script, "--dir", directory, "--bookmark-seconds", String(bookmarkSeconds), "--address", address,
            "--lists", lists.rawValue,
        ]
        if requireClientCertificate { command.append("--client-ca") }
        if let namespace {
            _ = try namespace.ip("link", "set", "lo", "up")
            command = ["ip", "netns", "exec", namespace.name] + command
        }
        pid = try spawnInBackground(
            command[0], Array(command.dropFirst()), stdoutFile: directory + "/stdout", stderrFile: directory + "/stderr")
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil && Date() < deadline {
            if let text = try? String(contentsOfFile: directory + "/stdout", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") })
            {
                found = Int(line.dropFirst(5))
            } else {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    let stderr = (try? String(contentsOfFile: directory + "/stderr", encoding: .utf8)) ?? ""
                    throw ProcessFailure(result: nil, reason: "the Kubernetes API stand-in exited: \(stderr)")
                }
                usleep(50_000)
            }
        }
        guard let found else {
            kill(pid, SIGKILL)
            throw ProcessFailure(result: nil, reason: "the Kubernetes API stand-in did not start in 30 s")
        }
        port = found
    }

    deinit { stop() }

    /// `https://ADDRESS:PORT`.
    public var server: String { "https://\(address):\(port)" }

    /// The stand-in's CA certificate.
    public var caPath: String { directory + "/ca.crt" }

    /// A kubeconfig for the stand-in; `inlineToken` writes the token into it (as Calico's CNI
    /// kubeconfig does), else it names the stand-in's token file (`tokenFile`).
    public func writeKubeconfig(inlineToken: String? = nil) throws -> String {
        let user = inlineToken.map { "token: \($0)" } ?? "tokenFile: \(directory)/token"
        let text = kubeconfigText(user: user)
        let path = directory + "/kubeconfig"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A client certificate a kubeconfig can present to a stand-in started with
    /// `requireClientCertificate`.
    public enum ClientCertificate: Sendable {
        /// Signed by the CA the stand-in trusts.
        case valid
        /// Signed by another CA.
        case wrongCA
    }

    /// A kubeconfig authenticating with a client certificate and no token: files
    /// (`client-certificate`, `client-key`), or inline (`client-certificate-data`, `client-key-data`).
    /// `withKey: false` leaves the key out.
    public func writeClientCertificateKubeconfig(
        _ certificate: ClientCertificate, inline: Bool = false, withKey: Bool = true
    ) throws -> String {
        let prefix = certificate == .valid ? "client" : "wrong-client"
        let certificatePath = "\(directory)/\(prefix).crt"
        let keyPath = "\(directory)/\(prefix).key"
        func base64(_ path: String) throws -> String { try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString() }
        var user = inline ? "client-certificate-data: \(try base64(certificatePath))" : "client-certificate: \(certificatePath)"
        if withKey {
            user += "\n    " + (inline ? "client-key-data: \(try base64(keyPath))" : "client-key: \(keyPath)")
        }
        let text = kubeconfigText(user: user)
        let path = directory + "/kubeconfig-client-certificate"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A kubeconfig for the stand-in (its server and CA) with `user`'s lines (indented after the first).
    private func kubeconfigText(user: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: standin
          cluster:
            server: \(server)
            certificate-authority: \(caPath)
        users:
        - name: podnetd
          user:
            \(user)
        contexts:
        - name: standin
          context: {cluster: standin, user: podnetd}
        current-context: standin

        """
    }

    /// Replaces the token the stand-in accepts (a rotation).
    public func rotateToken(_ token: String) throws {
        try (token + "\n").write(toFile: directory + "/token", atomically: true, encoding: .utf8)
    }

    /// Sends a control command (see the script's documentation).
    public func control(_ command: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: command)
        data.append(UInt8(ascii: "\n"))
        let path = directory + "/control.jsonl"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }

    /// Changes how lists are answered from now on (a held list is answered as the new mode says).
    public func setLists(_ mode: ListMode) throws {
        try control(["op": "lists", "mode": mode.rawValue])
    }

    public func upsert(_ resource: String, _ object: [String: Any]) throws {
        try control(["op": "upsert", "resource": resource, "object": object])
    }

    public func delete(_ resource: String, name: String) throws {
        try control(["op": "delete", "resource": resource, "name": name])
    }

    /// Lists and watches served so far, per resource.
    public func stats() -> [String: (lists: Int, watches: Int)] {
        guard let data = FileManager.default.contents(atPath: directory + "/stats.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Int]]
        else { return [:] }
        return object.mapValues { ($0["lists"] ?? 0, $0["watches"] ?? 0) }
    }

    /// Closes every connection and stops serving (the API "goes away").
    public func goAway() throws {
        try control(["op": "stop"])
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid {
                stopped = true
                return
            }
            usleep(50_000)
        }
    }

    /// Kills the stand-in and removes its directory.
    public func stop() {
        if !stopped {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            stopped = true
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Objects shaped exactly as the upstream APIs define them: core/v1 Node with Calico's annotations,
/// `crd.projectcalico.org/v1` IPPool and BlockAffinity (libcalico-go's CRDs; `spec.deleted` a string).
public enum KubeObjects {
    public static func node(
        _ name: String, ipv4: String, tunnel: String?, mac: String?, internalIP: String? = nil, pods: Int = 110,
        instanceType: String? = nil, uid: String? = nil, ipv6: String? = nil, tunnelV6: String? = nil,
        macV6: String? = nil, labels extraLabels: [String: String] = [:]
    ) -> [String: Any] {
        var annotations: [String: Any] = ["projectcalico.org/IPv4Address": ipv4]
        if let tunnel { annotations["projectcalico.org/IPv4VXLANTunnelAddr"] = tunnel }
        if let mac { annotations["projectcalico.org/VXLANTunnelMACAddr"] = mac }
        // libcalico-go/lib/backend/k8s/resources/node.go: the IPv6 address, tunnel address and MAC.
        if let ipv6 { annotations["projectcalico.org/IPv6Address"] = ipv6 }
        if let tunnelV6 { annotations["projectcalico.org/IPv6VXLANTunnelAddr"] = tunnelV6 }
        if let macV6 { annotations["projectcalico.org/VXLANTunnelMACAddrV6"] = macV6 }
        var labels: [String: Any] = ["kubernetes.io/hostname": name, "kubernetes.io/os": "linux"]
        for (key, value) in extraLabels { labels[key] = value }
        if let instanceType { labels["node.kubernetes.io/instance-type"] = instanceType }
        let address = internalIP ?? String(ipv4.split(separator: "/")[0])
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": name, "uid": uid ?? UUID().uuidString.lowercased(), "annotations": annotations, "labels": labels],
            "spec": ["podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]],
            "status": [
                "addresses": [["type": "InternalIP", "address": address], ["type": "Hostname", "address": name]],
                "capacity": ["cpu": "2", "memory": "8045360Ki", "pods": String(pods)],
                "allocatable": ["cpu": "2", "memory": "7942960Ki", "pods": String(pods)],
            ],
        ]
    }

    public static func ipPool(
        _ name: String, cidr: String, blockSize: Int = 26, vxlanMode: String = "Always", nodeSelector: String = "all()"
    ) -> [String: Any] {
        [
            "apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool",
            "metadata": ["name": name],
            "spec": [
                "cidr": cidr, "blockSize": blockSize, "vxlanMode": vxlanMode, "ipipMode": "Never", "natOutgoing": true,
                "nodeSelector": nodeSelector, "allowedUses": ["Workload", "Tunnel"],
            ],
        ]
    }

    /// Named as libcalico-go's Kubernetes backend names it: `NODE-CIDR` with `.`, `:` and `/` as `-`.
    public static func blockAffinity(node: String, cidr: String, state: String = "confirmed", deleted: Bool = false) -> [String: Any] {
        let name = node + "-" + cidr.replacingOccurrences(of: ".", with: "-").replacingOccurrences(of: ":", with: "-")
            .replacingOccurrences(of: "/", with: "-")
        return [
            "apiVersion": "crd.projectcalico.org/v1", "kind": "BlockAffinity",
            "metadata": ["name": name],
            "spec": ["cidr": cidr, "node": node, "state": state, "deleted": deleted ? "true" : "false", "type": "host"],
        ]
    }
}
