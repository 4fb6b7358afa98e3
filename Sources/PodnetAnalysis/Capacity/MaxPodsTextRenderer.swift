extension MaxPodsCalculator {
    /// The text of `podnetd max-pods`: the number alone on the first line, then its derivation.
    public static func renderText(_ result: MaxPodsResult) -> String {
        var lines = ["\(result.maxPods)"]
        func row(_ label: String, _ value: String) {
            let padding = String(repeating: " ", count: max(1, 15 - label.count))
            lines.append(label + ":" + padding + value)
        }
        row("instance type", "\(result.instanceType) (hypervisor \(result.hypervisor.rawValue))")
        if result.enis == result.instanceEnis {
            row("ENIs", "\(result.enis)")
        } else {
            row("ENIs", "\(result.enis) of the instance's \(result.instanceEnis)")
        }
        row("IPv4 per ENI", "\(result.ipv4PerEni)")
        if result.prefixDelegationFellBack {
            row("mode", "\(result.mode.rawValue) (prefix delegation asked for, not available)")
        } else {
            row("mode", result.mode.rawValue)
        }
        row("formula", result.formula)
        let vcpus = "\(result.vcpus) vCPU\(result.vcpus == 1 ? "" : "s")"
        let origin = result.vcpusSource == .instanceType ? "\(result.instanceType)'s own count" : "as given"
        let rule =
            result.vcpus > MaxPodsCalculator.highCPUThreshold
            ? "\(vcpus) > \(MaxPodsCalculator.highCPUThreshold), \(origin)"
            : "\(vcpus) ≤ \(MaxPodsCalculator.highCPUThreshold), \(origin)"
        if let cap = result.cap {
            if result.capApplied {
                row("cap", "\(cap) (\(rule)): applied, \(result.maxAllowed) → \(result.maxPods)")
            } else {
                row("cap", "\(cap) (\(rule)): not applied, \(result.maxAllowed) ≤ \(cap)")
            }
        } else {
            let recommended = MaxPodsCalculator.cap(forVCPUs: result.vcpus)
            row(
                "cap",
                "none (max allowed shown); the recommended cap would be \(recommended) (\(rule)),"
                    + " giving \(result.recommended)")
        }
        for note in result.notes {
            row("note", note)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
