import Foundation

extension KubeObjects {
    /// The cluster around `CalicoNodeScenario`'s node, as the API serves it: this node (`localName`,
    /// tunnel 192.168.231.0, 58 pods), node-b (the scenario's programmed remote block and VTEP) and
    /// node-c (a block and VTEP this node has not programmed), one VXLAN pool, a block each.
    public static func scenarioCluster(localName: String) -> [String: [[String: Any]]] {
        [
            "nodes": [
                node(localName, ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: nil, pods: 58),
                node("node-b", ipv4: "10.0.0.20/24", tunnel: "192.168.35.0", mac: "66:35:00:00:00:20"),
                node("node-c", ipv4: "10.0.0.30/24", tunnel: "192.168.12.128", mac: "66:12:00:00:00:30"),
            ],
            "ippools": [ipPool("default-ipv4-ippool", cidr: "192.168.0.0/16")],
            "blockaffinities": [
                blockAffinity(node: localName, cidr: "192.168.231.0/26"),
                blockAffinity(node: "node-b", cidr: "192.168.35.0/26"),
                blockAffinity(node: "node-c", cidr: "192.168.12.128/26"),
            ],
        ]
    }

    /// A kubeconfig as calico-node writes /etc/cni/net.d/calico-kubeconfig (projectcalico/calico
    /// node/pkg/cni/token_watch.go, writeKubeconfig): server, CA data and token inline.
    public static func calicoKubeconfig(server: String, caPEM: Data, token: String) -> String {
        """
        # Kubeconfig file for Calico CNI plugin. Installed by calico/node.
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: \(server)
            certificate-authority-data: "\(caPEM.base64EncodedString())"
        users:
        - name: calico
          user:
            token: \(token)
        contexts:
        - name: calico-context
          context:
            cluster: local
            user: calico
        current-context: calico-context
        """
    }
}
