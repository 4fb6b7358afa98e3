import Foundation
import PodnetModel
import Testing

@testable import PodnetCluster

/// Node annotations as libcalico-go's Kubernetes backend reads them (libcalico-go/lib/backend/k8s/resources/node.go):
/// each is validated for its family (`ValidateCIDRv4`, `ValidateIPv4Network`, `ValidateCIDRv6`, …) and one
/// that fails is taken as absent, so Felix programs nothing from it.
@Suite("Kubernetes Node → ClusterNode")
struct KubeObjectConversionTests {
    func node(annotations: [String: String]) throws -> ClusterNode {
        let object: [String: Any] = [
            "metadata": ["name": "node-a", "uid": "u1", "annotations": annotations],
            "status": ["addresses": [["type": "InternalIP", "address": "10.0.0.10"]], "capacity": ["pods": "110"]],
        ]
        let data = try JSONSerialization.data(withJSONObject: object)
        return KubeObjectConversion.node(try JSONDecoder().decode(NodeObject.self, from: data))
    }

    @Test("annotations of the right family are read")
    func rightFamilies() throws {
        let node = try node(annotations: [
            "projectcalico.org/IPv4Address": "10.0.0.10/24", "projectcalico.org/IPv4VXLANTunnelAddr": "192.168.231.0",
            "projectcalico.org/IPv6Address": "fd00:10::10/64", "projectcalico.org/IPv6VXLANTunnelAddr": "fd00:244::",
        ])
        #expect(node.calicoIPv4Address == IPPrefix("10.0.0.10/24"))
        #expect(node.vxlanTunnelAddress == IPAddress("192.168.231.0"))
        #expect(node.calicoIPv6Address == IPPrefix("fd00:10::10/64"))
        #expect(node.vxlanTunnelAddressV6 == IPAddress("fd00:244::"))
    }

    @Test("an address annotation of the other family is absent, as Calico's validation takes it")
    func wrongFamilies() throws {
        let node = try node(annotations: [
            "projectcalico.org/IPv4Address": "fd00:10::10/64", "projectcalico.org/IPv4VXLANTunnelAddr": "fd00:244::",
            "projectcalico.org/IPv6Address": "10.0.0.10/24", "projectcalico.org/IPv6VXLANTunnelAddr": "192.168.231.0",
        ])
        #expect(node.calicoIPv4Address == nil)
        #expect(node.vxlanTunnelAddress == nil)
        #expect(node.calicoIPv6Address == nil)
        #expect(node.vxlanTunnelAddressV6 == nil)
        // The VXLAN underlay then falls back to the InternalIP, never to an IPv6 address.
        #expect(node.vxlanUnderlayAddress == IPAddress("10.0.0.10"))
    }
}
