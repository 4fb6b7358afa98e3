// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "podnetd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "podnetd", targets: ["podnetd"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    ],
    targets: [
        // libnl-3, imported in exactly one Swift module (PodnetNetlink).
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-route-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]
        ),
        // Sendable value types of the node's network state; no C, no I/O.
        .target(name: "PodnetModel"),
        // The netlink layer: owns every libnl object, returns PodnetModel values.
        .target(name: "PodnetNetlink", dependencies: ["CNetlink", "PodnetModel"]),
        // Pure diagnosis: (snapshot, expectations) -> report. No I/O.
        .target(name: "PodnetAnalysis", dependencies: ["PodnetModel"]),
        // Config file, kubelet config and DMI: everything the analyzer expects, read from disk.
        .target(
            name: "PodnetConfig",
            dependencies: ["PodnetModel", "PodnetAnalysis", .product(name: "Yams", package: "Yams")]
        ),
        // HTTP/1.1 on the platform's sockets (no SwiftNIO by design).
        .target(name: "PodnetHTTP"),
        // The long-running agent: watch, analyze, serve, metrics, systemd.
        .target(
            name: "PodnetDaemon",
            dependencies: [
                "PodnetModel", "PodnetNetlink", "PodnetAnalysis", "PodnetConfig", "PodnetHTTP", "PodnetCluster",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The Kubernetes API client (list + watch) and the cluster sources (Calico CRDs, Nodes, ipamd).
        .target(
            name: "PodnetCluster",
            dependencies: [
                "PodnetModel", "PodnetAnalysis", "PodnetConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "podnetd",
            dependencies: [
                "PodnetModel", "PodnetNetlink", "PodnetAnalysis", "PodnetConfig", "PodnetDaemon", "CPodnetdSupport",
                "PodnetCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // C for the executable: the build stamp of a release and the command line without /proc.
        .target(name: "CPodnetdSupport"),
        // Shared by the tests: namespace scenarios with guaranteed clean-up, running podnetd.
        .target(name: "PodnetTestSupport", dependencies: ["PodnetModel"], path: "Tests/PodnetTestSupport"),
        .testTarget(name: "PodnetModelTests", dependencies: ["PodnetModel"]),
        .testTarget(name: "PodnetNetlinkTests", dependencies: ["PodnetModel", "PodnetNetlink", "PodnetTestSupport"]),
        .testTarget(
            name: "PodnetAnalysisTests",
            dependencies: ["PodnetModel", "PodnetAnalysis", "PodnetConfig", "PodnetTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "PodnetHTTPTests", dependencies: ["PodnetHTTP"]),
        .testTarget(
            name: "PodnetDaemonTests",
            dependencies: ["PodnetModel", "PodnetAnalysis", "PodnetDaemon", "PodnetHTTP", "PodnetTestSupport"]
        ),
        .testTarget(name: "PodnetDeploymentTests", dependencies: ["PodnetTestSupport"]),
        // `podnetd check` end to end in namespaces built like Calico and VPC CNI nodes.
        .testTarget(name: "PodnetCheckTests", dependencies: ["PodnetTestSupport"]),
        // `podnetd explain` checked against the kernel's own `ip route get` in namespaces.
        .testTarget(
            name: "PodnetExplainTests",
            dependencies: ["PodnetModel", "PodnetNetlink", "PodnetAnalysis", "PodnetTestSupport"]
        ),
        // The Kubernetes API client against a local HTTPS stand-in (Scripts/kube-api-standin.py).
        .testTarget(
            name: "PodnetClusterTests",
            dependencies: ["PodnetModel", "PodnetAnalysis", "PodnetConfig", "PodnetCluster", "PodnetTestSupport"]
        ),
    ]
)
