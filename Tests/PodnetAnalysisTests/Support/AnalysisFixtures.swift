import Foundation
import PodnetAnalysis
import PodnetModel
import Testing

/// The fixture snapshots under `Fixtures/`, their expectations, and helpers to mutate them.
enum AnalysisFixtures {
    static let checkedAt = "2025-03-01T09:00:05Z"

    /// Decodes `Fixtures/NAME.json`.
    static func snapshot(_ name: String) throws -> NodeSnapshot {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            "fixture \(name).json is missing")
        return try JSONDecoder().decode(NodeSnapshot.self, from: Data(contentsOf: url))
    }

    // MARK: Calico VXLAN (seed 002's managed node)

    static func calico() throws -> NodeSnapshot { try snapshot("calico-vxlan-healthy") }

    static var calicoExpectations: Expectations {
        Expectations(
            podCIDRs: [prefix("192.168.0.0/16")], serviceCIDRs: [prefix("172.16.0.0/16")],
            calico: CalicoExpectations(expectedRemoteBlocks: [
                ExpectedRemoteBlock(block: prefix("192.168.35.0/26"), tunnelIP: address("192.168.35.0")),
                ExpectedRemoteBlock(block: prefix("192.168.94.64/26"), tunnelIP: address("192.168.94.64")),
            ]),
            maxPods: 110,
            maxPodsSource: "default 110 (kubelet config /etc/kubernetes/kubelet/config.json does not set maxPods)",
            kubeletConfigPath: "/etc/kubernetes/kubelet/config.json", instanceType: "m5.large",
            instanceTypeSource: "DMI product name (/sys/devices/virtual/dmi/id/product_name)", vCPUs: 2)
    }

    // MARK: AWS VPC CNI (t3a.medium, maxPods 17)

    static func vpcCNI() throws -> NodeSnapshot { try snapshot("vpc-cni-healthy") }

    static var vpcCNIExpectations: Expectations {
        Expectations(
            serviceCIDRs: [prefix("10.100.0.0/16")], maxPods: 17,
            maxPodsSource: "kubelet config /etc/kubernetes/kubelet/kubelet-config.json",
            kubeletConfigPath: "/etc/kubernetes/kubelet/kubelet-config.json", instanceType: "t3a.medium",
            instanceTypeSource: "DMI product name (/sys/devices/virtual/dmi/id/product_name)", vCPUs: 2)
    }

    // MARK: host-gw (Kubernetes the Hard Way worker)

    static func hostGW() throws -> NodeSnapshot { try snapshot("host-gw-healthy") }

    static var hostGWExpectations: Expectations {
        Expectations(
            podCIDRs: [prefix("10.200.0.0/16")], serviceCIDRs: [prefix("10.32.0.0/24")],
            hostGW: HostGWExpectations(expectedRoutes: [
                ExpectedRoute(cidr: prefix("10.200.1.0/24"), gateway: address("10.240.0.21")),
                ExpectedRoute(cidr: prefix("10.200.2.0/24"), gateway: address("10.240.0.22")),
            ]),
            maxPods: 110, maxPodsSource: "kubelet config /var/lib/kubelet/config.yaml",
            kubeletConfigPath: "/var/lib/kubelet/config.yaml", vCPUs: 2)
    }

    // MARK: Helpers

    static func analyze(_ snapshot: NodeSnapshot, _ expectations: Expectations) -> Report {
        Analyzer.analyze(snapshot: snapshot, expectations: expectations, checkedAt: checkedAt)
    }

    static func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }
    static func address(_ text: String) -> IPAddress { IPAddress(text)! }
}

extension NodeSnapshot {
    func link(named name: String) -> Link? { links.first { $0.name == name } }

    func index(of name: String) -> InterfaceIndex { link(named: name)!.index }

    /// Changes the link named `name`.
    mutating func modifyLink(_ name: String, _ change: (inout Link) -> Void) {
        guard let position = links.firstIndex(where: { $0.name == name }) else {
            Issue.record("no link \(name) in the fixture")
            return
        }
        change(&links[position])
    }

    /// Removes the link named `name` with everything on it (addresses, routes through it,
    /// neighbours, FDB entries), as deleting the device does.
    mutating func removeLink(named name: String) {
        let device = index(of: name)
        links.removeAll { $0.index == device }
        addresses.removeAll { $0.interfaceIndex == device }
        routes.removeAll { $0.nextHops.contains { $0.interfaceIndex == device } }
        neighbours.removeAll { $0.interfaceIndex == device }
        fdb.removeAll { $0.interfaceIndex == device }
    }

    /// Sets the link named `name` administratively down (no carrier either).
    mutating func setLinkDown(_ name: String) {
        modifyLink(name) {
            $0.flags.remove([.up, .lowerUp])
            $0.operState = .down
        }
    }

    /// Removes the routes (of any table) whose destination is `destination`, and returns how many.
    @discardableResult
    mutating func removeRoutes(to destination: String, where extra: (Route) -> Bool = { _ in true }) -> Int {
        let target = IPPrefix(destination)!
        let before = routes.count
        routes.removeAll { $0.destination == target && extra($0) }
        let removed = before - routes.count
        if removed == 0 { Issue.record("no route to \(destination) in the fixture") }
        return removed
    }

    /// Changes every route to `destination`.
    mutating func modifyRoutes(to destination: String, _ change: (inout Route) -> Void) {
        let target = IPPrefix(destination)!
        var found = false
        for position in routes.indices where routes[position].destination == target {
            change(&routes[position])
            found = true
        }
        if !found { Issue.record("no route to \(destination) in the fixture") }
    }
}

extension Report {
    /// The findings of one check.
    func findings(_ check: CheckID) -> [Finding] { findings.filter { $0.check == check } }

    /// The warning and critical findings.
    var problems: [Finding] { findings.filter { $0.severity >= .warning } }
}
