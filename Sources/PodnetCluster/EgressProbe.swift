import Foundation

/// Whether this host drops podnetd's own packets to the API server before they leave: asked
/// after a connection to it failed, to tell a local firewall from an absent server.
///
/// A TCP connect cannot tell: when a cgroup egress program (systemd's `IPAddressDeny=`) or a
/// netfilter OUTPUT DROP discards the SYN, the kernel keeps the socket waiting and retransmits
/// (tcp_connect returns only ECONNREFUSED to the caller), so AsyncHTTPClient reports a connect
/// timeout. A UDP datagram is different: the drop comes back from sendto() at once as EPERM
/// (udp_send_skb returns ip_local_out's verdict). So one empty datagram to the server's address
/// and port answers the question; where nothing drops it, it reaches the server, which ignores
/// it or answers ICMP port unreachable.
enum EgressProbe {
    /// `https://HOST[:PORT]` → whether sending to every resolved address of HOST fails with EPERM.
    /// False when the server cannot be parsed or resolved, or any address is not blocked.
    static func isBlockedLocally(server: String) -> Bool {
        guard let url = URLComponents(string: server), let rawHost = url.host, !rawHost.isEmpty else { return false }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let port = url.port ?? 443
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var probed = 0
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            let descriptor = socket(entry.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { continue }
            let sent = sendto(descriptor, nil, 0, 0, entry.pointee.ai_addr, entry.pointee.ai_addrlen)
            let error = errno
            close(descriptor)
            guard sent < 0, error == EPERM else { return false }
            probed += 1
        }
        return probed > 0
    }
}
