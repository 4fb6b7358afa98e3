import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A named network namespace (`ip netns add podnetd-test-<random>`) for one test, deleted when the
/// test is done: explicitly with `delete()`, by `withNetworkNamespace`, and as a last resort in
/// `deinit`. Everything it runs stays inside it (`ip -n`, `bridge -n`, `ip netns exec`).
///
/// Prefer `withNetworkNamespace { ns in … }`: it deletes the namespace on every exit path, including
/// thrown errors. Deleting a namespace destroys its interfaces (and the other ends of veth pairs).
public final class NetworkNamespace: Sendable, CustomStringConvertible {
    /// `podnetd-test-<8 hex>[-purpose]`.
    public let name: String
    private let deleted = Atomic<Bool>(false)

    /// Every name starts with this; nothing else on the machine should.
    public static let namePrefix = "podnetd-test-"

    /// Creates the namespace (with its loopback up). `purpose` is appended to the name for
    /// readability (`pod1`, `underlay`); keep it short (letters, digits, dashes).
    public init(purpose: String? = nil) throws {
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let padded = String(repeating: "0", count: 8 - random.count) + random
        name = NetworkNamespace.namePrefix + padded + (purpose.map { "-" + $0 } ?? "")
        try runChecked("ip", ["netns", "add", name], timeout: .seconds(20))
        do {
            try ip("link", "set", "lo", "up")
        } catch {
            delete()
            throw error
        }
    }

    deinit { delete() }

    public var description: String { name }

    /// `/run/netns/NAME`, the bind mount `ip netns` keeps.
    public var path: String { "/run/netns/" + name }

    /// Deletes the namespace (idempotent). Failures are reported on stderr, not thrown: this runs
    /// during clean-up, often while another error is already on its way.
    public func delete() {
        guard !deleted.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do {
            let result = try runProcess("ip", ["netns", "delete", name], timeout: .seconds(20))
            if !result.succeeded && FileManager.default.fileExists(atPath: path) {
                FileHandle.standardError.write(Data("warning: could not delete namespace \(name): \(result)\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("warning: could not delete namespace \(name): \(error)\n".utf8))
        }
    }

    /// True until `delete()`.
    public var exists: Bool { !deleted.load(ordering: .acquiring) && FileManager.default.fileExists(atPath: path) }

    // MARK: - Running commands inside

    /// `ip -n NAME ARGS…`; returns stdout, throws `ProcessFailure` with stderr on failure.
    @discardableResult
    public func ip(_ arguments: String...) throws -> String { try ip(arguments) }

    @discardableResult
    public func ip(_ arguments: [String]) throws -> String {
        try runChecked("ip", ["-n", name] + arguments)
    }

    /// `bridge -n NAME ARGS…`.
    @discardableResult
    public func bridge(_ arguments: String...) throws -> String {
        try runChecked("bridge", ["-n", name] + arguments)
    }

    /// `ip -batch -` with `commands` (one `ip` command per line, without the leading `ip`), inside.
    @discardableResult
    public func ipBatch(_ commands: [String], timeout: Duration = .seconds(300)) throws -> String {
        try runChecked(
            "ip", ["-n", name, "-batch", "-"], timeout: timeout, input: commands.joined(separator: "\n") + "\n")
    }

    /// Any command inside the namespace (`ip netns exec NAME COMMAND…`); throws on failure.
    @discardableResult
    public func exec(_ command: [String], timeout: Duration = .seconds(60)) throws -> String {
        try runChecked("ip", ["netns", "exec", name] + command, timeout: timeout)
    }

    /// Like `exec`, but returns the result whatever the exit status.
    public func run(_ command: [String], timeout: Duration = .seconds(60), input: String? = nil) throws -> ProcessResult
    {
        try runProcess("ip", ["netns", "exec", name] + command, timeout: timeout, input: input)
    }

    /// Sets a sysctl of this namespace. `key` may use dots or slashes; use slashes when a component
    /// contains a dot (`net/ipv4/conf/vxlan.calico/rp_filter`).
    public func sysctl(_ key: String, _ value: String) throws {
        try exec(["sysctl", "-q", "-w", "\(key)=\(value)"])
    }

    /// Reads a sysctl of this namespace.
    public func readSysctl(_ key: String) throws -> String {
        try exec(["sysctl", "-n", key]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `ip -j ARGS…` parsed: the JSON array of objects `ip` prints (`[]` for empty output).
    public func ipJSON(_ arguments: String...) throws -> [[String: Any]] {
        try Self.parseJSONArray(ip(["-j"] + arguments), command: "ip -j " + arguments.joined(separator: " "))
    }

    /// `bridge -j ARGS…` parsed.
    public func bridgeJSON(_ arguments: String...) throws -> [[String: Any]] {
        let output = try runChecked("bridge", ["-n", name, "-j"] + arguments)
        return try Self.parseJSONArray(output, command: "bridge -j " + arguments.joined(separator: " "))
    }

    static func parseJSONArray(_ text: String, command: String) throws -> [[String: Any]] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [] }
        let value = try JSONSerialization.jsonObject(with: Data(trimmed.utf8))
        guard let array = value as? [[String: Any]] else {
            throw ProcessFailure(
                result: nil, reason: "\(command): expected a JSON array of objects, got \(trimmed.prefix(200))")
        }
        return array
    }

    // MARK: - Running Swift code inside

    /// Runs `body` on a new thread that has joined this namespace (`setns(CLONE_NEWNET)` affects only
    /// that thread; sockets opened there belong to the namespace), waits for it and returns its
    /// result. The thread ends afterwards, so no other code ever runs in the namespace by accident.
    public func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw NamespaceError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { finished.signal() }
            guard let setns = joinNamespace, setns(descriptor, cloneNewNet) == 0 else {
                let text = String(cString: strerror(errno))
                outcome.withLock { $0 = .failure(NamespaceError("setns(\(self.path)) failed: \(text)")) }
                return
            }
            let result = Result { try body() }
            outcome.withLock { $0 = result }
        }
        thread.stackSize = 8 << 20
        thread.start()
        finished.wait()
        guard let result = outcome.withLock({ $0 }) else { throw NamespaceError("namespace thread produced nothing") }
        return try result.get()
    }
}

/// CLONE_NEWNET (linux/sched.h).
private let cloneNewNet: Int32 = 0x4000_0000

/// glibc's setns(2), looked up at run time: Swift's Glibc module does not export it (it is a
/// _GNU_SOURCE declaration), and `syscall` is variadic.
private let joinNamespace: (@convention(c) (Int32, Int32) -> Int32)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
}()

/// A namespace operation that failed outside a child process.
public struct NamespaceError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Creates a namespace, runs `body` with it and deletes it afterwards, whether `body` returns or throws.
public func withNetworkNamespace<T>(purpose: String? = nil, _ body: (NetworkNamespace) throws -> T) throws -> T {
    let namespace = try NetworkNamespace(purpose: purpose)
    defer { namespace.delete() }
    return try body(namespace)
}

/// The `async` form of `withNetworkNamespace`.
public func withNetworkNamespace<T>(
    purpose: String? = nil, _ body: (NetworkNamespace) async throws -> T
) async throws -> T {
    let namespace = try NetworkNamespace(purpose: purpose)
    defer { namespace.delete() }
    return try await body(namespace)
}
