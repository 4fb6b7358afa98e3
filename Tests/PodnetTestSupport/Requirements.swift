import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The test environment lacks something a test needs. Thrown, so the test FAILS (never skips).
public struct MissingRequirement: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Throws `MissingRequirement` unless the process runs as root and `ip` and `bridge` (iproute2) work
/// and can create network namespaces. Call it first in every namespace test:
///
///     @Test func something() throws {
///         try requireRootAndIPRoute2()
///         try withNetworkNamespace { ns in … }
///     }
public func requireRootAndIPRoute2() throws {
    let advice = "namespace tests need root and iproute2: run Scripts/deps.sh as root"
    guard geteuid() == 0 else {
        throw MissingRequirement("\(advice) (running as uid \(geteuid()), not root)")
    }
    for tool in ["ip", "bridge", "sysctl"] {
        guard resolveExecutable(tool) != nil else {
            throw MissingRequirement("\(advice) (`\(tool)` is not installed)")
        }
    }
    let version = try runProcess("ip", ["-V"], timeout: .seconds(10))
    guard version.succeeded, version.stdout.contains("iproute2") else {
        throw MissingRequirement("\(advice) (`ip -V` did not report iproute2: \(version))")
    }
    let netns = try runProcess("ip", ["netns", "list"], timeout: .seconds(10))
    guard netns.succeeded else {
        throw MissingRequirement("\(advice) (`ip netns list` failed: \(netns))")
    }
}
