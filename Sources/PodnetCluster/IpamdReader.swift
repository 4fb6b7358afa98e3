import AsyncHTTPClient
import Foundation
import NIOCore
import PodnetModel

/// Reads the AWS VPC CNI's ipamd record of this node's pod IPs: its checkpoint file (format
/// `vpc-cni-ipam/1`: `{"version", "allocations": [{"networkName", "containerID", "ifName", "ipv4",
/// "allocationTimestamp", "metadata": {"k8sPodNamespace", "k8sPodName"}}]}`) and its introspection
/// endpoint `/v1/enis` (per network card: `{"TotalIPs", "AssignedIPs", "ENIs": {ID: {"ID",
/// "IsPrimary", "DeviceNumber", "RouteTableID", "AvailableIPv4Cidrs": {CIDR: {"IPAddresses":
/// {IP: {"Address", "IPAMKey": {"networkName", …}, "UnassignedTime"}}, "IsPrefix"}},
/// "IsExcludedForPodIPs"}}}}`).
///
/// ipamd fills a CIDR's `IPAddresses` lazily (pkg/ipamd/datastore/data_store.go: a CIDR enters the
/// store with an empty map, an address is added when a pod first takes it and dropped again when
/// reused after its cooldown): an address of a CIDR that is not in the map is free. So the pool is
/// every address of every CIDR (a `/32` secondary IP, or the 16 of a `/28` prefix), as ipamd's
/// own `GetIPStats` counts it, not only the addresses the map lists.
public enum IpamdReader {
    /// ipamd's default IP_COOLDOWN_PERIOD.
    public static let cooldownSeconds: TimeInterval = 30
    public static let checkpointVersion = "vpc-cni-ipam/1"

    struct Checkpoint: Decodable {
        struct Entry: Decodable {
            struct Metadata: Decodable {
                var k8sPodNamespace: String?
                var k8sPodName: String?
            }
            var containerID: String?
            var ipv4: String?
            var metadata: Metadata?
        }
        var version: String
        var allocations: [Entry]?
    }

    struct ENIInfos: Decodable {
        var ENIs: [String: ENI]?
    }
    struct ENI: Decodable {
        struct CidrInfo: Decodable {
            var IPAddresses: [String: AddressInfo]?
            var IsPrefix: Bool?
        }
        struct AddressInfo: Decodable {
            struct Key: Decodable { var networkName: String? }
            var Address: String?
            var IPAMKey: Key?
            var UnassignedTime: String?
        }
        var ID: String
        var IsPrimary: Bool?
        var DeviceNumber: Int?
        var RouteTableID: Int?
        var AvailableIPv4Cidrs: [String: CidrInfo]?
        var IsExcludedForPodIPs: Bool?
    }

    /// The widest CIDR expanded into addresses: ipamd attaches /32 secondary IPs and /28 prefixes.
    static let narrowestExpandedPrefixLength = 24

