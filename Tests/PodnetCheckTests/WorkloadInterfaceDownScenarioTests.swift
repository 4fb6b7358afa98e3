import Foundation
import PodnetTestSupport
import Testing

/// A pod's host-side veth set administratively down: the kernel flushes its /32 route with the link,
/// so the node shows a down veth without routes — which must still be reported.
@Suite("check on a Calico node whose workload veth is down", .serialized)
struct WorkloadInterfaceDownScenarioTests {
    @Test(
        "ip link set caliX down: the kernel drops its /32 route, and check reports workload-interface-down for caliX (exit 1)"
    )
    func administrativelyDownVeth() throws {
        try requireRootAndIPRoute2()
        let scenario = CalicoNodeScenario()
        let interface = scenario.workloadInterface(2)
        try withCalicoNode(scenario) { node in
            let healthy = try CheckRun.run(config: scenario.podnetdConfig, in: node.namespace)
            #expect(!healthy.has("workload-interface-down"), "\(healthy.findings)")
            #expect(healthy.exitCode == 0, "\(healthy.findings)")
            #expect(try node.namespace.ip("route", "show", "dev", interface).contains(scenario.podIP(2)))

            try node.setLink(interface, up: false)
            // The fault as the kernel leaves it: the route is gone with the link.
            let routes = try node.namespace.ip("route", "show", "table", "all", "dev", interface)
            #expect(routes.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "kernel kept: \(routes)")

            let broken = try CheckRun.run(config: scenario.podnetdConfig, in: node.namespace)
            #expect(broken.exitCode == 1, "\(broken.findings) \(broken.stderr)")
            #expect(
                broken.has("workload-interface-down", object: interface, severity: "critical"), "\(broken.findings)")
            #expect(broken.problems.map(\.check) == ["workload-interface-down"], "\(broken.problems)")

            let text = try CheckRun.run(config: scenario.podnetdConfig, in: node.namespace, format: "text")
            #expect(text.exitCode == 1)
            #expect(text.stdout.contains("workload-interface-down  \(interface)"), "\(text.stdout)")
            #expect(text.stdout.contains("ip link set \(interface) up"), "\(text.stdout)")
        }
    }
}
