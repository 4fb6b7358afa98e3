import CNetlink

#if canImport(Glibc)
import Glibc
#endif

/// A failed netlink operation: which operation, libnl's error code and its `nl_geterror` text.
///
/// Printed as `dumping routes: Operation not permitted (libnl -NLE_PERM)`.
public struct NetlinkError: Error, CustomStringConvertible, Hashable, Sendable {
    /// What podnetd was doing (`dumping routes`, `joining RTNLGRP_LINK`, …).
    public var operation: String
    /// libnl's error code, positive (`NLE_PERM` = 28); libnl functions return its negation.
    public var code: Int32
    /// `nl_geterror(-code)`, or a more specific explanation when podnetd detected the problem itself.
    public var message: String
    /// The errno of the failing system call, when there was one.
    public var systemErrno: Int32?

    public init(operation: String, code: Int32, message: String, systemErrno: Int32? = nil) {
        self.operation = operation
        self.code = code
        self.message = message
        self.systemErrno = systemErrno
    }

    /// An error from a libnl call that returned `result` (a negative libnl code).
    init(operation: String, libnlResult result: Int32) {
        let code = result < 0 ? -result : result
        self.init(operation: operation, code: code, message: NetlinkError.libnlText(code))
    }

    /// An error from a system call or a kernel NLMSG_ERROR carrying `errno`; the code is libnl's mapping.
    init(operation: String, errno number: Int32) {
        let code = nl_syserr2nlerr(number)
        let text = strerror(number).map { String(cString: $0) } ?? NetlinkError.libnlText(code)
        self.init(operation: operation, code: code, message: text, systemErrno: number)
    }

    /// libnl's name for `code` (`NLE_PERM`), or the number.
    public var codeName: String {
        NetlinkError.codeNames.indices.contains(Int(code)) ? NetlinkError.codeNames[Int(code)] : "\(code)"
    }

    public var description: String { "\(operation): \(message) (libnl -\(codeName))" }

    /// True when the error says the state kept changing while it was read (see
    /// `NetlinkSnapshotReader.snapshot()`): the state is uncertain rather than unreadable, and a
    /// retry soon may succeed.
    public var isInconsistentState: Bool { code == NLE_DUMP_INTR }

    static func libnlText(_ code: Int32) -> String {
        guard let text = nl_geterror(code) else { return "libnl error \(code)" }
        return String(cString: text)
    }

    /// Names of libnl's error codes, indexed by code (netlink/errno.h, libnl 3.7).
    static let codeNames = [
        "NLE_SUCCESS", "NLE_FAILURE", "NLE_INTR", "NLE_BAD_SOCK", "NLE_AGAIN", "NLE_NOMEM", "NLE_EXIST",
        "NLE_INVAL", "NLE_RANGE", "NLE_MSGSIZE", "NLE_OPNOTSUPP", "NLE_AF_NOSUPPORT", "NLE_OBJ_NOTFOUND",
        "NLE_NOATTR", "NLE_MISSING_ATTR", "NLE_AF_MISMATCH", "NLE_SEQ_MISMATCH", "NLE_MSG_OVERFLOW",
        "NLE_MSG_TRUNC", "NLE_NOADDR", "NLE_SRCRT_NOSUPPORT", "NLE_MSG_TOOSHORT", "NLE_MSGTYPE_NOSUPPORT",
        "NLE_OBJ_MISMATCH", "NLE_NOCACHE", "NLE_BUSY", "NLE_PROTO_MISMATCH", "NLE_NOACCESS", "NLE_PERM",
        "NLE_PKTLOC_FILE", "NLE_PARSE_ERR", "NLE_NODEV", "NLE_IMMUTABLE", "NLE_DUMP_INTR", "NLE_ATTRSIZE",
    ]
}
