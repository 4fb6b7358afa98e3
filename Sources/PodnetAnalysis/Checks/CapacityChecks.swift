import PodnetModel

extension Analysis {
    /// Pods that count against maxPods without a veth of their own: kube-proxy and the CNI's node
    /// agent (aws-node, calico-node) run with host networking. AWS's formula adds the same 2.
    static let assumedHostNetworkPods = 2

    /// maxPods against the instance's ENI capacity and the recommended cap; workloads against both.
    func checkCapacity() {
        let calculator = MaxPodsCalculator()
        let e = expectations
        let workloads = index.workloadLinks.count
        var report = CapacityReport(
            maxPods: e.maxPods, maxPodsSource: e.maxPodsSource, instanceType: e.instanceType,
            instanceTypeSource: e.instanceTypeSource, vcpus: e.vCPUs, workloads: workloads)
        var notes: [String] = []
        let typeVCPUs = e.instanceType.flatMap { calculator.table.lookup($0)?.defaultVCPUs }
        let vCPUs = e.vCPUs ?? typeVCPUs ?? 1
        if e.vCPUs == nil {
            if let typeVCPUs, let type = e.instanceType {
                notes.append("the node's vCPU count is unknown: \(type)'s own \(typeVCPUs) vCPUs choose the cap")
                report.vcpus = typeVCPUs
            } else {
                notes.append("vCPU count unknown: the 110 cap (30 vCPUs or fewer) is assumed")
            }
        }
        let cap = MaxPodsCalculator.cap(forVCPUs: vCPUs)

        // The instance's limits.
        var limits: InstanceENILimits?
        if let type = e.instanceType {
            limits = calculator.table.lookup(type)
            if limits == nil {
                let suggestions = calculator.table.suggestions(for: type, limit: 3)
                notes.append("instance type \(type) is not in the ENI table: the ENI capacity is unknown")
                add(
                    Finding(
                        check: .instanceTypeUnknown, object: type,
                        summary: "instance type \(type) is not in the ENI table; the ENI capacity checks did not run",
                        detail: "podnetd computes the pods an instance's ENIs can address from its table of EC2 "
                            + "instance types (\(calculator.table.count) types), and \(type) (\(e.instanceTypeSource)) "
                            + "is not among them"
                            + (suggestions.isEmpty ? "." : " (close names: \(suggestions.joined(separator: ", "))).")
                            + " maxPods was not compared with the ENI capacity.",
                        evidence: [],
                        remediation: "Check the instanceType setting in podnetd's config (or set it, if the DMI "
                            + "product name is not an EC2 type); a type newer than this podnetd needs a newer build."))
            }
        } else {
            notes.append("instance type unknown (\(e.instanceTypeSource)): the ENI capacity is unknown")
            if mode == .awsVPCCNI {
                add(
                    Finding(
                        check: .instanceTypeUnknown, object: "instanceType",
                        summary: "instance type unknown; the ENI capacity checks did not run",
                        detail: "With the VPC CNI every pod needs an ENI IP address, and how many there are depends "
                            + "on the instance type, which podnetd could not determine (\(e.instanceTypeSource)). "
                            + "maxPods was not compared with the ENI capacity.",
                        evidence: [],
                        remediation: "Set instanceType in podnetd's config (e.g. instanceType: m5.large), or check "
                            + "that /sys/devices/virtual/dmi/id/product_name is readable."))
            }
        }

        var eniResult: MaxPodsResult?
        var vpcLimit: MaxPodsResult?
        if let limits {
            do {
                if mode == .awsVPCCNI {
                    eniResult = try calculator.calculate(
                        instanceType: limits.instanceType, vCPUs: vCPUs, prefixDelegation: e.awsVpcCni.prefixDelegation,
                        customNetworking: customNetworkingInEffect, maxENIs: e.awsVpcCni.maxENIs)
                    notes.append(contentsOf: eniResult?.notes ?? [])
                }
                vpcLimit = try calculator.calculate(instanceType: limits.instanceType, vCPUs: vCPUs)
            } catch {
                notes.append("ENI capacity: \(error)")
            }
        }

        if let eniResult {
            report.ipCapacity = eniResult.maxAllowed
            report.ipCapacityFormula = eniResult.formula
            report.recommendedMaxPods = eniResult.recommended
        } else {
            switch mode {
            case .calicoVXLAN: report.ipCapacityFormula = "not limited by ENIs: Calico assigns pod IPs from its IP pools"
            case .hostGW: report.ipCapacityFormula = "not limited by ENIs: pod IPs come from the node's pod CIDR"
            case .awsVPCCNI, .unknown: break
            }
            report.recommendedMaxPods = cap
        }

        // Workload capacity.
        let hostPods = Self.assumedHostNetworkPods
        switch (e.maxPods, report.ipCapacity) {
        case (let maxPods?, let ip?):
            let pods = max(0, min(maxPods, ip) - hostPods)
            report.podCapacity = pods
            report.podCapacityFormula = "min(maxPods \(maxPods), IP capacity \(ip)) − \(hostPods) host-network pods "
                + "= \(pods)"
        case (let maxPods?, nil):
            let pods = max(0, maxPods - hostPods)
            report.podCapacity = pods
            report.podCapacityFormula = "maxPods \(maxPods) − \(hostPods) host-network pods = \(pods)"
        case (nil, let ip?):
            let pods = max(0, ip - hostPods)
            report.podCapacity = pods
            report.podCapacityFormula = "IP capacity \(ip) − \(hostPods) host-network pods = \(pods)"
        case (nil, nil):
            break
        }

        guard let maxPods = e.maxPods else {
            notes.append("maxPods unknown (\(e.maxPodsSource))")
            add(
                Finding(
                    check: .maxPodsUnknown, object: "maxPods",
                    summary: "kubelet's maxPods is unknown; the max-pods checks did not run",
                    detail: "podnetd reads maxPods from kubelet's config file, and could not here: \(e.maxPodsSource).",
                    evidence: [],
                    remediation: "Set kubeletConfigPath (or maxPods) in podnetd's config."))
            report.notes = notes
            capacity = report
            checkPodCapacity(report: report)
            return
        }
        // A --max-pods flag overrides the config file: the fix goes where the flag is, not into the file.
        let kubeletFile =
            e.maxPodsSource.hasPrefix(Expectations.kubeletFlagSourcePrefix)
            ? "kubelet's --max-pods flag where maxPods' source says it is set (it overrides "
                + "\(e.kubeletConfigPath ?? "kubelet's config file"); EKS AL2023: NodeConfig spec.kubelet.flags, AL2: "
                + "bootstrap.sh --kubelet-extra-args)"
            : e.kubeletConfigPath ?? "kubelet's config file"
        let maxPodsEvidence = "maxPods \(maxPods) (\(e.maxPodsSource))"

        if let eniResult, let limits, maxPods > eniResult.maxAllowed {
            reportExceedsIPCapacity(maxPods: maxPods, result: eniResult, limits: limits, kubeletFile: kubeletFile,
                evidence: maxPodsEvidence, calculator: calculator, vCPUs: vCPUs)
        }

        if mode.hasOwnPodNetwork, let vpcLimit, maxPods == vpcLimit.maxAllowed, maxPods < cap {
            add(
                Finding(
                    check: .maxPodsLimitedByENI, object: "maxPods",
                    summary: "maxPods \(maxPods) is the VPC CNI's ENI limit for \(vpcLimit.instanceType), but the "
                        + "node runs \(mode)",
                    detail: "\(vpcLimit.instanceType)'s ENIs can address \(vpcLimit.formula) pods — the number the VPC "
                        + "CNI needs as maxPods, and the one eksctl and EKS node groups put in kubelet's config. This "
                        + "node runs \(mode), whose pods do not use ENI addresses, so the limit no longer applies: "
                        + "the scheduler stops at \(maxPods) pods (new pods stay Pending with \"Insufficient pods\") "
                        + "while CPU and memory are free.",
                    evidence: [
                        maxPodsEvidence,
                        "\(vpcLimit.instanceType): \(vpcLimit.instanceEnis) ENIs × \(vpcLimit.ipv4PerEni) IPv4 addresses "
                            + "(ENI table): \(vpcLimit.formula)",
                    ],
                    remediation: "Raise maxPods to \(cap) (the recommended cap for \(vCPUs) vCPUs) in \(kubeletFile) "
                        + "and restart kubelet (systemctl restart kubelet). With eksctl: --max-pods-per-node \(cap) "
                        + "(or maxPodsPerNode in the node group); with EKS node groups: a launch template passing "
                        + "--max-pods=\(cap) to kubelet (bootstrap.sh --use-max-pods false, or nodeadm's "
                        + "kubelet.config.maxPods)."))
        }

        if maxPods > cap {
            add(
                Finding(
                    check: .maxPodsAboveRecommended, object: "maxPods",
                    summary: "maxPods \(maxPods) is above the recommended \(cap)",
                    detail: "Kubernetes is tested up to 110 pods per node, and AWS's max-pods calculator caps the "
                        + "value at 110 on instances with 30 vCPUs or fewer and at 250 above. "
                        + (e.vCPUs.map { "This node has \($0) vCPUs. " } ?? "This node's vCPU count is unknown. ")
                        + "Denser nodes strain kubelet, the container runtime and the CNI (slower pod starts, PLEG "
                        + "timeouts), and one node failure takes more pods with it.",
                    evidence: [maxPodsEvidence],
                    remediation: "Unless this density is tested and intended, set maxPods to \(cap) in \(kubeletFile) "
                        + "and restart kubelet."))
        }

        report.notes = notes
        capacity = report
        checkPodCapacity(report: report)
    }

