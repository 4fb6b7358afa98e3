import PodnetModel
import Yams

/// `kubernetes:` — reading the cluster's view from the Kubernetes API.
public struct KubernetesSettings: Sendable, Hashable {
    /// Read the cluster at all (`enabled: false` keeps podnetd node-local).
    public var enabled: Bool
    /// An explicit kubeconfig; nil: in-cluster service account, then the systemd credential
    /// `kubeconfig`, then Calico's CNI kubeconfig.
    public var kubeconfig: String?
    /// A view older than this stops the cluster-derived checks (the API has been unreachable too long).
    public var maxViewAgeSeconds: Int
    /// Seconds one request (a list page, the start of a watch) may take.
    public var requestTimeoutSeconds: Int
    /// Seconds `serve`'s first analysis (and READY=1, /readyz) waits for the cluster's first complete
    /// list before it proceeds without the view; 0: it does not wait.
    public var firstListWaitSeconds: Int

    public init(
        enabled: Bool = true, kubeconfig: String? = nil, maxViewAgeSeconds: Int = 600, requestTimeoutSeconds: Int = 10,
        firstListWaitSeconds: Int = 30
    ) {
        self.enabled = enabled
        self.kubeconfig = kubeconfig
        self.maxViewAgeSeconds = maxViewAgeSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.firstListWaitSeconds = firstListWaitSeconds
    }
}

/// `ipamd:` — the AWS VPC CNI's record of pod IPs on this node.
public struct IpamdSettings: Sendable, Hashable {
    /// ipamd's checkpoint file.
    public var checkpointPath: String
    /// ipamd's introspection endpoint (`HOST:PORT`, loopback); nil: do not ask it.
    public var introspectionAddress: String?

    public init(checkpointPath: String = "/var/run/aws-node/ipam.json", introspectionAddress: String? = "127.0.0.1:61679") {
        self.checkpointPath = checkpointPath
        self.introspectionAddress = introspectionAddress
    }
}

extension PodnetConfigFile {
    static let kubernetesKeys = ["enabled", "kubeconfig", "maxViewAgeSeconds", "requestTimeoutSeconds", "firstListWaitSeconds"]
    static let ipamdKeys = ["checkpointPath", "introspectionAddress"]

    static func parseKubernetes(_ node: Node, at path: String, reader: ConfigReader) throws(ConfigError)
        -> KubernetesSettings
    {
        var settings = KubernetesSettings()
        for entry in try reader.entries(node, at: path, allowed: kubernetesKeys) where !reader.isNull(entry.value) {
            switch entry.name {
            case "enabled": settings.enabled = try reader.bool(entry.value, at: entry.path)
            case "kubeconfig": settings.kubeconfig = try reader.absolutePath(entry.value, at: entry.path)
            case "maxViewAgeSeconds":
                settings.maxViewAgeSeconds = try reader.integer(entry.value, at: entry.path, range: 10...86_400)
            case "requestTimeoutSeconds":
                settings.requestTimeoutSeconds = try reader.integer(entry.value, at: entry.path, range: 1...300)
            case "firstListWaitSeconds":
                // Below the unit's TimeoutStartSec (60 s), which READY=1 must beat.
                settings.firstListWaitSeconds = try reader.integer(entry.value, at: entry.path, range: 0...45)
            default: break
            }
        }
        return settings
    }

    static func parseIpamd(_ node: Node, at path: String, reader: ConfigReader) throws(ConfigError) -> IpamdSettings {
        var settings = IpamdSettings()
        for entry in try reader.entries(node, at: path, allowed: ipamdKeys) where !reader.isNull(entry.value) {
            switch entry.name {
            case "checkpointPath": settings.checkpointPath = try reader.absolutePath(entry.value, at: entry.path)
            case "introspectionAddress":
                // YAML 1.1 reads a bare `off` as false.
                if case .scalar(let scalar) = entry.value, scalar.tagName == .bool {
                    guard try !reader.bool(entry.value, at: entry.path) else {
                        throw reader.error(.invalidValue, entry.value, entry.path, "expected HOST:PORT or off, got true")
                    }
                    settings.introspectionAddress = nil
                    continue
                }
                let text = try reader.string(entry.value, at: entry.path, what: "HOST:PORT or off")
                if text == "off" {
                    settings.introspectionAddress = nil
                } else {
                    guard let address = ListenAddress(text), Self.isLoopback(address.host) else {
                        throw reader.error(
                            .invalidValue, entry.value, entry.path,
                            "expected a loopback HOST:PORT such as 127.0.0.1:61679, or off, got \"\(text)\"")
                    }
                    settings.introspectionAddress = address.description
                }
            default: break
            }
        }
        return settings
    }

    /// 127.0.0.0/8 or ::1: ipamd's introspection endpoint is only ever asked on the node itself.
    static func isLoopback(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let bits): bits >> 24 == 127
        case .v6(let bits): bits == 1
        }
    }
}
