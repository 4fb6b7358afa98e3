import Foundation
import PodnetCluster
import PodnetTestSupport
import Testing

/// The objects of a small Calico cluster, as the API serves them: three nodes, one VXLAN pool, a
/// block each.
enum SmallCluster {
    static var objects: [String: [[String: Any]]] { [
        "nodes": [
            KubeObjects.node("node-a", ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: "66:0a:00:00:00:10", pods: 58, instanceType: "m5.large"),
            KubeObjects.node("node-b", ipv4: "10.0.0.20/24", tunnel: "192.168.35.0", mac: "66:35:00:00:00:20"),
            KubeObjects.node("node-c", ipv4: "10.0.0.30/24", tunnel: "192.168.12.128", mac: "66:12:00:00:00:30"),
        ],
        "ippools": [KubeObjects.ipPool("default-ipv4-ippool", cidr: "192.168.0.0/16")],
        "blockaffinities": [
            KubeObjects.blockAffinity(node: "node-a", cidr: "192.168.231.0/26"),
            KubeObjects.blockAffinity(node: "node-b", cidr: "192.168.35.0/26"),
            KubeObjects.blockAffinity(node: "node-c", cidr: "192.168.12.128/26"),
            KubeObjects.blockAffinity(node: "node-c", cidr: "192.168.99.0/26", state: "pendingDeletion", deleted: true),
        ],
    ] }
}

/// Polls `condition` every 50 ms for up to `seconds`.
func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}

/// Fails loudly when the tools the stand-in needs are missing (never skips).
func requireStandInTools() throws {
    for tool in ["python3", "openssl"] where resolveExecutable(tool) == nil {
        throw MissingRequirement("\(tool) is needed for the Kubernetes API stand-in (Scripts/deps.sh installs it)")
    }
}
