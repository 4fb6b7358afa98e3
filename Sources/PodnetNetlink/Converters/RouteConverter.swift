import CNetlink
import PodnetModel

/// RTM_NEWROUTE / RTM_DELROUTE → `Route`, by walking the attributes directly.
///
/// Not libnl's route object: its cache drops routes that differ only in device, and a Swift walk is
/// the fastest per-message parser measured (see libnl-notes.md). Used for dumps and events alike.
enum RouteConverter {
    /// Size of `struct rtmsg`.
    static let familyHeaderSize = 12

    private static let rtaDst: UInt16 = 1
    private static let rtaSrc: UInt16 = 2
    private static let rtaOif: UInt16 = 4
    private static let rtaGateway: UInt16 = 5
    private static let rtaPriority: UInt16 = 6
    private static let rtaPrefsrc: UInt16 = 7
    private static let rtaMultipath: UInt16 = 9
    private static let rtaTable: UInt16 = 15
    private static let rtaVia: UInt16 = 18
    /// RTM_F_CLONED: a cached exception, not a FIB route (dumps do not return these).
    private static let clonedFlag: UInt32 = 0x200

    /// The route in `message`, or nil for other families, cloned entries and malformed messages.
    static func route(from message: NetlinkMessage) -> Route? {
        guard message.hasFamilyHeader(familyHeaderSize), let family = message.ipFamily else { return nil }
        let flags = message.payload(UInt32.self, at: 8)
        guard flags & clonedFlag == 0 else { return nil }
        let destinationLength = Int(message.payloadByte(1))
        let sourceLength = Int(message.payloadByte(2))
        let zero: IPAddress = family == .ipv4 ? .v4(0) : .v6(0)

        var table = UInt32(message.payloadByte(4))
        var destination: IPAddress?
        var source: IPAddress?
        var preferredSource: IPAddress?
        var priority: UInt32 = 0
        var gateway: IPAddress?
        var outputInterface: Int32?
        var multipath: NetlinkAttribute?

        for attribute in message.attributes(afterFamilyHeader: familyHeaderSize) {
            switch attribute.type {
            case rtaTable: table = attribute.u32 ?? table
            case rtaDst: destination = attribute.ipAddress
            case rtaSrc: source = attribute.ipAddress
            case rtaPrefsrc: preferredSource = attribute.ipAddress
            case rtaPriority: priority = attribute.u32 ?? 0
            case rtaGateway: gateway = attribute.ipAddress
            case rtaVia: gateway = viaAddress(attribute) ?? gateway
            case rtaOif: outputInterface = attribute.s32
            case rtaMultipath: multipath = attribute
            default: break
            }
        }

        guard let destinationPrefix = IPPrefix(address: destination ?? zero, length: destinationLength) else {
            return nil
        }
        var sourcePrefix: IPPrefix?
        if source != nil || sourceLength > 0 {
            sourcePrefix = IPPrefix(address: source ?? zero, length: sourceLength)
        }

        var hops: [NextHop]
        if let multipath {
            hops = nextHops(multipath)
        } else if gateway != nil || outputInterface != nil {
            hops = [
                NextHop(
                    gateway: gateway, interfaceIndex: outputInterface.map(InterfaceIndex.init(rawValue:)),
                    flags: NextHopFlags(rawValue: UInt8(truncatingIfNeeded: flags)), weight: 1)
            ]
        } else {
            hops = []
        }

        return Route(
            family: family, table: RouteTable(rawValue: table), type: RouteType(rawValue: message.payloadByte(7)),
            protocol_: RouteProtocol(rawValue: message.payloadByte(5)),
            scope: RouteScope(rawValue: message.payloadByte(6)), destination: destinationPrefix, source: sourcePrefix,
            preferredSource: preferredSource, priority: priority, tos: message.payloadByte(3), nextHops: hops)
    }

    /// RTA_VIA: `struct rtvia` (2-byte family, then the address).
    private static func viaAddress(_ attribute: NetlinkAttribute) -> IPAddress? {
        guard attribute.value.count > 2 else { return nil }
        return IPAddress(networkBytes: UnsafeRawBufferPointer(rebasing: attribute.value[2...]))
    }

    /// RTA_MULTIPATH: a run of `struct rtnexthop` (len u16, flags u8, hops u8, ifindex s32), each
    /// followed by its own attributes (RTA_GATEWAY, RTA_VIA). Weight as `ip` prints it: hops + 1.
    private static func nextHops(_ attribute: NetlinkAttribute) -> [NextHop] {
        var hops: [NextHop] = []
        let bytes = attribute.value
        var offset = 0
        while bytes.count - offset >= 8 {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            guard length >= 8, length <= bytes.count - offset else { break }
            let flags = bytes[offset + 2]
            let weight = Int(bytes[offset + 3]) + 1
            let index = bytes.loadUnaligned(fromByteOffset: offset + 4, as: Int32.self)
            var gateway: IPAddress?
            let nested = NetlinkAttributes(
                bytes: UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<(offset + length)]))
            for hopAttribute in nested {
                switch hopAttribute.type {
                case rtaGateway: gateway = hopAttribute.ipAddress
                case rtaVia: gateway = viaAddress(hopAttribute) ?? gateway
                default: break
                }
            }
            hops.append(
                NextHop(
                    gateway: gateway, interfaceIndex: index > 0 ? InterfaceIndex(rawValue: index) : nil,
                    flags: NextHopFlags(rawValue: flags), weight: weight))
            offset += netlinkAlign(length)
        }
        return hops
    }
}
