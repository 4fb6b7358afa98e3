import Foundation
import PodnetAnalysis
import PodnetModel
import Yams

/// Turns a `PodnetConfig` into the analyzer's `Expectations`, reading what `auto` settings need:
/// kubelet's config (maxPods), the DMI product name (instance type), the CPU count. All file
/// access goes through `files`, so tests can inject the files.
public struct ExpectationsResolver: Sendable {
    /// Where kubelet's config lives, in the order they are tried: EKS AL2, EKS AL2023, kubeadm. Each
    /// one's drop-ins (`PATH.d/*.conf`, where AL2023's nodeadm puts the user's settings) are merged
    /// over it.
    public static let kubeletConfigPaths = [
        "/etc/kubernetes/kubelet/kubelet-config.json",
        "/etc/kubernetes/kubelet/config.json",
        "/var/lib/kubelet/config.yaml",
    ]
    /// The instance type on Nitro instances.
    public static let dmiProductNamePath = "/sys/devices/virtual/dmi/id/product_name"
    /// kubelet's maxPods when its config does not set one.
    public static let kubeletDefaultMaxPods = 110

    /// systemd's unit directories, in order of precedence, where `kubelet.service` and its drop-ins
    /// (`kubelet.service.d/*.conf`) are looked for: they hold kubelet's command-line flags.
    public static let kubeletUnitDirectories = KubeletCommandLine.defaultUnitDirectories
    /// systemd's manager configuration (`DefaultEnvironment=`): its main files and drop-in directories.
    public static let systemdManagerConfigPaths = KubeletCommandLine.defaultManagerConfigPaths
    public static let systemdManagerConfigDirectories = KubeletCommandLine.defaultManagerConfigDirectories

    public var files: any FileReading
    public var vCPUs: @Sendable () -> Int?
    /// The kernel release (`uname -r`).
    public var kernelRelease: @Sendable () -> String?
    public var table: ENILimitsTable
    /// The process environment (`NODE_NAME`) and the machine's hostname, for the node's name
    /// (injectable for tests).
    public var environment: [String: String]
    public var hostname: @Sendable () -> String
    /// Where `kubelet.service` and its drop-ins are looked for (injectable for tests).
    public var kubeletUnitDirectories: [String]
    /// systemd's manager configuration files and drop-in directories (injectable for tests).
    public var systemdManagerConfigPaths: [String]
    public var systemdManagerConfigDirectories: [String]

    /// - Parameters:
    ///   - files: where files are read from (the local file system by default).
    ///   - vCPUs: the node's vCPU count (the configured processors by default).
    ///   - table: the ENI table instance types are looked up in.
    ///   - kubeletUnitDirectories: where kubelet's systemd unit and drop-ins are looked for.
    ///   - systemdManagerConfigPaths, systemdManagerConfigDirectories: systemd's own configuration.
    public init(
        files: any FileReading = LocalFileSystem(),
        vCPUs: @escaping @Sendable () -> Int? = ExpectationsResolver.systemVCPUs,
        kernelRelease: @escaping @Sendable () -> String? = ExpectationsResolver.systemKernelRelease,
        table: ENILimitsTable = .embedded,
        kubeletUnitDirectories: [String] = ExpectationsResolver.kubeletUnitDirectories,
        systemdManagerConfigPaths: [String] = ExpectationsResolver.systemdManagerConfigPaths,
        systemdManagerConfigDirectories: [String] = ExpectationsResolver.systemdManagerConfigDirectories,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        hostname: @escaping @Sendable () -> String = NodeIdentity.systemHostname
    ) {
        self.environment = environment
        self.hostname = hostname
        self.files = files
        self.vCPUs = vCPUs
        self.kernelRelease = kernelRelease
        self.table = table
        self.kubeletUnitDirectories = kubeletUnitDirectories
        self.systemdManagerConfigPaths = systemdManagerConfigPaths
        self.systemdManagerConfigDirectories = systemdManagerConfigDirectories
    }

