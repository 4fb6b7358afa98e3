import Foundation
import PodnetTestSupport
import Testing

/// `ip link set vxlan.calico down` on a Calico node: what the kernel removes with it (the
/// vxlan-device-down text describes exactly this) and what `podnetd check` reports.
@Suite("check on a Calico node whose vxlan.calico is down", .serialized)
struct VXLANDeviceDownScenarioTests {
    @Test(
        "the kernel deletes the routes and every neighbour (permanent too) of a down VXLAN device, keeps permanent FDB entries; check says vxlan-device-down"
    )
    func deviceDown() throws {
        try requireRootAndIPRoute2()
        let scenario = CalicoNodeScenario()
        let device = scenario.vxlanDevice
        let remote = try #require(scenario.remoteBlocks.first)
        try withCalicoNode(scenario) { node in
            let ns = node.namespace
            #expect(try ns.ip("route", "show", "dev", device).contains(remote.block))
            #expect(try ns.ip("neigh", "show", "dev", device).contains("PERMANENT"))

            try node.setLink(device, up: false)
            #expect(try ns.ip("route", "show", "dev", device).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            #expect(try ns.ip("neigh", "show", "dev", device).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            let fdb = try ns.bridge("fdb", "show", "dev", device)
            #expect(fdb.contains(remote.tunnelMAC) && fdb.contains("permanent"), "FDB after down: \(fdb)")
            #expect(try ns.ip("addr", "show", "dev", device).contains(scenario.tunnelAddress))

            let run = try CheckRun.run(config: scenario.podnetdConfig, in: ns)
            #expect(run.exitCode == 1)
            #expect(run.has("vxlan-device-down", object: device, severity: "critical"), "\(run.findings)")
            let text = try CheckRun.run(config: scenario.podnetdConfig, in: ns, format: "text")
            #expect(text.stdout.contains("deletes every route through it"), "\(text.stdout)")
        }
    }
}
