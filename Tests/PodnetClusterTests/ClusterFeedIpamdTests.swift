import Foundation
import Logging
import PodnetCluster
import PodnetConfig
import PodnetModel
import Testing

/// The daemon's ipamd record must follow the kernel closely: a pod deleted between two timed reads
/// must not look allocated-but-unrouted past the findings' grace period.
@Suite("the cluster feed's ipamd record", .serialized)
struct ClusterFeedIpamdTests {
    static func checkpoint(_ addresses: [String]) -> String {
        let entries = addresses.map {
            #"{"networkName":"aws-cni","containerID":"c-\#($0)","ifName":"eth0","ipv4":"\#($0)","allocationTimestamp":1,"metadata":{}}"#
        }
        return #"{"version":"vpc-cni-ipam/1","allocations":["# + entries.joined(separator: ",") + "]}"
    }

    @Test("an analysis asks for a fresh read: a changed checkpoint is seen within 2 s, not after the 10 s timer")
    func analysisRefreshesTheRecord() async throws {
        let path = NSTemporaryDirectory() + "podnetd-feed-ipam-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.checkpoint(["10.0.0.10", "10.0.0.11"]).write(toFile: path, atomically: true, encoding: .utf8)
        var config = PodnetConfig()
        config.kubernetes.enabled = false
        config.ipamd = IpamdSettings(checkpointPath: path, introspectionAddress: nil)
        let feed = ClusterFeed(
            config: config, nodeName: "node-a", nodeNameSource: "config", logger: Logger(label: "test"),
            environment: [:], onChange: {})
        defer { Task { await feed.stop() } }

        func allocated() -> [String] {
            (feed.input()?.ipamd?.allocations ?? []).map(\.address.description).sorted()
        }
        let start = ContinuousClock.now
        while allocated().isEmpty, ContinuousClock.now - start < .seconds(5) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(allocated() == ["10.0.0.10", "10.0.0.11"])
        #expect(ClusterFeed.ipamdInterval >= .seconds(5), "the timer alone would be too slow: this test means nothing")

        // The pod of 10.0.0.11 is deleted: ipamd rewrites its checkpoint.
        try Self.checkpoint(["10.0.0.10"]).write(toFile: path, atomically: true, encoding: .utf8)
        let deleted = ContinuousClock.now
        while allocated() != ["10.0.0.10"], ContinuousClock.now - deleted < .seconds(4) {
            try await Task.sleep(for: .milliseconds(100))  // each input() is an analysis asking for a read
        }
        let seenAfter = ContinuousClock.now - deleted
        #expect(allocated() == ["10.0.0.10"])
        #expect(seenAfter < .seconds(2), "the deletion was seen after \(seenAfter)")
    }
}