    /// This machine's kernel release, from uname(2) (no file needed, so the sandboxed daemon has it too).
    public static let systemKernelRelease: @Sendable () -> String? = {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return release.isEmpty ? nil : release
    }

    /// The configured processors of this machine (not limited by cgroups or affinity).
    public static let systemVCPUs: @Sendable () -> Int? = {
        let count = ProcessInfo.processInfo.processorCount
        return count > 0 ? count : nil
    }

    /// The expectations for `config` on this node. Throws when a file the config names explicitly
    /// (`kubeletConfigPath`) is missing or unusable; `auto` settings that find nothing leave the
    /// value unknown and say why in its source.
    public func resolve(_ config: PodnetConfig) throws(ConfigError) -> Expectations {
        expectations(config, facts: try nodeFacts(config))
    }

    /// The expectations for `config` with the node's facts (this node's, or a dump's).
    public func expectations(_ config: PodnetConfig, facts: NodeFacts) -> Expectations {
        var expectations = Expectations(
            cni: config.cni, podCIDRs: config.podCIDRs, blockSize: config.blockSize, blockSizeV6: config.blockSizeV6,
            serviceCIDRs: config.serviceCIDRs, calico: config.calico, hostGW: config.hostGW, maxPods: facts.maxPods,
            maxPodsSource: facts.maxPodsSource, kubeletConfigPath: facts.kubeletConfigPath,
            instanceType: facts.instanceType, instanceTypeSource: facts.instanceTypeSource, vCPUs: facts.vCPUs,
            awsVpcCni: config.awsVpcCni, thresholds: config.thresholds,
            maxPodsMayBeOverridden: facts.maxPodsMayBeOverridden, kernelRelease: facts.kernelRelease,
            nodeName: facts.nodeName)
        expectations.explicitKeys = config.explicitKeys
        return expectations
    }

    /// This node's facts as `config` resolves them: vCPUs, instance type, kubelet's maxPods (each with
    /// its source), the kernel release and the node's name. What `podnetd dump` records and a live
    /// check uses.
    public func nodeFacts(_ config: PodnetConfig) throws(ConfigError) -> NodeFacts {
        let maxPods = try resolveMaxPods(config)
        let instanceType = resolveInstanceType(config.instanceType)
        let node = nodeIdentity(config)
        return NodeFacts(
            vCPUs: vCPUs(), instanceType: instanceType.name, instanceTypeSource: instanceType.source,
            maxPods: maxPods.value, maxPodsSource: maxPods.source, maxPodsMayBeOverridden: maxPods.mayBeOverridden,
            kubeletConfigPath: maxPods.path, kernelRelease: kernelRelease(), nodeName: node.name,
            nodeNameSource: node.source.rawValue)
    }

    /// The node's Kubernetes name as `serve` labels its metrics: the same sources, in the same order.
    public func nodeIdentity(_ config: PodnetConfig) -> NodeIdentity {
        NodeIdentity.resolve(configured: config.nodeName, environment: environment, files: files, hostname: hostname)
    }

    /// kubelet's maxPods: its value, where it came from, and the kubelet config file involved.
    public struct MaxPods: Sendable, Hashable {
        public var value: Int?
        public var source: String
        public var path: String?
        /// A `--max-pods` flag may override `value`, but the files that would say cannot be read.
        public var mayBeOverridden: Bool

        public init(value: Int?, source: String, path: String?, mayBeOverridden: Bool = false) {
            self.value = value
            self.source = source
            self.path = path
            self.mayBeOverridden = mayBeOverridden
        }
    }

