import Glibc
import Testing

@testable import PodnetHTTP

/// The system-call layer's promises that the loop relies on.
@Suite struct SocketTests {
    @Test func sendOnAShutDownSocketReportsEPIPEInsteadOfRaisingSIGPIPE() throws {
        // SIGPIPE at its default (terminate) for the test: without MSG_NOSIGNAL this test process would
        // die. Other code in the process may have ignored it (SwiftNIO does), so set it, and restore it.
        var defaultAction = sigaction()
        defaultAction.__sigaction_handler.sa_handler = SIG_DFL
        var previous = sigaction()
        #expect(sigaction(SIGPIPE, &defaultAction, &previous) == 0)
        defer { sigaction(SIGPIPE, &previous, nil) }
        let (left, right) = try Socket.pair().get()
        defer {
            Socket.close(left)
            Socket.close(right)
        }
        Socket.shutdownWrite(left)
        let outcome = [UInt8](repeating: 1, count: 10).withUnsafeBytes { Socket.send(left, $0) }
        #expect(outcome == .failed(EPIPE))
    }

    @Test func receiveOnAnEmptyNonBlockingSocketWouldBlockAndSeesEndOfFile() throws {
        let (left, right) = try Socket.pair().get()
        defer { Socket.close(left) }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
        defer { scratch.deallocate() }
        #expect(Socket.receive(left, into: scratch) == .wouldBlock)
        Socket.close(right)
        #expect(Socket.receive(left, into: scratch) == .endOfFile)
    }

    @Test func listenerAndAcceptedSocketsAreCloseOnExecAndNonBlocking() throws {
        let address = try #require(SocketAddress(host: "127.0.0.1", port: 0))
        let (listener, bound) = try Socket.listen(on: address, named: "test", backlog: 8).get()
        defer { Socket.close(listener) }
        #expect(fcntl(listener, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(listener, F_GETFL) & O_NONBLOCK != 0)
        #expect(Socket.accept(listener) == .wouldBlock)
        let client = try RawClient(port: bound.port)
        var accepted: Int32 = -1
        for _ in 0..<100 where accepted < 0 {
            if case .accepted(let descriptor, _) = Socket.accept(listener) { accepted = descriptor } else { usleep(1000) }
        }
        #expect(accepted >= 0)
        defer { Socket.close(accepted) }
        #expect(fcntl(accepted, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(accepted, F_GETFL) & O_NONBLOCK != 0)
        _ = client
    }
}
