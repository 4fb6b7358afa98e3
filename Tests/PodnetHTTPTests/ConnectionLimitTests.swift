import Glibc
import Testing

@testable import PodnetHTTP

/// The connection limit: refused clients get 503, admitted ones and later ones are served.
@Suite struct ConnectionLimitTests {
    @Test func fiveHundredConnectionsAgainstALimitOf64() throws {
        let limit = 64
        let total = 500
        try withServer(loopbackConfiguration(readTimeout: .seconds(10), maxConnections: limit)) { _, port in
            var clients: [RawClient] = []
            for _ in 0..<total { clients.append(try RawClient(port: port)) }

            // Refused connections get data and a close right away; admitted ones stay silent.
            var refused = Set<Int>()
            var answered: [Int: [UInt8]] = [:]
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(5)
            while refused.count < total - limit && clock.now < deadline {
                var descriptors = clients.enumerated().filter { !refused.contains($0.offset) }.map {
                    pollfd(fd: $0.element.descriptor, events: Int16(POLLIN), revents: 0)
                }
                let indices = clients.indices.filter { !refused.contains($0) }
                guard poll(&descriptors, nfds_t(descriptors.count), 200) > 0 else { continue }
                for (position, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                    let index = indices[position]
                    answered[index] = clients[index].readUntilClosed(timeout: .seconds(1)) ?? []
                    refused.insert(index)
                }
            }
            #expect(refused.count == total - limit)
            let unavailable = answered.values.filter {
                String(decoding: $0, as: UTF8.self).hasPrefix("HTTP/1.1 503 Service Unavailable\r\n")
            }
            #expect(unavailable.count == total - limit)
            #expect(answered.values.allSatisfy { String(decoding: $0, as: UTF8.self).contains("Connection: close\r\n") })

            // An admitted connection still works.
            let admitted = try #require(clients.indices.first { !refused.contains($0) })
            try clients[admitted].send(get("/healthz"))
            #expect(try clients[admitted].readResponse().status == 200)

            // Once the crowd leaves, a new client is served.
            clients.removeAll()
            var status = 0
            let retryUntil = clock.now + .seconds(3)
            repeat {
                let client = try RawClient(port: port)
                try client.send(get("/healthz"))
                status = try client.readResponse().status
                if status == 503 { usleep(20_000) }
            } while status == 503 && clock.now < retryUntil
            #expect(status == 200)
        }
    }
}