    /// maxPods as the config says: the number given, or what kubelet runs with — its `--max-pods`
    /// flag (which wins, as in kubelet), else its config (`maxPods` absent: 110) with its drop-ins
    /// (`PATH.d/*.conf`) merged over it. When a flag may exist but cannot be read, the config's
    /// value is kept and marked `mayBeOverridden`.
    public func resolveMaxPods(_ config: PodnetConfig) throws(ConfigError) -> MaxPods {
        if case .fixed(let value) = config.maxPods {
            return MaxPods(
                value: value, source: "config", path: config.kubeletConfigPath ?? firstExistingKubeletConfig())
        }
        let flag = kubeletCommandLine.maxPodsFlag()
        let caveat: String? = flag == .noUnit ? Self.flagCaveat : nil
        let fromFile: MaxPods
        if let explicit = config.kubeletConfigPath {
            guard let maxPods = try kubeletMaxPods(atPath: explicit, key: "kubeletConfigPath", caveat: caveat) else {
                throw ConfigError(
                    kind: .fileNotFound, file: explicit, key: "kubeletConfigPath",
                    message: "no such kubelet config file")
            }
            fromFile = maxPods
        } else {
            fromFile = firstKubeletConfigMaxPods(caveat: caveat)
        }
        switch flag {
        case .set(let value, let origin):
            let overridden = fromFile.value.map { ", overriding maxPods \($0) of " + fromFile.source } ?? ""
            return MaxPods(
                value: value,
                source: Expectations.kubeletFlagSourcePrefix
                    + "\(KubeletCommandLine.flag)=\(value) (\(origin))\(overridden)",
                path: fromFile.path)
        case .unconfirmed(let reason):
            var maxPods = fromFile
            maxPods.source += "; maxPods may be overridden by a \(KubeletCommandLine.flag) flag: \(reason)"
            maxPods.mayBeOverridden = true
            return maxPods
        case .absent, .noUnit:
            return fromFile
        }
    }

    /// maxPods from the first kubelet config file that exists.
    private func firstKubeletConfigMaxPods(caveat: String?) -> MaxPods {
        for path in Self.kubeletConfigPaths {
            do {
                guard let maxPods = try kubeletMaxPods(atPath: path, key: nil, caveat: caveat) else { continue }
                return maxPods
            } catch {
                return MaxPods(value: nil, source: "unknown: \(error)", path: path)
            }
        }
        return MaxPods(
            value: nil, source: "unknown: no kubelet config at \(Self.kubeletConfigPaths.joined(separator: ", "))",
            path: nil)
    }

    /// kubelet's command line as systemd starts it, read through `files`.
    var kubeletCommandLine: KubeletCommandLine {
        KubeletCommandLine(
            files: files, unitDirectories: kubeletUnitDirectories, managerConfigPaths: systemdManagerConfigPaths,
            managerConfigDirectories: systemdManagerConfigDirectories)
    }

    /// The directory of drop-ins kubelet (1.29 and later, with `--config-dir`) merges over the
    /// config file at `path`, as EKS AL2023's nodeadm sets it up: `PATH.d`.
    public static func dropInDirectory(forKubeletConfig path: String) -> String { path + ".d" }

    /// Said, when no kubelet unit was found, wherever maxPods is not one a file sets directly: a flag
    /// would override any file.
    static let flagCaveat = "kubelet's --max-pods flag, if used, is not visible to podnetd"

    /// maxPods from the kubelet config at `path` and its drop-ins; nil when there is no such file.
    /// `key` is the podnetd setting that named `path`, when one did; `caveat`, said where the value
    /// is not one the file sets directly, that a flag could override it.
    private func kubeletMaxPods(atPath path: String, key: String?, caveat: String?) throws(ConfigError) -> MaxPods? {
        guard let text = try readKubeletFile(atPath: path, key: key) else { return nil }
        var value = try Self.maxPods(fromKubeletConfig: text, path: path)
        var valuePath = path
        var fromDropIn = false
        let dropIns = try dropIns(forKubeletConfig: path)
        for dropIn in dropIns {
            // Listed a moment ago; a drop-in removed since then has nothing to merge.
            guard let text = try readKubeletFile(atPath: dropIn, key: nil) else { continue }
            if let override = try Self.maxPods(fromKubeletConfig: text, path: dropIn) {
                value = override
                valuePath = dropIn
                fromDropIn = true
            }
        }
        guard let value else {
            return MaxPods(
                value: Self.kubeletDefaultMaxPods,
                source: "default \(Self.kubeletDefaultMaxPods) (kubelet config \(path) does not set maxPods"
                    + (dropIns.isEmpty ? "" : ", nor do its drop-ins") + (caveat.map { "; \($0)" } ?? "") + ")",
                path: path)
        }
        let source = "kubelet config \(valuePath)" + (fromDropIn ? caveat.map { " (\($0))" } ?? "" : "")
        return MaxPods(value: value, source: source, path: valuePath)
    }

