import ArgumentParser
import PodnetAnalysis

struct MaxPodsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "max-pods",
        abstract: "The most pods the AWS VPC CNI can give IPs to on an instance type (offline).",
        discussion: """
            Answers what AWS's max-pods-calculator.sh answers, from the ENI limits table \
            built into podnetd:
              secondary-IP mode      ENIs × (IPv4 per ENI − 1) + 2
              prefix delegation      ENIs × ((IPv4 per ENI − 1) × 16) + 2  (Nitro only)
            capped at 110 (250 above 30 vCPUs: the instance type's own vCPU count, or \
            --vcpus) unless --show-max-allowed is given.
            """
    )

    @Option(name: .long, help: "EC2 instance type, e.g. t3a.medium.")
    var instanceType: String

    @Flag(name: .long, help: "The VPC CNI assigns /28 prefixes (ENABLE_PREFIX_DELEGATION=true).")
    var prefixDelegation = false

    @Flag(name: .long, help: "Custom networking: the primary ENI carries no pods.")
    var customNetworking = false

    @Option(name: .long, help: "Use at most this many ENIs (the calculator's --cni-max-eni).")
    var maxEnis: Int?

    @Option(name: .long, help: "vCPU count that chooses the cap (default: the instance type's own, EC2's DefaultVCpus).")
    var vcpus: Int?

    @Flag(name: .long, help: "Print the uncapped number instead of the recommended one.")
    var showMaxAllowed = false

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let result: MaxPodsResult
        do {
            result = try MaxPodsCalculator().calculate(
                instanceType: instanceType, vCPUs: vcpus,
                prefixDelegation: prefixDelegation, customNetworking: customNetworking, maxENIs: maxEnis,
                showMaxAllowed: showMaxAllowed)
        } catch {
            StandardStreams.error(error.description)
            throw ExitCode(2)
        }
        switch format {
        case .text:
            StandardStreams.writeOut(MaxPodsCalculator.renderText(result))
        case .json:
            StandardStreams.writeOut(try OrderedJSONEncoder().encode(result) + "\n")
        }
    }
}
