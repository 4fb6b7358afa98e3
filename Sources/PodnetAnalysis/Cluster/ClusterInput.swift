import PodnetModel

/// The analyzer's third input: the last good view of the cluster and of ipamd, and how current it
/// is. The caller (check command, daemon) measures the age; the analyzer stays clock-free.
public struct ClusterInput: Sendable, Hashable {
    /// The last good view of the cluster, indexed; nil when there never was one. The daemon keeps the
    /// index with its view, so analyses with an unchanged view do not rebuild it.
    public var indexedView: ClusterIndex?
    /// The last good view of the cluster; nil when there never was one. Setting it indexes it.
    public var view: ClusterView? {
        get { indexedView?.view }
        set { indexedView = newValue.map(ClusterIndex.init(view:)) }
    }
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
        self.init(
            indexedView: view.map(ClusterIndex.init(view:)), viewAgeSeconds: viewAgeSeconds,
            maxViewAgeSeconds: maxViewAgeSeconds, outage: outage, unavailableReason: unavailableReason, ipamd: ipamd)
    }

    /// The input with a view indexed beforehand (`ClusterIndex(view:)`).
    public init(
        indexedView: ClusterIndex?, viewAgeSeconds: Int = 0, maxViewAgeSeconds: Int = 600, outage: ClusterOutage? = nil,
        unavailableReason: String? = nil, ipamd: IpamdView? = nil
    ) {
        self.indexedView = indexedView
        self.viewAgeSeconds = viewAgeSeconds
        self.maxViewAgeSeconds = maxViewAgeSeconds
        self.outage = outage
        self.unavailableReason = unavailableReason
        self.ipamd = ipamd
    }

    /// The view the checks may use: present and not older than the bound.
    public var usableView: ClusterView? { usableIndex?.view }

    /// The index of the view the checks may use (see `usableView`).
    public var usableIndex: ClusterIndex? {
        guard let indexedView, viewAgeSeconds <= maxViewAgeSeconds else { return nil }
        return indexedView
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
