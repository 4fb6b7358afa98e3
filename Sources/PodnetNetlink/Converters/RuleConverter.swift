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
    /// FIB_RULE_INVERT (`not`).
    private static let invertFlag: UInt32 = 0x2

    /// The IPv4 or IPv6 rule in `message`; nil for other families (128/129: multicast routing rules).
    static func rule(from message: NetlinkMessage) -> Rule? {
        guard message.hasFamilyHeader(familyHeaderSize) else { return nil }
        let family: AddressFamily
        switch message.payloadByte(0) {
        case 2: family = .ipv4
        case 10: family = .ipv6
        default: return nil
        }
        let destinationLength = Int(message.payloadByte(1))
        let sourceLength = Int(message.payloadByte(2))
        var rule = Rule(
            family: family, priority: 0, action: RuleAction(rawValue: message.payloadByte(7)),
            table: RouteTable(rawValue: UInt32(message.payloadByte(4))), tos: message.payloadByte(3),
            invert: message.payload(UInt32.self, at: 8) & invertFlag != 0)
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
            default: break
            }
        }
        return rule
    }
}
