import Foundation
import Glibc
import Testing

@testable import PodnetHTTP

/// Clients that ask for a large body and never read it: they must neither hold the slots (they are
/// not being answered, they wait on themselves) nor make the server copy the body per connection.
@Suite(.serialized) struct StalledReaderTests {
    /// The process's resident set, in bytes.
    static func residentBytes() -> Int {
        let fields = ((try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "").split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test("clients that take nothing of their response for over a second are displaced by a fresh request")
    func stalledReadersGiveWay() throws {
        let limit = 4
        let configuration = HTTPServerConfiguration(
            host: "127.0.0.1", port: 0, readTimeout: .seconds(10), maxConnections: limit, maxConnectionsPerPeer: limit)
        // Larger than loopback's socket buffers hold, so each response stays pending.
        let body = [UInt8](repeating: 0x61, count: 48 << 20)
        try withServer(configuration, handler: { _ in HTTPResponse(status: 200, contentType: "text/plain", body: body) }) {
            _, port in
            var stalled: [RawClient] = []
            for _ in 0..<limit {
                let client = try RawClient(port: port)
                try client.send(get("/big"))
                stalled.append(client)
            }
            // Past the grace: none of them has taken a byte for a second and a half.
            usleep(1_500_000)
            for _ in 0..<limit {
                let fresh = try RawClient(port: port)
                try fresh.send(get("/healthz"))
                let response = try fresh.readResponse(head: true, timeout: .seconds(3))
                #expect(response.status == 200, "a fresh client behind \(limit) stalled readers")
            }
            stalled.removeAll()
        }
    }

    @Test("64 clients not reading the same 8 MB body: the server holds it once, not 64 times")
    func unreadBodiesAreShared() throws {
        let clients = 64
        let configuration = HTTPServerConfiguration(
            host: "127.0.0.1", port: 0, readTimeout: .seconds(10), maxConnections: 256, maxConnectionsPerPeer: 256)
        let body = [UInt8](repeating: 0x62, count: 8 << 20)
        try withServer(configuration, handler: { _ in HTTPResponse(status: 200, contentType: "text/plain", body: body) }) {
            _, port in
            let before = Self.residentBytes()
            var stalled: [RawClient] = []
            for _ in 0..<clients {
                let client = try RawClient(port: port)
                try client.send(get("/big"))
                stalled.append(client)
            }
            usleep(500_000)
            let growth = Self.residentBytes() - before
            // A copy per connection is 512 MiB; shared, what grows is the kernel's (not resident here).
            #expect(growth < 128 << 20, "resident memory grew by \(growth >> 20) MiB for \(clients) unread responses")
            stalled.removeAll()
        }
    }
}
