import PodnetModel

extension Analysis {
    /// Whether the node shows VPC CNI custom networking: pods exist, and none has an IP in a subnet of
    /// the primary ENI (the main table's default-route interface). nil when there is no pod or no
    /// primary ENI subnet to tell by.
    func inferCustomNetworking() -> Bool? {
        guard let primary = index.mainDefaultRouteV4?.nextHops.first?.interfaceIndex else { return nil }
        let subnets = primarySubnets(primary)
        let pods = vpcPodAddresses()
        guard !subnets.isEmpty, !pods.isEmpty else { return nil }
        return !pods.contains { pod in subnets.contains { $0.contains(IPPrefix(host: pod)) } }
    }

    private func primarySubnets(_ primary: InterfaceIndex) -> [IPPrefix] {
        (index.addressesByIndex[primary] ?? [])
            .filter { $0.family == .ipv4 && $0.scope == .universe && !$0.prefix.isHost }.map(\.prefix.network)
    }

    /// The IPv4 addresses of the VPC CNI's pods (routes to eni… veths), sorted.
    private func vpcPodAddresses() -> [IPAddress] {
        var pods: Set<IPAddress> = []
        for link in index.workloadLinks where index.workloadKinds[link.index] == .eni {
            for route in index.workloadRoutes[link.index] ?? [] where route.family == .ipv4 {
                pods.insert(route.destination.address)
            }
        }
        return pods.sorted()
    }

    /// Custom networking as the node shows it against `awsVpcCni.customNetworking`.
    func checkCustomNetworking() {
        guard let inferred = inferCustomNetworking(), inferred != expectations.awsVpcCni.customNetworking,
            let primary = index.mainDefaultRouteV4?.nextHops.first?.interfaceIndex
        else { return }
        let primaryName = index.name(primary)
        let subnets = primarySubnets(primary).map(\.description).joined(separator: ", ")
        let pods = vpcPodAddresses()
        let inside = pods.filter { pod in primarySubnets(primary).contains { $0.contains(IPPrefix(host: pod)) } }
        let capacity = customNetworkingCapacity()
        var evidence = ["default route via \(primaryName) (primary ENI), subnet \(subnets)"]
        let shown = inferred ? pods : inside
        evidence.append(
            "pod IPs\(inferred ? "" : " in the primary ENI's subnet"): "
                + Self.capped(shown.map(\.description), limit: 6).joined(separator: ", "))
        if let capacity { evidence.append(capacity.line) }
        if inferred {
            var consequence = ""
            if let capacity, let maxPods = expectations.maxPods {
                consequence =
                    maxPods > capacity.pods
                    ? " kubelet's maxPods \(maxPods) is above that: once the secondary ENIs' addresses run out, pods "
                        + "hang in ContainerCreating (\"failed to assign an IP address to container\") — the real cause "
                        + "behind them."
                    : " kubelet's maxPods \(maxPods) fits within it."
            }
            add(
                Finding(
                    check: .customNetworkingMismatch, object: "awsVpcCni.customNetworking",
                    summary: "custom networking is in use (no pod in \(primaryName)'s subnet \(subnets)), but "
                        + "awsVpcCni.customNetworking is false",
                    detail: "With custom networking (AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true, ENIConfig subnets) the "
                        + "VPC CNI puts no pod on the primary ENI: every pod IP comes from secondary ENIs in other "
                        + "subnets, as here. The pod capacity is then one ENI smaller: "
                        + (capacity.map { $0.formula + "." } ?? "(ENIs − 1) × (IPs − 1) + 2 (instance type unknown).")
                        + consequence + " podnetd's capacity checks use what the node shows.",
                    evidence: evidence,
                    remediation: "Set awsVpcCni.customNetworking: true in podnetd's config. Set kubelet's maxPods to "
                        + (capacity.map { "\($0.recommended)" } ?? "the custom-networking value")
                        + " (EKS: max-pods-calculator.sh --instance-type TYPE --cni-version VERSION "
                        + "--cni-custom-networking-enabled; nodeadm: kubelet.config.maxPods) and restart kubelet."))
        } else {
            add(
                Finding(
                    check: .customNetworkingMismatch, object: "awsVpcCni.customNetworking",
                    summary: "awsVpcCni.customNetworking is true, but pods use the primary ENI \(primaryName) "
                        + "(\(Self.plural(inside.count, "pod IP")) in its subnet \(subnets))",
                    detail: "With custom networking the VPC CNI never gives pods addresses of the primary ENI, yet "
                        + "here some have them: custom networking is off on this node (aws-node's "
                        + "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG, or no ENIConfig matched the node), and the pod capacity "
                        + "is the full ENI count's, not one ENI less. podnetd's capacity checks use what the node shows.",
                    evidence: evidence,
                    remediation: "If custom networking should be on, check aws-node's environment (kubectl -n "
                        + "kube-system get ds aws-node -o yaml | grep CUSTOM_NETWORK) and the node's ENIConfig "
                        + "(ENI_CONFIG_LABEL_DEF, kubectl get eniconfigs); otherwise set awsVpcCni.customNetworking: false."))
        }
    }

    /// The custom-networking capacity of the instance type, when it is known.
    private func customNetworkingCapacity() -> (pods: Int, recommended: Int, formula: String, line: String)? {
        guard let type = expectations.instanceType,
            let result = try? MaxPodsCalculator().calculate(
                instanceType: type, vCPUs: expectations.vCPUs ?? 1,
                prefixDelegation: expectations.awsVpcCni.prefixDelegation, customNetworking: true,
                maxENIs: expectations.awsVpcCni.maxENIs)
        else { return nil }
        let formula = "(ENIs − 1) × (IPs − 1) + 2 with \(result.instanceType)'s \(result.instanceEnis) ENIs × "
            + "\(result.ipv4PerEni) IPs: \(result.formula)"
        return (result.maxAllowed, result.recommended, formula, "custom networking capacity " + formula)
    }

    /// Custom networking as the capacity checks take it: what the node shows, else the config.
    var customNetworkingInEffect: Bool {
        guard mode == .awsVPCCNI else { return expectations.awsVpcCni.customNetworking }
        return inferCustomNetworking() ?? expectations.awsVpcCni.customNetworking
    }
}
