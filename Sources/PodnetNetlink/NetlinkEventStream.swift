import CNetlink
import PodnetModel
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Live rtnetlink notifications of the calling thread's network namespace, parsed into `NetlinkEvent`s.
///
/// Joins the link, IPv4/IPv6 address, route, rule and netconf groups and the neighbour group (ARP,
/// NDP and bridge FDB). Needs no privileges. To keep a snapshot current: open the stream, take a
/// snapshot, then apply every batch from `next(timeout:)` with `SnapshotUpdater`; on `.overrun` take
/// a new snapshot (keep the stream open).
///
/// `next(timeout:)` is meant for one reader thread; `stop()` may be called from any thread and wakes
/// a blocked `next` at once. The socket closes when the stream is deinitialized.
public final class NetlinkEventStream: @unchecked Sendable {
    // @unchecked: `socket` is touched only by `next` (one thread at a time, as documented) and deinit;
    // `stopped` is atomic and the wake descriptor is a plain file descriptor.
    private let socket: NetlinkSocket
    /// A pipe: `stop()` writes a byte to `wakeWriter`, `next` polls `wakeReader`.
    private let wakeReader: Int32
    private let wakeWriter: Int32
    private let stopped = Atomic<Bool>(false)

    /// The groups joined, with their names for error messages.
    static let groups: [(UInt32, String)] = [
        (RTNLGRP_LINK.rawValue, "RTNLGRP_LINK"),
        (RTNLGRP_IPV4_IFADDR.rawValue, "RTNLGRP_IPV4_IFADDR"),
        (RTNLGRP_IPV6_IFADDR.rawValue, "RTNLGRP_IPV6_IFADDR"),
        (RTNLGRP_IPV4_ROUTE.rawValue, "RTNLGRP_IPV4_ROUTE"),
        (RTNLGRP_IPV6_ROUTE.rawValue, "RTNLGRP_IPV6_ROUTE"),
        (RTNLGRP_NEIGH.rawValue, "RTNLGRP_NEIGH"),
        (RTNLGRP_IPV4_RULE.rawValue, "RTNLGRP_IPV4_RULE"),
        (RTNLGRP_IPV6_RULE.rawValue, "RTNLGRP_IPV6_RULE"),
        (RTNLGRP_IPV4_NETCONF.rawValue, "RTNLGRP_IPV4_NETCONF"),
        (RTNLGRP_IPV6_NETCONF.rawValue, "RTNLGRP_IPV6_NETCONF"),
        // Nexthop objects: their changes alter routes without route notifications (→ resync).
        (RTNLGRP_NEXTHOP.rawValue, "RTNLGRP_NEXTHOP"),
    ]

    /// Most datagrams read by one `next` call, so that a flood still returns batches regularly.
    static let maximumDatagramsPerBatch = 4096

    /// Opens the socket and joins the groups; events are queued in the kernel from here on.
    public init() throws(NetlinkError) {
        let socket = try NetlinkSocket(receiveTimeoutSeconds: 0)
        for (group, name) in NetlinkEventStream.groups {
            try socket.join(group: group, name: name)
        }
        var pipeEnds: [Int32] = [-1, -1]
        // pipe + fcntl, not pipe2: Swift's Glibc module does not export pipe2 (it needs _GNU_SOURCE).
        guard pipe(&pipeEnds) == 0 else {
            throw NetlinkError(operation: "creating the event stream's wake pipe", errno: errno)
        }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        self.socket = socket
        self.wakeReader = pipeEnds[0]
        self.wakeWriter = pipeEnds[1]
    }

    deinit {
        close(wakeReader)
        close(wakeWriter)
    }

    /// True once `stop()` was called.
    public var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Makes a blocked or later `next` return `[]` at once. Callable from any thread; idempotent.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    /// Makes a blocked or the next `next` return early, without stopping the stream: for a caller
    /// that must look at something else (a reload request). Callable from any thread.
    public func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    /// Waits up to `timeout` (nil: until something arrives or `stop()`) and returns the events of
    /// every datagram queued by then, in kernel order. Returns `[]` on timeout, after `stop()`, or
    /// when the datagrams held nothing podnetd models. A full receive buffer yields `.overrun`
    /// (never an error). Throws only when the socket itself fails.
    public func next(timeout: Duration?) throws(NetlinkError) -> [NetlinkEvent] {
        guard try waitUntilReadable(timeout: timeout) else { return [] }
        return try drain()
    }

    /// Like `next(timeout:)` for a reader whose state is stale anyway (waiting out an overrun before
    /// taking a fresh snapshot): the datagrams queued by then are read without being parsed, which
    /// keeps such a reader ahead of a burst. Returns how many were read (0 on timeout or after `stop()`).
    public func discard(timeout: Duration?) throws(NetlinkError) -> Int {
        guard try waitUntilReadable(timeout: timeout) else { return 0 }
        for count in 0..<NetlinkEventStream.maximumDatagramsPerBatch {
            switch try socket.receive(blocking: false, operation: "reading netlink events") {
            case .nothing: return count
            case .overrun, .datagram: continue
            }
        }
        return NetlinkEventStream.maximumDatagramsPerBatch
    }

    /// Waits up to `timeout` for the socket; false on timeout, after `stop()` or a wake-up alone.
    private func waitUntilReadable(timeout: Duration?) throws(NetlinkError) -> Bool {
        if isStopped { return false }
        var descriptors = [
            pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0),
        ]
        let milliseconds = timeout.map(NetlinkEventStream.pollMilliseconds) ?? -1
        while true {
            let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw NetlinkError(operation: "waiting for netlink events", errno: errno)
            }
            break
        }
        if descriptors[1].revents != 0 {
            // Consume the wake-ups so the next poll blocks again.
            var bytes = [UInt8](repeating: 0, count: 64)
            while read(wakeReader, &bytes, bytes.count) > 0 {}
        }
        return !isStopped && descriptors[0].revents != 0
    }

    /// Reads every datagram already queued, without waiting. Internal: only `next`'s single reader may
    /// read the socket (callers wanting queued events use `next(timeout: .zero)`).
    func drain() throws(NetlinkError) -> [NetlinkEvent] {
        var events: [NetlinkEvent] = []
        for _ in 0..<NetlinkEventStream.maximumDatagramsPerBatch {
            switch try socket.receive(blocking: false, operation: "reading netlink events") {
            case .nothing:
                return events
            case .overrun:
                events.append(.overrun)
            case .datagram(let datagram):
                NetlinkMessage.forEach(in: datagram) { message in
                    EventDecoder.events(from: message, into: &events)
                    return true
                }
            }
        }
        return events
    }

    /// Poll's timeout in milliseconds, rounded up, at least 0.
    static func pollMilliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 { return 0 }
        let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: total)
    }
}
