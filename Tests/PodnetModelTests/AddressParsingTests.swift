import Testing

@testable import PodnetModel

@Suite("address text parsing")
struct AddressParsingTests {
    @Test("IPv6 text with an embedded NUL is rejected (inet_pton would stop at it)")
    func ipv6WithNUL() {
        #expect(IPAddress("::1\0garbage") == nil)
        #expect(IPAddress("::1\0") == nil)
        #expect(IPAddress("10.0.0.1\0") == nil)
        #expect(IPAddress("::1") == .v6(1))
    }

    @Test("MAC bytes must be hex digits: no signs")
    func macWithSigns() {
        #expect(HardwareAddress("+a:-0") == nil)
        #expect(HardwareAddress("02:00:00:00:00:+1") == nil)
        #expect(HardwareAddress("-0:00:00:00:00:01") == nil)
        #expect(HardwareAddress("02:aB:0:00:00:01")?.bytes == [2, 0xab, 0, 0, 0, 1])
    }

    @Test("a rule's unmodeled selectors are printed, and a mask-only mark as mark 0")
    func ruleOtherSelectors() {
        let rule = Rule(
            family: .ipv4, priority: 20, table: RouteTable(100), fwmark: 0, fwmask: 0x100000,
            otherSelectors: ["ipproto tcp", "dport 80"])
        #expect(rule.ipSyntax() == "20: from all fwmark 0x0/0x100000 ipproto tcp dport 80 lookup 100")
    }
}

@Suite("timestamps")
struct RFC3339Tests {
    @Test("UTC with seconds and a Z, zero-padded")
    func format() {
        #expect(RFC3339.format(secondsSince1970: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(secondsSince1970: 1_795_000_000) == "2026-11-18T11:06:40Z")
        #expect(RFC3339.now().count == 20)
    }
}
