import PodnetModel
import Testing

/// `EchoedInput`: values repeated in errors stay on one line and short.
@Suite struct EchoedInputTests {
    @Test("a short value is quoted as it is")
    func shortValue() {
        #expect(EchoedInput.quoted("t3a.mediun") == "\"t3a.mediun\"")
        #expect(EchoedInput.bare("192.168.0.0/33") == "192.168.0.0/33")
    }

    @Test("newlines, NULs, tabs, escape sequences, quotes and backslashes are escaped")
    func controlCharacters() {
        #expect(EchoedInput.quoted("a\nb\0c\td\r\u{1B}[31m\"q\"\\") == #""a\nb\0c\td\r\u{1B}[31m\"q\"\\""#)
        #expect(EchoedInput.bare("line\u{2028}sep\u{85}") == #"line\u{2028}sep\u{85}"#)
        #expect(!EchoedInput.quoted("x\ny").contains("\n"))
    }

    @Test("a 1 MB value is cut after 64 characters and says how long it was")
    func longValue() {
        let value = String(repeating: "a", count: 1_000_000)
        let quoted = EchoedInput.quoted(value)
        #expect(quoted == "\"" + String(repeating: "a", count: 64) + "…\" (1000000 characters)")
        #expect(EchoedInput.bare(value, limit: 10) == "aaaaaaaaaa… (1000000 characters)")
        // Exactly at the limit: not cut.
        #expect(
            EchoedInput.quoted(String(repeating: "b", count: 64)) == "\"" + String(repeating: "b", count: 64) + "\"")
    }

    @Test("RFC 3339 timestamps: what dumps write and the RFC allows pass, anything else fails")
    func timestamps() {
        for good in [
            "2026-11-22T03:00:00Z", "2026-11-22t03:00:00z", "2026-11-22T03:00:00.123Z", "2026-11-22T03:00:00+05:30",
        ] {
            #expect(RFC3339.isTimestamp(good), "\(good)")
        }
        for bad in [
            "", "yesterday", "2026-13-01T00:00:00Z", "2026-11-22 03:00:00Z", "2026-11-22T03:00:00",
            "2026-11-22T03:00:00Zjunk",
            "2026-11-22T03:00:00.Z", "2026-11-22T24:00:00Z",
        ] {
            #expect(!RFC3339.isTimestamp(bad), "\(bad)")
        }
    }
}
