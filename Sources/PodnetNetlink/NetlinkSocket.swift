import CNetlink
import PodnetModel

#if canImport(Glibc)
import Glibc
#endif

/// Owns one libnl socket (`struct nl_sock`) connected to NETLINK_ROUTE, and its receive buffer.
///
/// libnl opens, binds and sends; datagrams are read straight from the socket's descriptor into one
/// reusable buffer, so that a 100k-route dump allocates nothing per message and ENOBUFS (lost
/// events) stays distinguishable from an allocation failure (libnl maps both to NLE_NOMEM).
/// Not thread-safe: one thread at a time.
final class NetlinkSocket {
    private let handle: OpaquePointer
    private var buffer: UnsafeMutableRawBufferPointer
    /// The socket's file descriptor (owned by libnl; closed in `deinit`).
    let descriptor: Int32

    /// Receive buffer asked of the kernel (SO_RCVBUF; capped by net.core.rmem_max without CAP_NET_ADMIN).
    static let kernelReceiveBufferBytes: Int32 = 8 << 20
    /// Initial user-space buffer; grows when a datagram is larger (dump datagrams are at most ~32 KiB).
    static let initialBufferBytes = 64 << 10

    /// Opens and connects a socket; `receiveTimeoutSeconds` bounds a blocking read (0 = forever).
    init(receiveTimeoutSeconds: Int = 30) throws(NetlinkError) {
        guard let socket = nl_socket_alloc() else {
            throw NetlinkError(operation: "allocating a netlink socket", libnlResult: -NLE_NOMEM)
        }
        // Requests carry no NLM_F_ACK: dumps end with NLMSG_DONE; errors still arrive as NLMSG_ERROR.
        nl_socket_disable_auto_ack(socket)
        let connected = nl_connect(socket, NETLINK_ROUTE)
        guard connected >= 0 else {
            nl_socket_free(socket)
            throw NetlinkError(operation: "connecting a NETLINK_ROUTE socket", libnlResult: connected)
        }
        handle = socket
        descriptor = nl_socket_get_fd(socket)
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: NetlinkSocket.initialBufferBytes, alignment: 8)
        setReceiveBuffer()
        if receiveTimeoutSeconds > 0 {
            var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit {
        nl_socket_free(handle)
        buffer.deallocate()
    }

    /// A large kernel receive buffer: SO_RCVBUFFORCE when privileged, else libnl's SO_RCVBUF (capped).
    private func setReceiveBuffer() {
        var size = NetlinkSocket.kernelReceiveBufferBytes
        let forced = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        if forced != 0 {
            _ = nl_socket_set_buffer_size(handle, NetlinkSocket.kernelReceiveBufferBytes, 0)
        }
    }

    /// Joins one multicast group (`nl_socket_add_membership`; the variadic form is unavailable).
    func join(group: UInt32, name: String) throws(NetlinkError) {
        let result = nl_socket_add_membership(handle, Int32(group))
        guard result >= 0 else { throw NetlinkError(operation: "joining \(name)", libnlResult: result) }
    }

    /// Sends a dump request (`type` with NLM_F_DUMP and the family header `header`); returns its sequence number.
    func sendDumpRequest(type: UInt16, header: [UInt8], operation: String) throws(NetlinkError) -> UInt32 {
        let request = try NetlinkRequest(
            type: Int32(type), flags: Int32(NLM_F_DUMP), header: header, operation: operation)
        nl_complete_msg(handle, request.handle)
        let sequence = request.sequence
        let sent = nl_send(handle, request.handle)
        guard sent >= 0 else { throw NetlinkError(operation: operation, libnlResult: sent) }
        return sequence
    }

    /// What one read from the socket produced.
    enum Received {
        /// A datagram, valid until the next call.
        case datagram(UnsafeRawBufferPointer)
        /// Nothing queued (non-blocking read) or the receive timeout expired (blocking read).
        case nothing
        /// The kernel dropped messages because the receive buffer was full (ENOBUFS).
        case overrun
    }

    /// Reads one datagram, growing the buffer first when it would not fit.
    func receive(blocking: Bool, operation: String) throws(NetlinkError) -> Received {
        let wait: Int32 = blocking ? 0 : Int32(MSG_DONTWAIT)
        while true {
            let size = recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_PEEK | MSG_TRUNC) | wait)
            if size < 0 {
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return .nothing
                case ENOBUFS: return .overrun
                case let number: throw NetlinkError(operation: operation, errno: number)
                }
            }
            if size > buffer.count {
                buffer.deallocate()
                buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: netlinkAlign(size), alignment: 8)
            }
            let read = recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if read < 0 {
                switch errno {
                case EINTR, EAGAIN, EWOULDBLOCK: continue
                case ENOBUFS: return .overrun
                case let number: throw NetlinkError(operation: operation, errno: number)
                }
            }
            return .datagram(UnsafeRawBufferPointer(rebasing: buffer[..<read]))
        }
    }

    /// One dump; returns true when it was interrupted (or lost messages) and must be redone.
    func dumpOnce(
        type: UInt16, header: [UInt8], operation: String, _ body: (NetlinkMessage) throws(NetlinkError) -> Void
    ) throws(NetlinkError) -> Bool {
        let sequence = try sendDumpRequest(type: type, header: header, operation: operation)
        var interrupted = false
        var done = false
        while !done {
            let datagram: UnsafeRawBufferPointer
            switch try receive(blocking: true, operation: operation) {
            case .datagram(let bytes): datagram = bytes
            case .overrun:
                // Cannot happen on a socket without groups; if it does the dump is incomplete.
                interrupted = true
                continue
            case .nothing:
                throw NetlinkError(
                    operation: operation, code: NLE_AGAIN,
                    message: "no reply from the kernel within the receive timeout")
            }
            try NetlinkMessage.forEach(in: datagram) { (message) throws(NetlinkError) -> Bool in
                // Left-overs of an earlier, abandoned request carry another sequence number.
                guard message.sequence == sequence else { return true }
                if message.flags & UInt16(NLM_F_DUMP_INTR) != 0 { interrupted = true }
                switch message.type {
                case MessageType.done:
                    done = true
                    if message.payload.count >= 4 {
                        let status = message.payload(Int32.self, at: 0)
                        // `0 &- status`: plain negation traps on Int32.min, which a malformed message could carry.
                        if status < 0 { throw NetlinkError(operation: operation, errno: 0 &- status) }
                    }
                    return false
                case MessageType.error:
                    let status = message.payload.count >= 4 ? message.payload(Int32.self, at: 0) : -EPROTO
                    if status == 0 { return true }  // an acknowledgement
                    throw NetlinkError(operation: operation, errno: 0 &- status)  // no trap on Int32.min
                case MessageType.noop, MessageType.overrun:
                    return true
                default:
                    try body(message)
                    return true
                }
            }
        }
        return interrupted
    }
}

/// Owns one outgoing libnl message (`struct nl_msg`).
final class NetlinkRequest {
    let handle: OpaquePointer

    init(type: Int32, flags: Int32, header: [UInt8], operation: String) throws(NetlinkError) {
        guard let message = nlmsg_alloc_simple(type, flags) else {
            throw NetlinkError(operation: operation, libnlResult: -NLE_NOMEM)
        }
        handle = message
        let appended = header.withUnsafeBytes { raw in
            nlmsg_append(message, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count, Int32(NLMSG_ALIGNTO))
        }
        guard appended >= 0 else {
            // deinit frees the message.
            throw NetlinkError(operation: operation, libnlResult: appended)
        }
    }

    deinit { nlmsg_free(handle) }

    /// The sequence number `nl_complete_msg` assigned.
    var sequence: UInt32 { nlmsg_hdr(handle)?.pointee.nlmsg_seq ?? 0 }
}
