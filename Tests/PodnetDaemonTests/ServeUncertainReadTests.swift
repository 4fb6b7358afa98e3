import Foundation
import PodnetTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `podnetd serve` when every dump is torn (a shim preloaded into the daemon marks each dump reply
/// NLM_F_DUMP_INTR, as the kernel does when a change overlapped the dump, while a trigger file
/// exists): the daemon keeps its last status, and the metrics count the uncertain reads.
@Suite("serve: uncertain reads", .timeLimit(.minutes(1)))
struct ServeUncertainReadTests {
    /// While the file named by `PODNETD_TEST_TORN_DUMPS` exists, every multipart (dump) message received
    /// on a netlink socket is flagged interrupted; notifications and other sockets are left alone.
    static let tornDumpSource = """
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <stdlib.h>
        #include <unistd.h>
        #include <sys/socket.h>
        #include <linux/netlink.h>

        ssize_t recv(int fd, void *buffer, size_t length, int flags) {
            static ssize_t (*real)(int, void *, size_t, int);
            if (!real) real = (ssize_t (*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
            ssize_t received = real(fd, buffer, length, flags);
            const char *trigger = getenv("PODNETD_TEST_TORN_DUMPS");
            if (received <= 0 || !trigger || access(trigger, F_OK) != 0) return received;
            struct sockaddr_storage address;
            socklen_t size = sizeof address;
            if (getsockname(fd, (struct sockaddr *)&address, &size) != 0 || address.ss_family != AF_NETLINK) return received;
            int left = (int)received;
            for (struct nlmsghdr *header = buffer; NLMSG_OK(header, left); header = NLMSG_NEXT(header, left)) {
                if (header->nlmsg_flags & NLM_F_MULTI) header->nlmsg_flags |= NLM_F_DUMP_INTR;
            }
            return received;
        }

        """

    @Test("torn dumps after a reload: the last status stays, podnetd_uncertain_snapshots_total counts them, and stops when reads are whole again")
    func uncertainReadsAreCounted() throws {
        try requireRootAndIPRoute2()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let shim = try PreloadShim.build("torndumps", source: Self.tornDumpSource, in: directory)
        let trigger = directory.file("torn")
        try withCalicoNode(CalicoNodeScenario()) { node in
            let daemon = try ServedDaemon(
                in: node.namespace, directory: directory, config: ServeConfig.text(),
                environment: ["LD_PRELOAD": shim, "PODNETD_TEST_TORN_DUMPS": trigger])
            defer { daemon.stop() }
            try daemon.waitUntilReady()
            func uncertain() throws -> Double? {
                try Exposition(daemon.get("/metrics").body).series("podnetd_uncertain_snapshots_total").first?.value
            }
            let metrics = try daemon.get("/metrics").body
            #expect(try uncertain() == 0, "the counter must exist at 0 from the start\n\(metrics)")

            try directory.write("torn", "")
            daemon.signal(SIGHUP)  // a reload re-reads everything
            let counted = try poll(timeout: .seconds(15), interval: .milliseconds(100)) { () throws -> Double? in
                guard let value = try uncertain(), value >= 2 else { return nil }
                return value
            }
            #expect(counted.value != nil, "uncertain reads not counted\n\(daemon.stderr)")
            #expect(daemon.stderr.contains("the network state changed during the dump"), "\(daemon.stderr)")
            // The last analysis stays published.
            #expect(try daemon.get("/status").status == 200)

            unlink(trigger)
            let settled = try poll(timeout: .seconds(10), interval: .milliseconds(500)) { () throws -> Double? in
                let before = try uncertain()
                pause(.milliseconds(1500))
                let after = try uncertain()
                return before == after ? after : nil
            }
            #expect(settled.value != nil, "uncertain reads kept being counted with whole dumps\n\(daemon.stderr)")
        }
    }
}
