import PodnetAnalysis
import PodnetModel

/// Everything `podnetd.yaml` sets: what the node's pod network should look like, and how the
/// daemon runs. Every key is optional; `PodnetConfig()` holds the defaults.
public struct PodnetConfig: Sendable, Hashable {
    /// Where podnetd looks when no `--config` is given.
    public static let defaultPath = "/etc/podnetd/podnetd.yaml"

    // What to expect (see Expectations).
    public var cni: CNISetting
    public var podCIDRs: [IPPrefix]
    public var blockSize: Int
    public var blockSizeV6: Int
    public var serviceCIDRs: [IPPrefix]
    public var calico: CalicoExpectations
    public var hostGW: HostGWExpectations
    public var maxPods: MaxPodsSetting
    /// kubelet's config file; nil: the first existing of `ExpectationsResolver.kubeletConfigPaths`.
    public var kubeletConfigPath: String?
    public var instanceType: InstanceTypeSetting
    public var awsVpcCni: AWSVPCCNIExpectations
    public var thresholds: Thresholds

    // How the daemon runs.
    /// Addresses the HTTP server listens on.
    public var listen: [ListenAddress]
    /// Seconds between full re-reads of the node's state (besides netlink events).
    public var resyncInterval: Int
    /// Seconds a finding must persist before it is reported (netlink changes come in bursts).
    public var graceSeconds: Int
    /// Milliseconds to wait after a netlink event for more before re-analysing.
    public var debounceMilliseconds: Int
    /// The most per-object finding series the metrics endpoint exports.
    public var maxFindingSeries: Int
    public var auth: AuthSettings
    public var logLevel: LogLevel
    /// The node's Kubernetes name; nil: resolved by `NodeIdentity` (NODE_NAME, Calico, hostname).
    public var nodeName: String? = nil
    /// Where to read the cluster's view (Kubernetes API) and how old it may get.
    public var kubernetes = KubernetesSettings()
    /// Where the AWS VPC CNI's ipamd keeps its record of pod IPs.
    public var ipamd = IpamdSettings()
    /// The top-level keys the config file set explicitly: they win over what the cluster says.
    public var explicitKeys: Set<String> = []

    public init(
        cni: CNISetting = .auto, podCIDRs: [IPPrefix] = [], blockSize: Int = 26, blockSizeV6: Int = 122,
        serviceCIDRs: [IPPrefix] = [], calico: CalicoExpectations = CalicoExpectations(),
        hostGW: HostGWExpectations = HostGWExpectations(), maxPods: MaxPodsSetting = .auto,
        kubeletConfigPath: String? = nil, instanceType: InstanceTypeSetting = .auto,
        awsVpcCni: AWSVPCCNIExpectations = AWSVPCCNIExpectations(), thresholds: Thresholds = Thresholds(),
        listen: [ListenAddress] = [ListenAddress.default], resyncInterval: Int = 60, graceSeconds: Int = 5,
        debounceMilliseconds: Int = 50, maxFindingSeries: Int = 200, auth: AuthSettings = AuthSettings(),
        logLevel: LogLevel = .info
    ) {
        self.cni = cni
        self.podCIDRs = podCIDRs
        self.blockSize = blockSize
        self.blockSizeV6 = blockSizeV6
        self.serviceCIDRs = serviceCIDRs
        self.calico = calico
        self.hostGW = hostGW
        self.maxPods = maxPods
        self.kubeletConfigPath = kubeletConfigPath
        self.instanceType = instanceType
        self.awsVpcCni = awsVpcCni
        self.thresholds = thresholds
        self.listen = listen
        self.resyncInterval = resyncInterval
        self.graceSeconds = graceSeconds
        self.debounceMilliseconds = debounceMilliseconds
        self.maxFindingSeries = maxFindingSeries
        self.auth = auth
        self.logLevel = logLevel
    }
}

/// `maxPods`: read it from kubelet's config, or take the number given.
public enum MaxPodsSetting: Sendable, Hashable, CustomStringConvertible {
    case auto
    case fixed(Int)

    public var description: String {
        switch self {
        case .auto: "auto"
        case .fixed(let value): String(value)
        }
    }
}

/// `instanceType`: the DMI product name when it names a known type, or the type given.
public enum InstanceTypeSetting: Sendable, Hashable, CustomStringConvertible {
    case auto
    case named(String)

    public var description: String {
        switch self {
        case .auto: "auto"
        case .named(let name): name
        }
    }
}

/// An address the HTTP server listens on: `127.0.0.1:9647`, `[::1]:9647`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The default: loopback only, port 9647.
    public static let `default` = ListenAddress(host: .v4(0x7f00_0001), port: 9647)

    public var host: IPAddress
    public var port: UInt16

    public init(host: IPAddress, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `a.b.c.d:port` or `[v6]:port`; nil for anything else.
    public init?(_ text: String) {
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard let address = IPAddress(hostText), address.family == .ipv6 else { return nil }
            self.host = address
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard let address = IPAddress(hostText), address.family == .ipv4 else { return nil }
            self.host = address
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
            let port = UInt16(portText), port > 0
        else { return nil }
        self.port = port
    }

    public var description: String {
        host.family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// `auth`: how `/status` and `/metrics` clients authenticate.
public struct AuthSettings: Sendable, Hashable {
    /// A file holding the bearer token clients must send; nil: no authentication.
    public var bearerTokenFile: String?

    public init(bearerTokenFile: String? = nil) {
        self.bearerTokenFile = bearerTokenFile
    }
}

/// `logLevel`, as swift-log names its levels.
public enum LogLevel: String, Sendable, Hashable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}
