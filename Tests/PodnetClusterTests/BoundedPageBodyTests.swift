import Foundation
@testable import PodnetCluster
import Testing

@Suite("A list page's body is bounded, announced or chunked")
struct BoundedPageBodyTests {
    static let tooLarge = KubeError.decoding("too large")

    @Test("an announced length over the bound is refused before any byte is read")
    func announcedOverTheBound() {
        #expect(throws: KubeError.self) { try BoundedPageBody(announcedLength: 1025, limit: 1024, tooLarge: Self.tooLarge) }
    }

    @Test("a chunked body is refused at the chunk that passes the bound; up to the bound it is kept whole")
    func chunkedOverTheBound() throws {
        var body = try BoundedPageBody(announcedLength: nil, limit: 1024, tooLarge: Self.tooLarge)
        for _ in 0..<4 { try body.append([UInt8](repeating: 0x61, count: 256)) }
        #expect(body.data.count == 1024)
        do {
            try body.append([UInt8(0x62)])
            Issue.record("a byte past the bound was accepted")
        } catch {
            #expect("\(error)" == "too large")
        }
        #expect(body.data == Data(repeating: 0x61, count: 1024))
    }

    @Test("an announced body arrives in chunks into one buffer")
    func announcedInChunks() throws {
        var body = try BoundedPageBody(announcedLength: 10, limit: 1024, tooLarge: Self.tooLarge)
        try body.append(Array("{\"a\":".utf8))
        try body.append(Array(" 12}".utf8))
        #expect(String(decoding: body.data, as: UTF8.self) == "{\"a\": 12}")
    }
}