    private func reportExceedsIPCapacity(
        maxPods: Int, result: MaxPodsResult, limits: InstanceENILimits, kubeletFile: String, evidence: String,
        calculator: MaxPodsCalculator, vCPUs: Int
    ) {
        var alternative = ""
        if !expectations.awsVpcCni.prefixDelegation, limits.hypervisor == .nitro,
            let prefix = try? calculator.calculate(
                instanceType: limits.instanceType, vCPUs: vCPUs, prefixDelegation: true,
                customNetworking: customNetworkingInEffect, maxENIs: expectations.awsVpcCni.maxENIs)
        {
            alternative = " Or raise the capacity with prefix delegation (kubectl -n kube-system set env daemonset "
                + "aws-node ENABLE_PREFIX_DELEGATION=true): \(prefix.formula) on \(limits.instanceType), recommended "
                + "maxPods \(prefix.recommended)."
        }
        // An unconfirmed number (a --max-pods flag may override it, unreadably) is not asserted as
        // critical: a warning still shows the risk, and the text says how to confirm it.
        let unconfirmed = expectations.maxPodsMayBeOverridden
        let node = nodeNameInCommands
        let confirm =
            unconfirmed
            ? " podnetd could not confirm maxPods \(maxPods): a --max-pods flag may override it. Confirm what "
                + "kubelet runs with first: kubectl get node \(node) -o jsonpath='{.status.capacity.pods}' (or ps -o "
                + "args= -C kubelet on the node)."
            : ""
        add(
            Finding(
                check: .maxPodsExceedsIPCapacity, severity: unconfirmed ? .warning : nil, object: "maxPods",
                summary: "maxPods \(maxPods) is above the \(result.maxAllowed) pods \(result.instanceType)'s ENIs can "
                    + "address" + (unconfirmed ? " (maxPods may be overridden)" : ""),
                detail: "With the VPC CNI every pod gets an IP address of one of the instance's ENIs, and "
                    + "\(result.instanceType) has room for \(result.formula) pods (\(result.mode.rawValue) mode). "
                    + "kubelet accepts up to \(maxPods), so once the addresses run out the scheduler keeps placing "
                    + "pods here that can never start: they hang in ContainerCreating with \"failed to assign an IP "
                    + "address to container\", and the node may turn NotReady." + confirm,
                evidence: [
                    evidence,
                    "\(result.instanceType): \(result.instanceEnis) ENIs × \(result.ipv4PerEni) IPv4 addresses (ENI "
                        + "table); IP capacity \(result.formula)",
                ] + result.notes,
                remediation: "Set maxPods to \(result.recommended) (min(\(result.maxAllowed), cap \(result.cap ?? 110))) "
                    + "in \(kubeletFile) and restart kubelet (systemctl restart kubelet); with eksctl use "
                    + "--max-pods-per-node \(result.recommended), with EKS node groups let the AMI compute it "
                    + "(bootstrap.sh --use-max-pods true, or nodeadm's default).\(alternative)"))
    }

