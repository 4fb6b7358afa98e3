import CNetlink
import PodnetModel

/// RTM_NEWRULE / RTM_DELRULE → `Rule`, by walking the attributes directly: libnl 3.7's rule object has
/// no getter for the invert flag or suppress_prefixlen.
enum RuleConverter {
    /// Size of `struct fib_rule_hdr`.
    static let familyHeaderSize = 12

    private static let fraDst: UInt16 = 1
    private static let fraSrc: UInt16 = 2
    private static let fraIifname: UInt16 = 3
    private static let fraGoto: UInt16 = 4
    private static let fraPriority: UInt16 = 6
    private static let fraFwmark: UInt16 = 10
    private static let fraSuppressPrefixlen: UInt16 = 14
    private static let fraTable: UInt16 = 15
    private static let fraFwmask: UInt16 = 16
    private static let fraOifname: UInt16 = 17
    // Selectors podnetd does not model; reported as `Rule.otherSelectors` so the rule is not mistaken
    // for a catch-all.
    private static let fraTunID: UInt16 = 12
    private static let fraL3mdev: UInt16 = 19
    private static let fraUIDRange: UInt16 = 20
    private static let fraIPProto: UInt16 = 22
    private static let fraSportRange: UInt16 = 23
    private static let fraDportRange: UInt16 = 24
    /// FIB_RULE_INVERT (`not`).
    private static let invertFlag: UInt32 = 0x2

    /// The IPv4 or IPv6 rule in `message`; nil for other families (128/129: multicast routing rules).
    static func rule(from message: NetlinkMessage) -> Rule? {
        guard message.hasFamilyHeader(familyHeaderSize), let family = message.ipFamily else { return nil }
        let destinationLength = Int(message.payloadByte(1))
        let sourceLength = Int(message.payloadByte(2))
        var rule = Rule(
            family: family, priority: 0, action: RuleAction(rawValue: message.payloadByte(7)),
            table: RouteTable(rawValue: UInt32(message.payloadByte(4))), tos: message.payloadByte(3),
            invert: message.payload(UInt32.self, at: 8) & invertFlag != 0)
        var others: [(UInt16, String)] = []
        for attribute in message.attributes(afterFamilyHeader: familyHeaderSize) {
            switch attribute.type {
            case fraPriority: rule.priority = attribute.u32 ?? 0
            case fraTable: rule.table = RouteTable(rawValue: attribute.u32 ?? rule.table.rawValue)
            case fraSrc: rule.from = attribute.ipAddress.flatMap { IPPrefix(address: $0, length: sourceLength) }
            case fraDst: rule.to = attribute.ipAddress.flatMap { IPPrefix(address: $0, length: destinationLength) }
            case fraIifname: rule.inputInterface = attribute.string
            case fraOifname: rule.outputInterface = attribute.string
            case fraFwmark: rule.fwmark = attribute.u32
            case fraFwmask: rule.fwmask = attribute.u32
            case fraGoto: rule.gotoTarget = attribute.u32
            case fraSuppressPrefixlen:
                // The kernel sends -1 for "not set" with every rule.
                rule.suppressPrefixLength = attribute.s32.flatMap { $0 == -1 ? nil : $0 }
            default:
                if let selector = otherSelector(attribute) { others.append((attribute.type, selector)) }
            }
        }
        if !others.isEmpty {
            // In `ip rule show`'s order, not the kernel's attribute order.
            rule.otherSelectors = others.sorted { printOrder($0.0) < printOrder($1.0) }.map(\.1)
        }
        // `fwmark 0/MASK` arrives as FRA_FWMASK alone (the kernel omits a zero mark): it still matches marks.
        if rule.fwmask != nil && rule.fwmark == nil { rule.fwmark = 0 }
        return rule
    }

    /// An unmodeled selector in `ip rule` syntax, or nil for any other attribute.
    private static func otherSelector(_ attribute: NetlinkAttribute) -> String? {
        let value = attribute.value
        switch attribute.type {
        case fraIPProto:
            return attribute.u8.map { "ipproto \(protocolName($0))" }
        case fraSportRange, fraDportRange:
            // struct fib_rule_port_range { __u16 start, end; } (host order)
            guard value.count >= 4 else { return nil }
            let start = value.loadUnaligned(fromByteOffset: 0, as: UInt16.self)
            let end = value.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
            let name = attribute.type == fraSportRange ? "sport" : "dport"
            return start == end ? "\(name) \(start)" : "\(name) \(start)-\(end)"
        case fraUIDRange:
            // struct fib_rule_uid_range { __u32 start, end; }
            guard value.count >= 8 else { return nil }
            let start = value.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
            let end = value.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            return "uidrange \(start)-\(end)"
        case fraL3mdev:
            return attribute.u8 == 0 ? nil : "l3mdev"
        case fraTunID:
            // __be64
            guard value.count >= 8 else { return nil }
            return "tun_id \(UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)))"
        default:
            return nil
        }
    }

    /// Where `ip rule show` prints an unmodeled selector.
    private static func printOrder(_ type: UInt16) -> Int {
        [fraL3mdev, fraUIDRange, fraIPProto, fraSportRange, fraDportRange, fraTunID].firstIndex(of: type) ?? 99
    }

    /// The /etc/protocols name `ip` prints for the common IP protocols, else the number.
    private static func protocolName(_ number: UInt8) -> String {
        switch number {
        case 1: return "icmp"
        case 6: return "tcp"
        case 17: return "udp"
        case 58: return "ipv6-icmp"
        case 132: return "sctp"
        default: return String(number)
        }
    }
}
