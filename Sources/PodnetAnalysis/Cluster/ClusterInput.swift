import PodnetModel

/// The analyzer's third input: the last good view of the cluster and of ipamd, and how current it
/// is. The caller (check command, daemon) measures the age; the analyzer stays clock-free.
public struct ClusterInput: Sendable, Hashable {
    /// The last good view of the cluster; nil when there never was one.
    public var view: ClusterView?
    /// Seconds since the view was last known to match the API server (0 while the watches are live).
    public var viewAgeSeconds: Int
    /// Older than this, the cluster-derived checks stop (with that reason).
    public var maxViewAgeSeconds: Int
    /// The API server is unreachable now: since how long and why.
    public var outage: ClusterOutage?
    /// Why there is no view (no credentials, the first list failed); nil when reading the cluster is off.
    public var unavailableReason: String?
    /// ipamd's record of pod IPs (AWS VPC CNI); nil when there is none.
    public var ipamd: IpamdView?
    /// The step that gives podnetd API access when the cause of an outage or missing view is known
    /// (the systemd unit's sandbox); the cluster findings then name it instead of a generic hint.
    public var accessRemedy: String? = nil

    public init(
        view: ClusterView? = nil, viewAgeSeconds: Int = 0, maxViewAgeSeconds: Int = 600, outage: ClusterOutage? = nil,
        unavailableReason: String? = nil, ipamd: IpamdView? = nil
    ) {
        self.view = view
        self.viewAgeSeconds = viewAgeSeconds
        self.maxViewAgeSeconds = maxViewAgeSeconds
        self.outage = outage
        self.unavailableReason = unavailableReason
        self.ipamd = ipamd
    }

    /// The view the checks may use: present and not older than the bound.
    public var usableView: ClusterView? {
        guard let view, viewAgeSeconds <= maxViewAgeSeconds else { return nil }
        return view
    }
}

/// The API server has not answered since `seconds` ago.
public struct ClusterOutage: Sendable, Hashable {
    public var seconds: Int
    /// The last error, in one line.
    public var reason: String

    public init(seconds: Int, reason: String) {
        self.seconds = seconds
        self.reason = reason
    }
}
