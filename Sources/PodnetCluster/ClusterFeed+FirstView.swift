/// Whether the daemon's first analysis still lacks part of its cluster input.
extension ClusterFeed {
    /// What the first view still waits for — the API's first complete list (with the last error, if
    /// a list failed) or the first read of ipamd's record — or nil once everything this feed reads
    /// has arrived (or it reads nothing that can arrive).
    public var pendingFirstView: String? {
        if let watcher {
            let input = watcher.input(maxViewAgeSeconds: maxViewAgeSeconds)
            if input.view == nil { return input.unavailableReason ?? "waiting for the first list" }
        }
        if !ipamdReadOnce.withLock({ $0 }) { return "waiting for the first read of ipamd's record" }
        return nil
    }

    /// Why waiting longer for the first view is pointless: the API refused a first list in a way
    /// retrying does not change (401, 403, unreadable credentials, this host's firewall); nil while
    /// the view may still come, and until ipamd's record (which does come) has been read.
    public var firstViewRefusal: String? {
        guard ipamdReadOnce.withLock({ $0 }) else { return nil }
        return watcher?.firstListRefusal()
    }
}
