import Foundation
import PodnetCluster
import PodnetModel
import Testing

@Suite("ipamd's checkpoint and introspection formats")
struct IpamdReaderTests {
    @Test("the checkpoint (vpc-cni-ipam/1) gives the allocations with their pods")
    func checkpoint() throws {
        let path = NSTemporaryDirectory() + "ipam-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            {"version":"vpc-cni-ipam/1","allocations":[
              {"networkName":"aws-cni","containerID":"9f3c","ifName":"eth0","ipv4":"192.168.81.45","allocationTimestamp":1700000000000000000,
               "metadata":{"k8sPodNamespace":"default","k8sPodName":"web-1"}},
              {"networkName":"aws-cni","containerID":"77aa","ifName":"eth0","ipv4":"192.168.70.12","allocationTimestamp":1700000000000000000,
               "metadata":{}}]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let allocations = try #require(try IpamdReader.readCheckpoint(path: path))
        #expect(allocations == [
            IpamdAllocation(address: IPAddress("192.168.81.45")!, containerID: "9f3c", pod: "default/web-1"),
            IpamdAllocation(address: IPAddress("192.168.70.12")!, containerID: "77aa", pod: nil),
        ])
        #expect(try IpamdReader.readCheckpoint(path: path + ".absent") == nil)
        try #"{"version":"vpc-cni-ipam/2","allocations":[]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: KubeError.self) { try IpamdReader.readCheckpoint(path: path) }
    }

    @Test("/v1/enis: per network card, assigned and cooling addresses, the ENI's route table")
    func introspection() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_100)
        let json = """
            {"0":{"TotalIPs":3,"AssignedIPs":1,"ENIs":{
              "eni-0aaa":{"ID":"eni-0aaa","IsPrimary":true,"IsTrunk":false,"IsEFA":false,"DeviceNumber":0,
                "AvailableIPv4Cidrs":{"192.168.70.12/32":{"Cidr":{"IP":"192.168.70.12","Mask":"/////w=="},"IPAddresses":{
                  "192.168.70.12":{"Address":"192.168.70.12","IPAMKey":{"networkName":"aws-cni","containerID":"","ifName":""},
                    "IPAMMetadata":{},"AssignedTime":"2023-11-14T22:13:00Z","UnassignedTime":"0001-01-01T00:00:00Z"}},
                  "IsPrefix":false,"AddressFamily":"4"}},
                "IPv6Cidrs":{},"IsExcludedForPodIPs":false,"RouteTableID":254,"SubnetID":"subnet-1"},
              "eni-0bbb":{"ID":"eni-0bbb","IsPrimary":false,"IsTrunk":false,"IsEFA":false,"DeviceNumber":1,
                "AvailableIPv4Cidrs":{
                  "192.168.81.45/32":{"Cidr":{"IP":"192.168.81.45","Mask":"/////w=="},"IPAddresses":{
                    "192.168.81.45":{"Address":"192.168.81.45","IPAMKey":{"networkName":"","containerID":"","ifName":""},
                      "IPAMMetadata":{},"AssignedTime":"2023-11-14T22:13:00Z","UnassignedTime":"2023-11-14T22:14:50.123456789Z"}},
                    "IsPrefix":false,"AddressFamily":"4"},
                  "192.168.77.201/32":{"Cidr":{"IP":"192.168.77.201","Mask":"/////w=="},"IPAddresses":{
                    "192.168.77.201":{"Address":"192.168.77.201","IPAMKey":{"networkName":"","containerID":"","ifName":""},
                      "IPAMMetadata":{},"AssignedTime":"0001-01-01T00:00:00Z","UnassignedTime":"0001-01-01T00:00:00Z"}},
                    "IsPrefix":false,"AddressFamily":"4"}},
                "IPv6Cidrs":{},"IsExcludedForPodIPs":false,"RouteTableID":2,"SubnetID":"subnet-1"}}}}
            """
        let enis = try IpamdReader.parseENIs(Data(json.utf8), now: now)
        #expect(enis.map(\.id) == ["eni-0aaa", "eni-0bbb"])
        #expect(enis[0].isPrimary && enis[0].routeTable == 254)
        #expect(enis[1].routeTable == 2 && enis[1].deviceNumber == 1)
        #expect(enis[0].addresses == [IpamdAddress(address: IPAddress("192.168.70.12")!, assigned: true)])
        #expect(enis[1].addresses == [
            IpamdAddress(address: IPAddress("192.168.77.201")!, assigned: false, coolingDown: false),
            IpamdAddress(address: IPAddress("192.168.81.45")!, assigned: false, coolingDown: true),
        ])
    }

    @Test("addresses ipamd has not handed out yet are free: a /32 with an empty map, a /28 prefix with 2 used")
    func lazilyFilledCIDRs() throws {
        // ipamd adds a CIDR with an empty IPAddresses map and lists an address only once a pod took it.
        let json = """
            {"0":{"TotalIPs":18,"AssignedIPs":1,"ENIs":{
              "eni-0aaa":{"ID":"eni-0aaa","IsPrimary":true,"DeviceNumber":0,
                "AvailableIPv4Cidrs":{
                  "10.0.0.60/32":{"Cidr":{"IP":"10.0.0.60","Mask":"/////w=="},"IPAddresses":{},"IsPrefix":false,"AddressFamily":"4"},
                  "10.0.0.61/32":{"Cidr":{"IP":"10.0.0.61","Mask":"/////w=="},"IPAddresses":{},"IsPrefix":false,"AddressFamily":"4"}},
                "IsExcludedForPodIPs":false,"RouteTableID":254},
              "eni-0ccc":{"ID":"eni-0ccc","IsPrimary":false,"DeviceNumber":2,
                "AvailableIPv4Cidrs":{
                  "10.0.2.16/28":{"Cidr":{"IP":"10.0.2.16","Mask":"////8A=="},"IPAddresses":{
                    "10.0.2.16":{"Address":"10.0.2.16","IPAMKey":{"networkName":"aws-cni"},"UnassignedTime":"0001-01-01T00:00:00Z"},
                    "10.0.2.17":{"Address":"10.0.2.17","IPAMKey":{"networkName":""},"UnassignedTime":"2023-11-14T22:14:50Z"}},
                    "IsPrefix":true,"AddressFamily":"4"}},
                "IsExcludedForPodIPs":true,"RouteTableID":3}}}}
            """
        let enis = try IpamdReader.parseENIs(Data(json.utf8), now: Date(timeIntervalSince1970: 1_700_000_100))
        #expect(enis.map(\.id) == ["eni-0aaa", "eni-0ccc"])
        #expect(enis[0].addresses == [
            IpamdAddress(address: IPAddress("10.0.0.60")!, assigned: false),
            IpamdAddress(address: IPAddress("10.0.0.61")!, assigned: false),
        ])
        #expect(enis[0].excludedFromPodIPs == nil)
        #expect(enis[1].addresses.count == 16)
        #expect(enis[1].addresses.first == IpamdAddress(address: IPAddress("10.0.2.16")!, assigned: true))
        #expect(enis[1].addresses[1] == IpamdAddress(address: IPAddress("10.0.2.17")!, assigned: false, coolingDown: true))
        #expect(enis[1].addresses.last == IpamdAddress(address: IPAddress("10.0.2.31")!, assigned: false))
        #expect(enis[1].excludedFromPodIPs == true)
    }
}
