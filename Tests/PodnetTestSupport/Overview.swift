// PodnetTestSupport: helpers shared by podnetd's test targets.
//
// Namespace tests (need root and iproute2; a test that cannot run FAILS, it never skips):
//
//     @Test func missingRemoteRouteIsReported() throws {
//         try requireRootAndIPRoute2()
//         var scenario = CalicoNodeScenario()
//         scenario.remoteBlocks = [.init(block: "192.168.35.0/26", tunnelIP: "192.168.35.0",
//                                        tunnelMAC: "66:35:00:00:00:20", hostIP: "10.0.0.20", route: false)]
//         try withCalicoNode(scenario) { node in
//             let result = try PodnetdBinary.locate().run(["check"], in: node.namespace)
//             …
//             try node.restoreRemoteRoute()          // break and repair pieces at run time
//         }                                          // every namespace is deleted here, also on throw
//     }
//
// - `NetworkNamespace`: one `podnetd-test-<random>` namespace; `ip`, `bridge`, `ipBatch`, `exec`, `run`,
//   `sysctl`, `ipJSON`/`bridgeJSON`, and `perform { … }` to run Swift code (e.g. NetlinkSnapshotReader)
//   on a thread inside it. Deleted by `delete()`, `withNetworkNamespace`, or at the latest on deinit.
// - `CalicoNodeScenario` / `CalicoNode` / `withCalicoNode`: a Calico-VXLAN worker node (underlay,
//   vxlan.calico, workloads in pod namespaces, remote blocks, rule, forwarding) with knobs to leave
//   pieces out and methods to break and restore them.
// - `PodnetdBinary`: finds the built `podnetd` and runs it (optionally inside a namespace, optionally
//   as nobody without capabilities).
// - `runProcess` / `runChecked`: a child process with captured output and a timeout.
// - `requireRootAndIPRoute2()`: the first line of every namespace test.
