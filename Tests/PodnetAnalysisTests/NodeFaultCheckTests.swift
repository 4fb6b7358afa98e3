import PodnetAnalysis
import PodnetConfig
import PodnetModel
import Testing

/// The fault classes beyond the CNI's own objects, on the fixture snapshots: each broken, and its
/// healthy counterpart quiet.
@Suite("Node fault checks")
struct NodeFaultCheckTests {
    typealias F = AnalysisFixtures

    // MARK: vxlan-wrong-interface

    /// The Calico fixture with a second NIC, eth1 203.0.113.5/24 (index 8).
    static func calicoWithSecondNIC() throws -> NodeSnapshot {
        var snapshot = try F.calico()
        snapshot.links.append(Link(index: 8, name: "eth1", mtu: 9001))
        snapshot.addresses.append(Address(interfaceIndex: 8, prefix: F.prefix("203.0.113.5/24")))
        snapshot.routes.append(Route(scope: .link, destination: F.prefix("203.0.113.0/24"), nextHops: [NextHop(interfaceIndex: 8)]))
        return snapshot
    }

    @Test("vxlan-wrong-interface: bound to eth1 and its address while the VTEPs' node IPs route via eth0")
    func vxlanBoundToWrongNIC() throws {
        var snapshot = try Self.calicoWithSecondNIC()
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .vxlanWrongInterface)
        snapshot.modifyLink("vxlan.calico") {
            $0.vxlan?.underlayIndex = 8
            $0.vxlan?.local = F.address("203.0.113.5")
        }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .vxlanWrongInterface, severity: .critical, objects: ["vxlan.calico"])
        let finding = try #require(report.findings(.vxlanWrongInterface).first)
        #expect(finding.summary.contains("dev eth1, local 203.0.113.5 (eth1)"), "\(finding.summary)")
        #expect(finding.summary.contains("10.10.1.14, 10.90.1.182") && finding.summary.contains("through eth0"))
        #expect(finding.remediation.contains("{interface: eth0} or {cidrs: [10.10.2.0/24]}"))
    }

    @Test("vxlan-wrong-interface: only the local address wrong is reported too; a more specific route via eth1 makes it right")
    func vxlanLocalAddressOnly() throws {
        var snapshot = try Self.calicoWithSecondNIC()
        snapshot.modifyLink("vxlan.calico") {
            $0.vxlan?.underlayIndex = nil
            $0.vxlan?.local = F.address("203.0.113.5")
        }
        expectFindings(
            F.analyze(snapshot, F.calicoExpectations), .vxlanWrongInterface, severity: .critical, objects: ["vxlan.calico"])
        // The remote nodes reached through eth1 (longest prefix match): consistent again.
        for node in ["10.10.1.14/32", "10.90.1.182/32"] {
            snapshot.routes.append(
                Route(destination: F.prefix(node), nextHops: [NextHop(gateway: F.address("203.0.113.1"), interfaceIndex: 8)]))
        }
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .vxlanWrongInterface)
    }

    // MARK: vxlan-mode-mismatch, crosssubnet-source-dest-check

    /// The Calico fixture with 192.168.94.64/26 routed directly `via GATEWAY dev eth0` instead of vxlan.calico.
    static func calicoWithDirectBlock(via gateway: String) throws -> NodeSnapshot {
        var snapshot = try F.calico()
        let eth0 = snapshot.index(of: "eth0")
        snapshot.modifyRoutes(to: "192.168.94.64/26") {
            $0.nextHops = [NextHop(gateway: F.address(gateway), interfaceIndex: eth0, flags: [.onlink])]
        }
        return snapshot
    }

    static func expectations(_ mode: CalicoVXLANMode?, instanceType: String? = "m5.large") -> Expectations {
        var expectations = F.calicoExpectations
        expectations.calico.vxlanMode = mode
        expectations.instanceType = instanceType
        return expectations
    }

    @Test("vxlan-mode-mismatch: under Always a block routed directly is a finding; unset mode infers as before")
    func alwaysWithDirectRoute() throws {
        let snapshot = try Self.calicoWithDirectBlock(via: "10.10.2.50")
        expectNoFinding(F.analyze(snapshot, Self.expectations(nil)), .vxlanModeMismatch)
        expectNoFinding(F.analyze(try F.calico(), Self.expectations(.always)), .vxlanModeMismatch)
        let report = F.analyze(snapshot, Self.expectations(.always))
        expectFindings(report, .vxlanModeMismatch, severity: .warning, objects: ["192.168.94.64/26"])
        expectNoFinding(report, .crossSubnetSourceDestCheck)
    }

    @Test("vxlan-mode-mismatch: under CrossSubnet a direct route is right in the node's subnet, wrong outside it")
    func crossSubnet() throws {
        let sameSubnet = F.analyze(try Self.calicoWithDirectBlock(via: "10.10.2.50"), Self.expectations(.crossSubnet))
        expectNoFinding(sameSubnet, .vxlanModeMismatch)
        expectFindings(sameSubnet, .crossSubnetSourceDestCheck, severity: .info, objects: ["eth0"])
        let noInstanceType = F.analyze(
            try Self.calicoWithDirectBlock(via: "10.10.2.50"), Self.expectations(.crossSubnet, instanceType: nil))
        expectNoFinding(noInstanceType, .crossSubnetSourceDestCheck)
        let otherSubnet = F.analyze(try Self.calicoWithDirectBlock(via: "10.90.1.182"), Self.expectations(.crossSubnet))
        expectFindings(otherSubnet, .vxlanModeMismatch, severity: .warning, objects: ["192.168.94.64/26"])
        expectNoFinding(otherSubnet, .crossSubnetSourceDestCheck)
        expectNoFinding(F.analyze(try F.calico(), Self.expectations(.crossSubnet)), .crossSubnetSourceDestCheck)
    }

    // MARK: vxlan-checksum-offload

    @Test("vxlan-checksum-offload: tx checksum on with kernel 5.4; quiet when off, on 5.7+, or unknown")
    func checksumOffload() throws {
        var snapshot = try F.calico()
        snapshot.modifyLink("vxlan.calico") { $0.offloads = LinkOffloads(txChecksum: true) }
        func expectations(kernel release: String?) -> Expectations {
            var expectations = F.calicoExpectations
            expectations.kernelRelease = release
            return expectations
        }
        let old = expectations(kernel: "5.4.0-1103-aws")
        let report = F.analyze(snapshot, old)
        expectFindings(report, .vxlanChecksumOffload, severity: .warning, objects: ["vxlan.calico"])
        #expect(report.findings(.vxlanChecksumOffload).first?.remediation.hasPrefix("Now: ethtool -K vxlan.calico tx off") == true)
        for release in ["5.7.0", "5.10.219-208.866.amzn2.x86_64", "6.1.0-18-amd64"] {
            expectNoFinding(F.analyze(snapshot, expectations(kernel: release)), .vxlanChecksumOffload)
        }
        var off = snapshot
        off.modifyLink("vxlan.calico") { $0.offloads = LinkOffloads(txChecksum: false) }
        expectNoFinding(F.analyze(off, old), .vxlanChecksumOffload)
        expectNoFinding(F.analyze(snapshot, expectations(kernel: nil)), .vxlanChecksumOffload)
        var unknownOffload = snapshot
        unknownOffload.modifyLink("vxlan.calico") { $0.offloads = nil }
        expectNoFinding(F.analyze(unknownOffload, old), .vxlanChecksumOffload)
        expectFindings(
            F.analyze(snapshot, expectations(kernel: "4.19.0-27-cloud-amd64")), .vxlanChecksumOffload, severity: .warning,
            objects: ["vxlan.calico"])
    }

    // MARK: custom-networking-mismatch

    /// The VPC CNI fixture with its pods moved to 100.64.0.0/16 (an ENIConfig subnet): none on eth0's 192.168.64.0/19.
    static func vpcCNIWithCustomNetworking() throws -> NodeSnapshot {
        var snapshot = try F.vpcCNI()
        for (old, new) in [("192.168.70.12", "100.64.0.12"), ("192.168.81.45", "100.64.0.45"), ("192.168.77.201", "100.64.0.201")] {
            snapshot.modifyRoutes(to: old + "/32") { $0.destination = F.prefix(new + "/32") }
            for position in snapshot.rules.indices {
                if snapshot.rules[position].to == F.prefix(old + "/32") { snapshot.rules[position].to = F.prefix(new + "/32") }
                if snapshot.rules[position].from == F.prefix(old + "/32") { snapshot.rules[position].from = F.prefix(new + "/32") }
            }
        }
        return snapshot
    }

    @Test("custom-networking-mismatch: no pod in the primary ENI's subnet but not configured; capacity (3 − 1) × (6 − 1) + 2 = 12")
    func customNetworkingNotConfigured() throws {
        let snapshot = try Self.vpcCNIWithCustomNetworking()
        expectNoFinding(F.analyze(try F.vpcCNI(), F.vpcCNIExpectations), .customNetworkingMismatch)
        let report = F.analyze(snapshot, F.vpcCNIExpectations)  // maxPods 17, t3a.medium
        expectFindings(report, .customNetworkingMismatch, severity: .warning, objects: ["awsVpcCni.customNetworking"])
        let finding = try #require(report.findings(.customNetworkingMismatch).first)
        #expect(finding.detail.contains("3 ENIs × 6 IPs: 2 × (6 − 1) + 2 = 12"), "\(finding.detail)")
        #expect(finding.detail.contains("maxPods 17 is above that"))
        // The capacity check takes what the node shows: 17 > 12.
        expectFindings(report, .maxPodsExceedsIPCapacity, severity: .critical, objects: ["maxPods"])
        #expect(report.capacity.ipCapacity == 12)

        var configured = F.vpcCNIExpectations
        configured.awsVpcCni.customNetworking = true
        configured.maxPods = 12
        let healthy = F.analyze(snapshot, configured)
        expectNoFinding(healthy, .customNetworkingMismatch)
        expectNoFinding(healthy, .maxPodsExceedsIPCapacity)
    }

    @Test("custom-networking-mismatch: configured, but pods hold primary-ENI addresses")
    func customNetworkingConfiguredButUnused() throws {
        var configured = F.vpcCNIExpectations
        configured.awsVpcCni.customNetworking = true
        let report = F.analyze(try F.vpcCNI(), configured)
        expectFindings(report, .customNetworkingMismatch, severity: .warning, objects: ["awsVpcCni.customNetworking"])
        #expect(report.capacity.ipCapacity == 17, "the capacity follows the node: no custom networking")
    }

    // MARK: neighbour-table-pressure, conntrack-table-pressure

    /// The Calico fixture with `count` extra REACHABLE neighbours on eth0 (10.128.x.y).
    static func calicoWithNeighbours(_ count: Int, family: AddressFamily = .ipv4) throws -> NodeSnapshot {
        var snapshot = try F.calico()
        let eth0 = snapshot.index(of: "eth0")
        for number in 0..<count {
            let address: IPAddress =
                family == .ipv4 ? .v4(0x0A80_0000 + UInt32(number)) : .v6(UInt128(0xfd00) << 112 + UInt128(number))
            snapshot.neighbours.append(
                Neighbour(interfaceIndex: eth0, address: address, mac: HardwareAddress("02:aa:00:00:00:01"), state: .reachable))
        }
        return snapshot
    }

    @Test("neighbour-table-pressure: warning from 90 % of gc_thresh3, critical at it; permanent entries exempt")
    func neighbourPressure() throws {
        let table = NeighbourTableUsage(entries: 5000, gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024)
        let existing = try F.calico().neighbours.filter { $0.family == .ipv4 && !$0.state.contains(.permanent) }.count
        // The kernel's total (5000, permanent entries of every namespace included) alone is no finding.
        var snapshot = try Self.calicoWithNeighbours(921 - existing)  // 89.9 %
        snapshot.host.ipv4NeighbourTable = table
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .neighbourTablePressure)
        snapshot = try Self.calicoWithNeighbours(922 - existing)
        snapshot.host.ipv4NeighbourTable = table
        let warning = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(warning, .neighbourTablePressure, severity: .warning, objects: ["net.ipv4.neigh.default.gc_thresh3"])
        #expect(warning.findings(.neighbourTablePressure).first?.remediation.contains("gc_thresh3=2048") == true)
        // Permanent ones (Felix's VXLAN neighbours) do not count.
        for position in snapshot.neighbours.indices.suffix(10) { snapshot.neighbours[position].state = .permanent }
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .neighbourTablePressure)
        snapshot = try Self.calicoWithNeighbours(1024 - existing)
        snapshot.host.ipv4NeighbourTable = table
        expectFindings(
            F.analyze(snapshot, F.calicoExpectations), .neighbourTablePressure, severity: .critical,
            objects: ["net.ipv4.neigh.default.gc_thresh3"])
        snapshot.host.ipv4NeighbourTable = nil
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .neighbourTablePressure)
        var v6 = try Self.calicoWithNeighbours(3700, family: .ipv6)
        v6.host.ipv6NeighbourTable = NeighbourTableUsage(entries: 3800, gcThresh1: 512, gcThresh2: 2048, gcThresh3: 4096)
        expectFindings(
            F.analyze(v6, F.calicoExpectations), .neighbourTablePressure, severity: .warning,
            objects: ["net.ipv6.neigh.default.gc_thresh3"])
    }

    @Test("neighbour-table-pressure: before kernel 5.0 permanent entries count too, so the kernel's total is compared")
    func neighbourPressureOldKernel() throws {
        // 60 non-permanent entries here, 950 in the kernel's table (Calico's permanent VTEP neighbours).
        var snapshot = try Self.calicoWithNeighbours(60)
        snapshot.host.ipv4NeighbourTable = NeighbourTableUsage(entries: 950, gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024)
        var expectations = F.calicoExpectations
        expectations.kernelRelease = "5.4.0-1103-aws"
        expectNoFinding(F.analyze(snapshot, expectations), .neighbourTablePressure)
        expectations.kernelRelease = "4.14.336-257.566.amzn2.x86_64"
        let report = F.analyze(snapshot, expectations)
        expectFindings(report, .neighbourTablePressure, severity: .warning, objects: ["net.ipv4.neigh.default.gc_thresh3"])
        let finding = try #require(report.findings(.neighbourTablePressure).first)
        #expect(finding.summary.contains("950 of 1024"), "\(finding.summary)")
        #expect(finding.detail.contains("permanent ones included"), "\(finding.detail)")
    }

    @Test("conntrack-table-pressure: warning from 90 %, critical when full, quiet without conntrack")
    func conntrackPressure() throws {
        var snapshot = try F.vpcCNI()
        expectNoFinding(F.analyze(snapshot, F.vpcCNIExpectations), .conntrackTablePressure)
        snapshot.host.conntrack = ConntrackUsage(count: 235_000, max: 262_144)
        expectNoFinding(F.analyze(snapshot, F.vpcCNIExpectations), .conntrackTablePressure)
        snapshot.host.conntrack = ConntrackUsage(count: 236_000, max: 262_144)
        expectFindings(
            F.analyze(snapshot, F.vpcCNIExpectations), .conntrackTablePressure, severity: .warning,
            objects: ["net.netfilter.nf_conntrack_max"])
        snapshot.host.conntrack = ConntrackUsage(count: 262_144, max: 262_144)
        expectFindings(
            F.analyze(snapshot, F.vpcCNIExpectations), .conntrackTablePressure, severity: .critical,
            objects: ["net.netfilter.nf_conntrack_max"])
    }
}

@Suite("calico.vxlanMode in podnetd.yaml")
struct VXLANModeConfigTests {
    @Test("Always and CrossSubnet parse; unset leaves the mode to inference; anything else names key and line")
    func parse() throws {
        let always = try PodnetConfigFile.parse(yaml: "calico:\n  vxlanMode: Always\n", path: "podnetd.yaml")
        #expect(always.calico.vxlanMode == .always)
        let cross = try PodnetConfigFile.parse(yaml: "calico:\n  vxlanMode: CrossSubnet\n", path: "podnetd.yaml")
        #expect(cross.calico.vxlanMode == .crossSubnet)
        #expect(try PodnetConfigFile.parse(yaml: "calico: {}\n", path: "podnetd.yaml").calico.vxlanMode == nil)
        do {
            _ = try PodnetConfigFile.parse(yaml: "cni: auto\ncalico:\n  vxlanMode: always\n", path: "podnetd.yaml")
            Issue.record("a lower-case mode was accepted")
        } catch {
            #expect(
                "\(error)" == "podnetd.yaml:3: calico.vxlanMode: expected one of Always, CrossSubnet, got \"always\"",
                "\(error)")
        }
    }
}
