/// The major and minor version of a kernel release string (`5.4.0-1103-aws` → 5.4).
struct KernelVersion: Comparable, Sendable, CustomStringConvertible {
    let major: Int
    let minor: Int

    /// Kernels before this corrupt checksums of VXLAN packets with tx checksum offload in some
    /// setups; Felix switches the offload off on them (calico#3145).
    static let vxlanChecksumFixed = KernelVersion(major: 5, minor: 7)

    /// From this release on the neighbour tables' gc_thresh limits count only entries the kernel may
    /// evict (not PERMANENT or externally learned ones): commit 58956317c8de, "neighbor: Improve garbage
    /// collection", in 5.0.
    static let neighbourGCExemptsPermanent = KernelVersion(major: 5, minor: 0)

    init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses the leading `MAJOR.MINOR`; nil when the release does not start that way.
    init?(release: String) {
        let parts = release.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let major = Int(parts[0]) else { return nil }
        let minorDigits = parts[1].prefix { $0.isASCII && $0.isNumber }
        guard !minorDigits.isEmpty, let minor = Int(minorDigits) else { return nil }
        self.init(major: major, minor: minor)
    }

    static func < (lhs: KernelVersion, rhs: KernelVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    var description: String { "\(major).\(minor)" }
}
