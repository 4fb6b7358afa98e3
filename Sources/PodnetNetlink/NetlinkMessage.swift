import CNetlink
import PodnetModel

/// One rtnetlink message inside a receive buffer: its `nlmsghdr` and payload.
///
/// A view, not a copy: valid only while the datagram it points into is being processed.
struct NetlinkMessage {
    /// The whole message, header included (`nlmsg_len` bytes).
    let bytes: UnsafeRawBufferPointer

    static let headerSize = 16

    var type: UInt16 { bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self) }
    var flags: UInt16 { bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self) }
    var sequence: UInt32 { bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }

    /// Everything after the `nlmsghdr`.
    var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[NetlinkMessage.headerSize...]) }

    /// True when the payload holds at least a family header of `size` bytes.
    func hasFamilyHeader(_ size: Int) -> Bool { payload.count >= size }

    /// The attributes that follow a family header of `size` bytes (`rtmsg`, `ifinfomsg`, …).
    func attributes(afterFamilyHeader size: Int) -> NetlinkAttributes {
        let start = NetlinkMessage.headerSize + netlinkAlign(size)
        guard start <= bytes.count else {
            return NetlinkAttributes(bytes: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return NetlinkAttributes(bytes: UnsafeRawBufferPointer(rebasing: bytes[start...]))
    }

    /// A byte of the payload (family headers are read field by field: they have no padding to trust).
    func payloadByte(_ offset: Int) -> UInt8 { payload[offset] }

    /// The IPv4 or IPv6 family in the first byte of the family header (`rtmsg`, `fib_rule_hdr`, …);
    /// nil for other families. Call after `hasFamilyHeader`.
    var ipFamily: AddressFamily? {
        switch payloadByte(0) {
        case 2: .ipv4
        case 10: .ipv6
        default: nil
        }
    }

    func payload<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        payload.loadUnaligned(fromByteOffset: offset, as: T.self)
    }

    /// The header as libnl's parsers take it. They only read through it.
    var libnlHeader: UnsafeMutablePointer<nlmsghdr>? {
        guard let base = bytes.baseAddress else { return nil }
        return UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: nlmsghdr.self))
    }

    /// Splits a received datagram into its messages; stops at the first malformed length.
    static func forEach<Failure: Error>(
        in datagram: UnsafeRawBufferPointer, _ body: (NetlinkMessage) throws(Failure) -> Bool
    ) throws(Failure) {
        var offset = 0
        while datagram.count - offset >= headerSize {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= headerSize, length <= datagram.count - offset else { return }
            let message = NetlinkMessage(bytes: UnsafeRawBufferPointer(rebasing: datagram[offset..<offset + length]))
            guard try body(message) else { return }
            offset += netlinkAlign(length)
        }
    }
}

/// NLMSG_ALIGN / NLA_ALIGN: round up to 4 bytes.
@inline(__always)
func netlinkAlign(_ length: Int) -> Int { (length + 3) & ~3 }

/// A run of netlink attributes (`struct nlattr` + payload, each 4-byte aligned).
struct NetlinkAttributes: Sequence {
    let bytes: UnsafeRawBufferPointer

    struct Iterator: IteratorProtocol {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func next() -> NetlinkAttribute? {
            guard bytes.count - offset >= 4 else { return nil }
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let type = bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & 0x3fff
            guard length >= 4, length <= bytes.count - offset else { return nil }
            let value = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + length)])
            offset += netlinkAlign(length)
            return NetlinkAttribute(type: type, value: value)
        }
    }

    func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    /// The first attribute of `type`.
    func first(_ type: UInt16) -> NetlinkAttribute? {
        for attribute in self where attribute.type == type { return attribute }
        return nil
    }
}

/// One netlink attribute: its type (flags masked off) and payload.
struct NetlinkAttribute {
    let type: UInt16
    let value: UnsafeRawBufferPointer

    var u8: UInt8? { value.count >= 1 ? value[0] : nil }
    var u16: UInt16? { value.count >= 2 ? value.loadUnaligned(as: UInt16.self) : nil }
    var u32: UInt32? { value.count >= 4 ? value.loadUnaligned(as: UInt32.self) : nil }
    var s32: Int32? { value.count >= 4 ? value.loadUnaligned(as: Int32.self) : nil }

    /// The payload as nested attributes.
    var nested: NetlinkAttributes { NetlinkAttributes(bytes: value) }

    /// A NUL-terminated (or unterminated) string.
    var string: String? {
        guard !value.isEmpty else { return nil }
        let end = value.firstIndex(of: 0) ?? value.count
        return String(decoding: UnsafeRawBufferPointer(rebasing: value[..<end]), as: UTF8.self)
    }

    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order.
    var ipAddress: IPAddress? { IPAddress(networkBytes: value) }

    /// A link-layer address (any non-empty length).
    var hardwareAddress: HardwareAddress? { value.isEmpty ? nil : HardwareAddress(bytes: Array(value)) }
}

extension IPAddress {
    /// An address from 4 or 16 network-order bytes, without a per-byte loop.
    init?(networkBytes raw: UnsafeRawBufferPointer) {
        switch raw.count {
        case 4:
            self = .v4(UInt32(bigEndian: raw.loadUnaligned(as: UInt32.self)))
        case 16:
            let high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            let low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            self = .v6(UInt128(high) << 64 | UInt128(low))
        default:
            return nil
        }
    }
}