    /// The text of one kubelet config file; nil when there is none.
    private func readKubeletFile(atPath path: String, key: String?) throws(ConfigError) -> String? {
        do {
            return try files.readText(atPath: path)
        } catch {
            throw ConfigError(kind: .unreadable, file: path, key: key, message: "cannot read kubelet config: \(error)")
        }
    }

    /// The `*.conf` files of the drop-in directory of the kubelet config at `path`, in the order
    /// kubelet merges them: lexical (byte) order of their names. None when there is no directory.
    public func dropIns(forKubeletConfig path: String) throws(ConfigError) -> [String] {
        let directory = Self.dropInDirectory(forKubeletConfig: path)
        let names: [String]?
        do {
            names = try files.listDirectory(atPath: directory)
        } catch {
            throw ConfigError(
                kind: .unreadable, file: directory, message: "cannot list kubelet config drop-ins: \(error)")
        }
        return (names ?? [])
            .filter { $0.hasSuffix(".conf") }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { directory + "/" + $0 }
    }

    private func firstExistingKubeletConfig() -> String? {
        Self.kubeletConfigPaths.first { (try? files.readText(atPath: $0)) != nil }
    }

    /// The `maxPods` of a kubelet config file (JSON or YAML); nil when the file does not set it.
    public static func maxPods(fromKubeletConfig text: String, path: String) throws(ConfigError) -> Int? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            var converted = PodnetConfigFile.convert(error, yaml: text, path: path)
            converted.message = "not a valid kubelet config (JSON or YAML): " + converted.message
            throw converted
        } catch {
            throw ConfigError(kind: .malformedYAML, file: path, message: "not a valid kubelet config: \(error)")
        }
        guard let root, case .mapping(let mapping) = root else {
            throw ConfigError(
                kind: .wrongType, file: path, line: root?.mark?.line,
                message: "not a kubelet config: expected a mapping (KubeletConfiguration)")
        }
        guard let value = mapping["maxPods"] else { return nil }
        guard let number = ConfigReader.integerValue(value) else {
            throw ConfigError(
                kind: .wrongType, file: path, line: value.mark?.line, key: "maxPods",
                message: "expected an integer, got \(ConfigReader(file: path).describe(value))")
        }
        guard NodeFacts.acceptedMaxPods.contains(number) else {
            let range = NodeFacts.acceptedMaxPods
            throw ConfigError(
                kind: .outOfRange, file: path, line: value.mark?.line, key: "maxPods",
                message: "expected an integer \(range.lowerBound)–\(range.upperBound), got \(number)")
        }
        return number
    }

    /// The instance type: the one configured, or the DMI product name when it is a known type.
    public func resolveInstanceType(_ setting: InstanceTypeSetting) -> (name: String?, source: String) {
        if case .named(let name) = setting {
            return (table.lookup(name)?.instanceType ?? name, "config")
        }
        let path = Self.dmiProductNamePath
        let text: String?
        do {
            text = try files.readText(atPath: path)
        } catch {
            return (nil, "unknown: \(path) cannot be read (\(error))")
        }
        guard let text else {
            return (nil, "unknown: no \(path) (not a Nitro EC2 instance?); set instanceType in the config")
        }
        let product = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let limits = table.lookup(product) {
            return (limits.instanceType, "DMI product name (\(path))")
        }
        return (
            nil,
            "unknown: the DMI product name \(EchoedInput.quoted(product)) is not an EC2 instance type (Xen instances and other "
                + "machines do not name it there); set instanceType in the config"
        )
    }
}
