import ArgumentParser
import PodnetModel

#if canImport(Glibc)
import Glibc
#endif

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
              explain    one destination's path through the node, first broken link named
            """,
        version: PodnetdVersion.description,
        subcommands: [CheckCommand.self, ServeCommand.self, DumpCommand.self, MaxPodsCommand.self, ExplainCommand.self]
    )

    /// Exit statuses are API (`check` is a node-problem-detector plugin: 0 ok, 1 findings, 2 could not
    /// check), so a usage error is 2 with one line on stderr, not ArgumentParser's 64 and a usage block.
    static func main() {
        guard let arguments = ProcessArguments.afterProgramName() else {
            StandardStreams.error("cannot read the command line: the C runtime passed no arguments; nothing was checked")
            Glibc.exit(2)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            // ArgumentParser repeats the offending argument whole: keep the line short and one line.
            StandardStreams.error("\(EchoedInput.bare(message, limit: 300)) (see podnetd --help)")
            Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