    /// The checkpoint's allocations; nil when there is no checkpoint file (not a VPC CNI node).
    public static func readCheckpoint(path: String) throws(KubeError) -> [IpamdAllocation]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let checkpoint: Checkpoint
        do {
            checkpoint = try JSONDecoder().decode(Checkpoint.self, from: data)
        } catch {
            throw KubeError.decoding("\(path): not an ipamd checkpoint: \(error)")
        }
        guard checkpoint.version == checkpointVersion else {
            throw KubeError.decoding("\(path): checkpoint version \(checkpoint.version), expected \(checkpointVersion)")
        }
        return (checkpoint.allocations ?? []).compactMap { entry in
            guard let address = entry.ipv4.flatMap({ IPAddress($0) }) else { return nil }
            let pod = entry.metadata.flatMap { meta -> String? in
                guard let name = meta.k8sPodName else { return nil }
                return (meta.k8sPodNamespace.map { $0 + "/" } ?? "") + name
            }
            return IpamdAllocation(address: address, containerID: entry.containerID ?? "", pod: pod)
        }
    }

    /// Parses a `/v1/enis` body: a map of network card → ENIInfos (VPC CNI 1.19 and later), or one
    /// ENIInfos (earlier).
    public static func parseENIs(_ data: Data, now: Date = Date()) throws(KubeError) -> [IpamdENI] {
        let decoder = JSONDecoder()
        var infos: [ENIInfos] = []
        if let single = try? decoder.decode(ENIInfos.self, from: data), single.ENIs != nil {
            infos = [single]
        } else {
            do {
                infos = try decoder.decode([String: ENIInfos].self, from: data).sorted { $0.key < $1.key }.map(\.value)
            } catch {
                throw KubeError.decoding("/v1/enis: not ipamd's ENI list: \(error)")
            }
        }
        var enis: [IpamdENI] = []
        for info in infos {
            for (_, eni) in (info.ENIs ?? [:]).sorted(by: { $0.key < $1.key }) {
                var byAddress: [IPAddress: IpamdAddress] = [:]
                for (key, cidr) in (eni.AvailableIPv4Cidrs ?? [:]) {
                    // Never used yet (or reused and dropped): free. A CIDR key that is not an IPv4
                    // /24–/32 is not expanded; its listed addresses still count.
                    if let prefix = IPPrefix(key), case .v4(let first) = prefix.network.address,
                        prefix.length >= narrowestExpandedPrefixLength
                    {
                        for offset in 0..<(UInt32(1) << UInt32(32 - prefix.length)) {
                            let ip = IPAddress.v4(first + offset)
                            byAddress[ip] = IpamdAddress(address: ip, assigned: false)
                        }
                    }
                    for (key, address) in cidr.IPAddresses ?? [:] {
                        guard let ip = IPAddress(address.Address ?? key) else { continue }
                        let assigned = !(address.IPAMKey?.networkName ?? "").isEmpty
                        let released = address.UnassignedTime.flatMap(parseGoTime)
                        let cooling = !assigned && released.map { now.timeIntervalSince($0) <= cooldownSeconds } == true
                        byAddress[ip] = IpamdAddress(address: ip, assigned: assigned, coolingDown: cooling)
                    }
                }
                let addresses = byAddress.values.sorted { $0.address < $1.address }
                let device = eni.DeviceNumber ?? 0
                let table = eni.RouteTableID.flatMap { $0 > 0 ? UInt32($0) : nil } ?? (device == 0 ? 254 : UInt32(device + 1))
                enis.append(
                    IpamdENI(
                        id: eni.ID, isPrimary: eni.IsPrimary ?? (device == 0), deviceNumber: device, routeTable: table,
                        addresses: addresses, excludedFromPodIPs: eni.IsExcludedForPodIPs == true ? true : nil))
            }
        }
        return enis
    }

    /// Go's `time.Time` JSON (RFC 3339 with up to nanoseconds); nil for the zero time.
    static func parseGoTime(_ text: String) -> Date? {
        guard !text.hasPrefix("0001-") else { return nil }
        var trimmed = text
        if let dot = text.firstIndex(of: ".") {
            let zone = text[dot...].firstIndex { $0 == "Z" || $0 == "+" || $0 == "-" } ?? text.endIndex
            trimmed = String(text[..<dot]) + String(text[zone...])
        }
        return ISO8601DateFormatter().date(from: trimmed)
    }

    /// ipamd's view: the checkpoint, and the introspection endpoint when it answers (within 2 s).
    /// Nil when there is no checkpoint (not a VPC CNI node).
    public static func read(checkpointPath: String, introspectionAddress: String?) async throws(KubeError) -> IpamdView? {
        guard let allocations = try readCheckpoint(path: checkpointPath) else { return nil }
        var view = IpamdView(source: checkpointPath, allocations: allocations)
        guard let introspectionAddress else { return view }
        let url = "http://\(introspectionAddress)/v1/enis"
        do {
            let body = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
                .body.collect(upTo: 16 << 20)
            view.enis = try parseENIs(Data(body.readableBytesView))
            view.source += " and \(url)"
        } catch {
            view.introspectionError = "\(url): \(error)"
        }
        return view
    }
}
