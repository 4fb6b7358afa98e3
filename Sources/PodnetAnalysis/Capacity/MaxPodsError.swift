import PodnetModel

/// Why the max-pods calculator could not compute a value.
public enum MaxPodsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The instance type is not in the table; `suggestions` holds up to five close names.
    case unknownInstanceType(String, suggestions: [String])
    /// The ENI limit (the script's `--cni-max-eni`) is below 1.
    case invalidMaxENIs(Int)
    /// The vCPU count is below 1.
    case invalidVCPUs(Int)
    /// No vCPU count was given and the vCPU table does not list the instance type.
    case unknownVCPUs(String)
    /// Custom networking reserves the primary ENI, and no ENI is left for pods.
    case noENIsForPods(instanceType: String, instanceENIs: Int, maxENIs: Int?)

    /// A message for the user, naming the value at fault and what would work.
    public var description: String {
        switch self {
        case .unknownInstanceType(let name, let suggestions):
            let known = "unknown instance type \(EchoedInput.quoted(name)): it is not in the ENI limits table"
            if suggestions.isEmpty { return known + " (instance types look like m5.large)" }
            return known + "; did you mean " + suggestions.joined(separator: ", ") + "?"
        case .invalidMaxENIs(let value):
            return "the ENI limit must be at least 1, got \(value)"
        case .invalidVCPUs(let value):
            return "the vCPU count must be at least 1, got \(value)"
        case .unknownVCPUs(let name):
            return "the vCPU count of \(name) is not known (it is not in podnetd's vCPU table), and it chooses the"
                + " cap (110, or 250 above 30 vCPUs): give it with --vcpus N (EC2's DefaultVCpus: aws ec2"
                + " describe-instance-types --instance-types \(name) --query 'InstanceTypes[].VCpuInfo.DefaultVCpus')"
        case .noENIsForPods(let instanceType, let instanceENIs, let maxENIs):
            let available: String
            if let maxENIs, maxENIs < instanceENIs {
                available = "the ENI limit \(maxENIs) leaves \(maxENIs) of its \(instanceENIs) ENIs"
            } else {
                available = "it has \(instanceENIs) ENI\(instanceENIs == 1 ? "" : "s")"
            }
            return "custom networking leaves no ENI for pods on \(instanceType): \(available),"
                + " and custom networking keeps the primary ENI for the node"
        }
    }
}
