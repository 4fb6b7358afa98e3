import ArgumentParser

@main
struct Podnetd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podnetd",
        abstract: "Checks that a Kubernetes node's pod network is programmed in the kernel as it must be.",
        discussion: """
            podnetd reads the node's links, addresses, routes, neighbours, bridge FDB entries and \
            policy rules over netlink (no privileges needed), compares them with what the CNI \
            (Calico VXLAN, the AWS VPC CNI, host-gw routing) must have programmed, and reports \
            what is missing or wrong.

              check      diagnose this node now (exit 1 when something is wrong)
              serve      run as a daemon: /status, /metrics on 127.0.0.1:9647
              dump       print the kernel state as JSON, for a support ticket
              max-pods   the VPC CNI's pod limit for an instance type
            """,
        version: PodnetdVersion.current,
        subcommands: [CheckCommand.self, ServeCommand.self, DumpCommand.self, MaxPodsCommand.self]
    )
}
