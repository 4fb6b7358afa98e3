import PodnetModel

extension Analysis {
    /// Tx checksum offload left on on the VXLAN devices with a kernel older than 5.7. Quiet when the
    /// node facts lack the kernel release or the offload state (older dumps).
    func checkVXLANChecksumOffload() {
        guard let release = expectations.kernelRelease, let version = KernelVersion(release: release),
            version < KernelVersion.vxlanChecksumFixed
        else { return }
        let calico = expectations.calico
        for name in [calico.vxlanDevice, calico.vxlanDeviceV6] {
            guard let link = index.linksByName[name], link.offloads?.txChecksum == true else { continue }
            add(
                Finding(
                    check: .vxlanChecksumOffload, object: name,
                    summary: "\(name) has tx checksum offload on with kernel \(release) (older than 5.7)",
                    detail: "On kernels before 5.7 the checksum of packets sent through a VXLAN device with tx "
                        + "checksum offload can be left wrong (calico#3145), and the receiving node drops them. "
                        + "Symptoms are selective: typically connections through Services (kube-proxy's NAT) to pods "
                        + "on other nodes stall or time out, while pings and some direct traffic work. Felix switches the offload off on such kernels (Calico releases since August 2021, "
                        + "felix#2815) unless told otherwise; here it is on.",
                    evidence: ["uname -r: \(release)", "ethtool -k \(name): tx-checksumming: on", syntax.link(link)],
                    remediation: "Now: ethtool -K \(name) tx off (lasts until the device is recreated). For good: "
                        + "let Felix do it — kubectl patch felixconfiguration default --type=merge -p "
                        + "'{\"spec\":{\"featureDetectOverride\":\"ChecksumOffloadBroken=true\"}}' (or upgrade "
                        + "Calico; check that featureDetectOverride does not say ChecksumOffloadBroken=false) — or "
                        + "upgrade the node's kernel to 5.7 or later."))
        }
    }
}
