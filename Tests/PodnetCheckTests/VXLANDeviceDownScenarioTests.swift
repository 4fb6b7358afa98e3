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

    @Test(
        "vxlan-v6.calico down: the kernel deletes its IPv6 tunnel address too, and vxlan-device-down says so instead of claiming the address stays"
    )
    func ipv6DeviceDown() throws {
        try requireRootAndIPRoute2()
        let scenario = CalicoNodeScenario()
        let device = "vxlan-v6.calico"
        try withCalicoNode(scenario) { node in
            let ns = node.namespace
            // Felix's IPv6 device: on the node's IPv6 address, with a tunnel address from its IPv6 block.
            try ns.ip(
                "link", "add", device, "mtu", "8931", "type", "vxlan", "id", "4096", "dstport", "4789", "local",
                "fd00:10::10", "dev", "eth0", "nolearning")
            try ns.ip("link", "set", device, "up")
            try ns.ip("-6", "addr", "add", "fd00:231::/128", "dev", device, "nodad")
            #expect(try ns.ip("-6", "addr", "show", "dev", device).contains("fd00:231::"))

            try node.setLink(device, up: false)
            #expect(!(try ns.ip("-6", "addr", "show", "dev", device).contains("fd00:231::")))

            let run = try CheckRun.run(config: scenario.podnetdConfig, in: ns)
            #expect(run.has("vxlan-device-down", object: device, severity: "critical"), "\(run.findings)")
            let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let findings = json?["findings"] as? [[String: Any]] ?? []
            let detail = try #require(
                findings.first { $0["check"] as? String == "vxlan-device-down" && $0["object"] as? String == device }?[
                    "detail"] as? String)
            #expect(!detail.contains("keeps the device's address") && !detail.contains("and its IPv4 address"), "\(detail)")
            #expect(detail.contains("deletes its IPv6 addresses too"), "\(detail)")
        }
    }
}
