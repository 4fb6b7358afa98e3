/// Which Node this machine is, for the cluster checks.
///
/// LEAD-MERGE: the one node-name resolver (config `nodeName`, `NODE_NAME`, /var/lib/calico/nodename,
/// hostname) is trust-fleet's, in PodnetConfig. Replace the body with a call to it; until then the
/// snapshot's hostname stands in. PodnetCluster takes the name (and its source) as a parameter.
enum NodeNameCallSite {
    static func resolve(snapshotHostname: String) -> (name: String, source: String) {
        (snapshotHostname, "hostname")
    }
}
