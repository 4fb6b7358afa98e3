/// What `podnetd dump` records about the cluster beside the kernel state (top-level key `cluster`),
/// so that `podnetd check --snapshot` analyses exactly what the live check saw.
public struct ClusterRecord: Hashable, Sendable, Codable {
    /// The cluster's view when the dump was taken; nil when there was none.
    public var view: ClusterView?
    /// Why there was no view, when there was none.
    public var unavailableReason: String?
    /// ipamd's record (AWS VPC CNI nodes).
    public var ipamd: IpamdView?

    public init(view: ClusterView? = nil, unavailableReason: String? = nil, ipamd: IpamdView? = nil) {
        self.view = view
        self.unavailableReason = unavailableReason
        self.ipamd = ipamd
    }
}
