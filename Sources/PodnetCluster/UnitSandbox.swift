import AsyncHTTPClient
import Foundation
import NIOCore

/// Recognises the two ways the shipped systemd unit (systemd/podnetd.service), not the cluster,
/// keeps podnetd from the Kubernetes API, and names the opt-in step that fixes each:
///
/// - connect() fails with EPERM: the unit's IP firewall (`IPAddressAllow=localhost`,
///   `IPAddressDeny=any`, a cgroup BPF program) dropped the packet. (A netfilter DROP in the OUTPUT
///   chain also surfaces as EPERM; outside the unit the message says so.)
/// - Calico's CNI kubeconfig exists but is unreadable (EACCES): calico-node writes it 0600 root
///   (projectcalico/calico node/pkg/cni/token_watch.go `writeKubeconfig`, `os.WriteFile(…, 0600)`),
///   and the unit's dynamic user in its own user namespace is not root.
///
/// The fix is systemd/podnetd-cluster-api.conf (installed disabled as `dropInPath`): it hands
/// podnetd a copy of the kubeconfig as a systemd credential and lifts the IP firewall.
public enum UnitSandbox {
    /// Where the packages install the opt-in drop-in.
    public static let dropInPath = "/usr/share/podnetd/podnetd-cluster-api.conf"
    /// The credential name the drop-in's `LoadCredential=` gives the kubeconfig in `$CREDENTIALS_DIRECTORY`.
    public static let credentialName = "kubeconfig"
    /// What a rotated token needs under the unit: the credential is a copy made at start.
    public static let rotationUnit = "podnetd-kubeconfig.path"

    /// Words every sandbox diagnosis contains, so a stored error line can be recognised again.
    static let firewallMarker = "IP firewall"
    static let credentialMarker = "LoadCredential="

    /// The steps that enable the drop-in, as one line for a finding's remediation.
    public static let enableSteps =
        "enable podnetd's opt-in drop-in (README, \"The cluster's view under the systemd unit\"): "
        + "sudo install -d -m 0700 /etc/credstore && sudo ln -sf /etc/cni/net.d/calico-kubeconfig "
        + "/etc/credstore/podnetd-kubeconfig && sudo install -D -m 0644 \(dropInPath) "
        + "/etc/systemd/system/podnetd.service.d/podnetd-cluster-api.conf && sudo systemctl daemon-reload && "
        + "sudo systemctl enable --now \(rotationUnit) && sudo systemctl restart podnetd (a binary installed by "
        + "Scripts/install.sh has the drop-in in /usr/local/share/podnetd/)"

    /// Whether this process runs as a systemd service (systemd sets `INVOCATION_ID` for every unit).
    static func underSystemd(_ environment: [String: String]) -> Bool {
        !(environment["INVOCATION_ID"] ?? "").isEmpty
    }

    /// The one-line transport error for a failed request to `server`. A connection that failed
    /// because this host drops the packets (EPERM on connect, or a connect timeout with the
    /// `EgressProbe` blocked) names the firewall and, under the unit, its IP firewall.
    static func transportError(
        _ error: any Error, server: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        probe: (String) -> Bool = EgressProbe.isBlockedLocally
    ) -> KubeError {
        guard isConnectFailure(error), isPermissionDenied(error) || probe(server) else {
            return .transport("\(server): \(error)")
        }
        let what =
            underSystemd(environment)
            ? "the podnetd unit's \(firewallMarker) (IPAddressDeny=any, IPAddressAllow=localhost)"
            : "a host firewall (an iptables/nftables OUTPUT drop, or a systemd \(firewallMarker) around this process)"
        return .transport(
            "\(server): \(what) drops podnetd's packets to the API server (EPERM: a UDP probe to it is refused "
                + "locally; the connection failed with \(error))")
    }

    /// A failure to connect (rather than TLS, HTTP or a closed stream).
    static func isConnectFailure(_ error: any Error) -> Bool {
        if let client = error as? HTTPClientError, client == .connectTimeout { return true }
        let text = String(describing: error)
        return text.contains("NIOConnectionError") || text.contains("connectTimeout") || isPermissionDenied(error)
    }

    /// Why a Calico kubeconfig that exists cannot be read, when the reason is permission (EACCES).
    static func unreadableKubeconfig(_ path: String, environment: [String: String]) -> KubeError? {
        guard access(path, R_OK) != 0, errno == EACCES else { return nil }
        let who =
            underSystemd(environment)
            ? "the podnetd unit runs as a dynamic user, not root" : "podnetd is not running as root"
        return .credentials(
            "cannot read \(path): permission denied (calico-node writes it 0600 root and \(who)); under the unit "
                + "it is handed over as a copy with \(credentialMarker)\(credentialName):podnetd-kubeconfig, "
                + "never by making it readable")
    }

    /// The fix for an error line from this file's diagnoses; nil for any other error.
    public static func remedy(for errorLine: String?) -> String? {
        guard let errorLine else { return nil }
        if errorLine.contains(credentialMarker) || errorLine.contains("the podnetd unit's \(firewallMarker)") {
            return "The systemd unit's sandbox blocks the API, not the cluster: " + enableSteps + "."
        }
        if errorLine.contains(firewallMarker) {
            return "A firewall on this host drops podnetd's connection to the API server: allow it to reach "
                + "the server named in its kubeconfig (and DNS)."
        }
        return nil
    }

    /// Whether `error` (or a connection failure it carries) is EPERM from connect().
    static func isPermissionDenied(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == EPERM }
        // NIOPosix's NIOConnectionError (happy eyeballs) and AsyncHTTPClient's pool keep the
        // socket error inside; its text is the errno's (strerror(EPERM), "errno: 1").
        let text = String(describing: error)
        return text.contains("Operation not permitted") || text.contains("errno: 1)")
    }
}
