import Testing

@testable import PodnetModel

@Suite("IP prefix arithmetic")
struct IPPrefixTests {
    @Test("IPv4 parsing rejects malformed text")
    func ipv4Parsing() {
        #expect(IPAddress("192.168.231.3") == .v4(0xC0A8_E703))
        #expect(IPAddress("0.0.0.0") == .v4(0))
        #expect(IPAddress("255.255.255.255") == .v4(UInt32.max))
        for bad in ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "", "a.b.c.d", "1.2.3.4 "] {
            #expect(IPAddress(bad) == nil, "\(bad) must not parse")
        }
    }

    @Test("IPv6 text round-trips as glibc prints it")
    func ipv6Formatting() {
        #expect(IPAddress("fd00:10::10")?.description == "fd00:10::10")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("FE80:0:0:0:0:0:0:1")?.description == "fe80::1")
        #expect(IPAddress("::ffff:192.0.2.1")?.description == "::ffff:192.0.2.1")
        #expect(IPAddress("2001:db8::1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("1:2:3:4:5:6:7:8:9") == nil)
        #expect(IPAddress(":::") == nil)
    }

    @Test("/0 contains every address of its family and none of the other")
    func defaultPrefix() throws {
        let any4 = try #require(IPPrefix("0.0.0.0/0"))
        let any6 = try #require(IPPrefix("::/0"))
        #expect(any4.contains(try #require(IPAddress("203.0.113.9"))))
        #expect(any4.isDefault && any4.routeDescription == "default")
        #expect(!any4.contains(try #require(IPAddress("::1"))))
        #expect(any6.contains(try #require(IPAddress("fd00::1"))))
        #expect(any6.addressCount == UInt128.max)
        #expect(any4.addressCount == 1 << 32)
    }

    @Test("/32 and /128 contain only themselves")
    func hostPrefixes() throws {
        let host4 = try #require(IPPrefix("192.168.231.3/32"))
        #expect(host4.isHost && host4.routeDescription == "192.168.231.3")
        #expect(host4.contains(try #require(IPAddress("192.168.231.3"))))
        #expect(!host4.contains(try #require(IPAddress("192.168.231.4"))))
        let host6 = try #require(IPPrefix("fd00::1/128"))
        #expect(host6.contains(try #require(IPAddress("fd00::1"))))
        #expect(!host6.contains(try #require(IPAddress("fd00::2"))))
        #expect(IPPrefix("10.0.0.1") == IPPrefix("10.0.0.1/32"))
        #expect(IPPrefix("10.0.0.0/33") == nil)
        #expect(IPPrefix("fd00::/129") == nil)
        #expect(IPPrefix("10.0.0.0/-1") == nil)
        #expect(IPPrefix("10.0.0.0/") == nil)
    }

    @Test("a Calico /26 block sits inside its /16 pool; neighbouring blocks do not overlap")
    func blocksAndPools() throws {
        let pool = try #require(IPPrefix("192.168.0.0/16"))
        let block = try #require(IPPrefix("192.168.231.0/26"))
        let next = try #require(IPPrefix("192.168.231.64/26"))
        #expect(pool.contains(block))
        #expect(!block.contains(pool))
        #expect(pool.overlaps(block) && block.overlaps(pool))
        #expect(!block.overlaps(next))
        #expect(block.contains(try #require(IPAddress("192.168.231.63"))))
        #expect(!block.contains(try #require(IPAddress("192.168.231.64"))))
        #expect(block.addressCount == 64)
    }

    @Test("host bits are kept as given and cleared by network")
    func canonicalForm() throws {
        let address = try #require(IPPrefix("10.0.0.5/24"))
        #expect(!address.isCanonical)
        #expect(address.network == IPPrefix("10.0.0.0/24"))
        #expect(address.contains(try #require(IPAddress("10.0.0.200"))))
        let v6 = try #require(IPPrefix("fd00:10::10/64"))
        #expect(v6.network.description == "fd00:10::/64")
    }

    @Test("IPv4-mapped IPv6 addresses never match IPv4 prefixes")
    func ipv4Mapped() throws {
        let mapped = try #require(IPAddress("::ffff:192.168.231.3"))
        #expect(mapped.isIPv4Mapped)
        #expect(mapped.unmappedIPv4 == IPAddress("192.168.231.3"))
        #expect(!(try #require(IPPrefix("192.168.0.0/16"))).contains(mapped))
        #expect((try #require(IPPrefix("::ffff:0:0/96"))).contains(mapped))
        #expect(!(try #require(IPAddress("fd00::1"))).isIPv4Mapped)
    }

    @Test("IPv6 /122 blocks inside a /64 pool")
    func ipv6Blocks() throws {
        let pool = try #require(IPPrefix("fd00:1234::/64"))
        let block = try #require(IPPrefix("fd00:1234::40/122"))
        #expect(pool.contains(block))
        #expect(block.addressCount == 64)
        #expect(!block.contains(try #require(IPAddress("fd00:1234::80"))))
    }

    @Test("ordering puts IPv4 before IPv6 and shorter prefixes first at the same address")
    func ordering() throws {
        let sorted = ["fd00::/8", "10.0.0.0/24", "10.0.0.0/8", "9.0.0.0/8"].compactMap { IPPrefix($0) }.sorted()
        #expect(sorted.map(\.description) == ["9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/24", "fd00::/8"])
    }

    @Test("MAC addresses parse and print lower-case")
    func hardwareAddresses() throws {
        let mac = try #require(HardwareAddress("EE:EE:EE:EE:EE:EE"))
        #expect(mac.description == "ee:ee:ee:ee:ee:ee")
        #expect(HardwareAddress("00:00:00:00:00:00")?.isZero == true)
        #expect(HardwareAddress("zz:00") == nil)
        #expect(HardwareAddress("") == nil)
    }
}