    private func checkPodCapacity(report: CapacityReport) {
        guard let capacity = report.podCapacity, capacity > 0 else { return }
        let workloads = report.workloads
        let ratio = expectations.thresholds.podCapacityWarningRatio
        let atLimit = workloads >= capacity
        guard atLimit || Double(workloads) >= ratio * Double(capacity) else { return }
        let percent = Int((Double(workloads) / Double(capacity) * 100).rounded())
        add(
            Finding(
                check: .podCapacityNearLimit, severity: atLimit ? .critical : .warning, object: "pods",
                summary: "\(workloads) of \(capacity) workload slots used (\(percent) %)"
                    + (atLimit ? ": the node is full" : ""),
                detail: "The node can hold \(report.podCapacityFormula ?? "\(capacity)") pods with their own network "
                    + "(the host-network pods kube-proxy and the CNI agent count against maxPods too). "
                    + (atLimit
                        ? "It is full: new pods stay Pending (\"Insufficient pods\")"
                            + (mode == .awsVPCCNI ? " or hang in ContainerCreating without an IP address." : ".")
                        : "It is above the warning ratio of \(Int((ratio * 100).rounded())) %."),
                evidence: [
                    "\(Self.plural(workloads, "workload veth")) (cali…/eni…)",
                    report.podCapacityFormula ?? "pod capacity \(capacity)",
                ],
                remediation: "Add nodes (or let the cluster autoscaler do it), spread pods with resource requests and "
                    + "topology constraints"
                    + (mode == .awsVPCCNI ? ", or raise the IP capacity (prefix delegation)" : "")
                    + "; see kubectl describe node \(nodeNameInCommands) "
                    + "(Allocatable pods, Non-terminated Pods)."))
    }
}
