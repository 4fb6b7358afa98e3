import Foundation
import PodnetModel
import PodnetNetlink
import PodnetTestSupport
import Testing

/// podnetd reads everything as nobody with no capabilities: `podnetd dump` run that way inside a
/// Calico node reports exactly what the reader reports as root.
@Suite struct UnprivilegedTests {
    @Test func podnetdDumpAsNobodyEqualsTheSnapshotAsRoot() throws {
        try requireRootAndIPRoute2()
        let podnetd = try PodnetdBinary.locate()
        try withCalicoNode { node in
            let asRoot = try node.namespace.perform { try NetlinkSnapshotReader().snapshot() }
            let result = try podnetd.run(["dump", "--format", "json"], in: node.namespace, unprivileged: true)
            try #require(result.succeeded, "\(result)")
            let asNobody = try JSONDecoder().decode(NodeSnapshot.self, from: Data(result.stdout.utf8))
            var expected = asRoot.canonicalized()
            var actual = asNobody.canonicalized()
            expected.capturedAt = ""
            actual.capturedAt = ""
            // The dump adds the node's facts (config, kubelet, DMI), which the netlink reader does not read.
            #expect(actual.nodeFacts != nil)
            actual.nodeFacts = nil
            #expect(actual == expected, "\(snapshotDifference(maintained: actual, fresh: expected))")
            #expect(actual.routes.count > 20)
        }
    }
}
