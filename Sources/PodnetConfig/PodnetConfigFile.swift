import PodnetAnalysis
import PodnetModel
import Yams

/// Reads `podnetd.yaml`: every key optional, every mistake an error naming the key and the line.
public enum PodnetConfigFile {
    /// The top-level keys, in the order the example config documents them.
    public static let topLevelKeys = [
        "cni", "podCIDRs", "blockSize", "blockSizeV6", "serviceCIDR", "calico", "hostGW", "maxPods",
        "kubeletConfigPath", "instanceType", "awsVpcCni", "thresholds", "listen", "resyncInterval", "graceSeconds",
        "debounceMilliseconds", "maxFindingSeries", "auth", "logLevel", "nodeName",
        "kubernetes", "ipamd",
    ]
    static let calicoKeys = ["vxlanDevice", "vxlanDeviceV6", "vxlanVNI", "vxlanPort", "expectedRemoteBlocks", "vxlanMode"]
    static let remoteBlockKeys = ["block", "tunnelIP"]
    static let hostGWKeys = ["expectedRoutes"]
    static let expectedRouteKeys = ["cidr", "via"]
    static let awsVpcCniKeys = ["prefixDelegation", "customNetworking", "maxENIs"]
    static let thresholdKeys = ["podCapacityWarningRatio"]
    static let authKeys = ["bearerTokenFile"]

    /// Loads the config: `path` nil means the default path, where a missing file gives the
    /// defaults; a path given explicitly must exist.
    public static func load(
        path: String?, files: some FileReading = LocalFileSystem()
    ) throws(ConfigError)
        -> PodnetConfig
    {
        let file = path ?? PodnetConfig.defaultPath
        let text: String?
        do {
            text = try files.readText(atPath: file)
        } catch {
            throw ConfigError(kind: .unreadable, file: file, message: "cannot read the config: \(error)")
        }
        guard let text else {
            if path == nil { return PodnetConfig() }
            throw ConfigError(kind: .fileNotFound, file: file, message: "no such config file")
        }
        return try parse(yaml: text, path: file)
    }

    /// Parses config text; `path` names the file in error messages.
    public static func parse(yaml: String, path: String) throws(ConfigError) -> PodnetConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw convert(error, yaml: yaml, path: path)
        } catch {
            throw ConfigError(kind: .malformedYAML, file: path, message: "malformed YAML: \(EchoedInput.bare("\(error)", limit: 200))")
        }
        let reader = ConfigReader(file: path)
        var config = PodnetConfig()
        guard let root, !reader.isNull(root) else { return config }
        var poolNodes: [(IPPrefix, Node, String)] = []
        var blockSizeNode: (Node, String)?
        var blockSizeV6Node: (Node, String)?

        for entry in try reader.entries(root, at: nil, allowed: topLevelKeys) where !reader.isNull(entry.value) {
            let value = entry.value
            let key = entry.path
            config.explicitKeys.insert(entry.name)
            switch entry.name {
            case "kubernetes":
                config.kubernetes = try parseKubernetes(value, at: key, reader: reader)
            case "ipamd":
                config.ipamd = try parseIpamd(value, at: key, reader: reader)
            case "cni":
                let text = try reader.choice(value, at: key, values: CNISetting.configValues)
                config.cni = CNISetting(configValue: text) ?? .auto
            case "podCIDRs":
                config.podCIDRs = []
                for element in try reader.elements(value, at: key, what: "a list of CIDRs", acceptSingle: true) {
                    let prefix = try reader.prefix(element.node, at: element.path)
                    config.podCIDRs.append(prefix)
                    poolNodes.append((prefix, element.node, element.path))
                }
            case "blockSize":
                config.blockSize = try reader.integer(value, at: key, range: 20...32)
                blockSizeNode = (value, key)
            case "blockSizeV6":
                config.blockSizeV6 = try reader.integer(value, at: key, range: 116...128)
                blockSizeV6Node = (value, key)
            case "serviceCIDR":
                config.serviceCIDRs = []
                for element in try reader.elements(
                    value, at: key, what: "a CIDR or a list of CIDRs", acceptSingle: true)
                {
                    config.serviceCIDRs.append(try reader.prefix(element.node, at: element.path))
                }
            case "calico":
                config.calico = try parseCalico(value, at: key, reader: reader)
            case "hostGW":
                config.hostGW = try parseHostGW(value, at: key, reader: reader)
            case "maxPods":
                if case .scalar(let scalar) = value, scalar.tagName == .str {
                    guard scalar.string == "auto" else {
                        throw reader.error(
                            .invalidValue, value, key,
                            "expected auto or an integer 1–100000, got \(reader.describe(value))")
                    }
                    config.maxPods = .auto
                } else {
                    config.maxPods = .fixed(try reader.integer(value, at: key, range: NodeFacts.acceptedMaxPods))
                }
            case "kubeletConfigPath":
                config.kubeletConfigPath = try reader.absolutePath(value, at: key)
            case "instanceType":
                let name = try reader.string(value, at: key, what: "auto or an EC2 instance type")
                if name == "auto" {
                    config.instanceType = .auto
                } else if let limits = ENILimitsTable.embedded.lookup(name) {
                    config.instanceType = .named(limits.instanceType)
                } else {
                    let suggestions = ENILimitsTable.embedded.suggestions(for: name, limit: 3)
                    throw reader.error(
                        .invalidValue, value, key,
                        "unknown instance type \(EchoedInput.quoted(name))"
                            + (suggestions.isEmpty ? "" : " (did you mean \(suggestions.joined(separator: ", "))?)"))
                }
            case "awsVpcCni":
                config.awsVpcCni = try parseAWSVPCCNI(value, at: key, reader: reader)
            case "thresholds":
                for item in try reader.entries(value, at: key, allowed: thresholdKeys) where !reader.isNull(item.value)
                {
                    config.thresholds.podCapacityWarningRatio = try reader.number(
                        item.value, at: item.path, above: 0, atMost: 1)
                }
            case "listen":
                config.listen = []
                for element in try reader.elements(
                    value, at: key, what: "an address such as 127.0.0.1:9647 or a list of them", acceptSingle: true)
                {
                    let text = try reader.string(
                        element.node, at: element.path, what: "an address such as 127.0.0.1:9647")
                    guard let address = ListenAddress(text) else {
                        throw reader.error(
                            .invalidValue, element.node, element.path,
                            "expected IPv4:PORT or [IPv6]:PORT (127.0.0.1:9647, [::1]:9647), got \(EchoedInput.quoted(text))")
                    }
                    config.listen.append(address)
                }
                if config.listen.isEmpty {
                    throw reader.error(.invalidValue, value, key, "expected at least one address")
                }
            case "resyncInterval":
                config.resyncInterval = try reader.integer(value, at: key, range: 1...86_400)
            case "graceSeconds":
                config.graceSeconds = try reader.integer(value, at: key, range: 0...3_600)
            case "debounceMilliseconds":
                config.debounceMilliseconds = try reader.integer(value, at: key, range: 0...60_000)
            case "maxFindingSeries":
                config.maxFindingSeries = try reader.integer(value, at: key, range: 1...100_000)
            case "auth":
                for item in try reader.entries(value, at: key, allowed: authKeys) where !reader.isNull(item.value) {
                    config.auth.bearerTokenFile = try reader.absolutePath(item.value, at: item.path)
                }
            case "logLevel":
                let text = try reader.choice(value, at: key, values: LogLevel.allCases.map(\.rawValue))
                config.logLevel = LogLevel(rawValue: text) ?? .info
            case "nodeName":
                let name = try reader.string(value, at: key, what: "a Kubernetes node name")
                if let problem = NodeIdentity.problem(with: name) {
                    throw reader.error(.invalidValue, value, key, problem)
                }
                config.nodeName = name
            default:
                break
            }
        }

        // A pool must hold at least one block.
        for (pool, node, key) in poolNodes {
            let blockSize = pool.family == .ipv6 ? config.blockSizeV6 : config.blockSize
            if pool.length > blockSize {
                let setting = pool.family == .ipv6 ? blockSizeV6Node : blockSizeNode
                throw reader.error(
                    .invalidValue, node, key,
                    "\(pool) is smaller than one /\(blockSize) block (\(setting?.1 ?? (pool.family == .ipv6 ? "blockSizeV6" : "blockSize")))"
                )
            }
        }
        return config
    }

    private static func parseCalico(
        _ node: Node, at path: String, reader: ConfigReader
    ) throws(ConfigError)
        -> CalicoExpectations
    {
        var calico = CalicoExpectations()
        for entry in try reader.entries(node, at: path, allowed: calicoKeys) where !reader.isNull(entry.value) {
            switch entry.name {
            case "vxlanDevice":
                calico.vxlanDevice = try interfaceName(entry.value, at: entry.path, reader: reader)
            case "vxlanDeviceV6":
                calico.vxlanDeviceV6 = try interfaceName(entry.value, at: entry.path, reader: reader)
            case "vxlanVNI":
                calico.vxlanVNI = UInt32(try reader.integer(entry.value, at: entry.path, range: 1...16_777_215))
            case "vxlanPort":
                calico.vxlanPort = UInt16(try reader.integer(entry.value, at: entry.path, range: 1...65_535))
            case "expectedRemoteBlocks":
                calico.expectedRemoteBlocks = []
                for element in try reader.elements(
                    entry.value, at: entry.path, what: "a list of {block, tunnelIP}", acceptSingle: false)
                {
                    let (block, tunnelIP) = try prefixAndAddress(
                        element, prefixKey: "block", addressKey: "tunnelIP", allowed: remoteBlockKeys, reader: reader,
                        mismatch: { "tunnel IP \($1) is not of the same family as block \($0)" })
                    calico.expectedRemoteBlocks.append(ExpectedRemoteBlock(block: block, tunnelIP: tunnelIP))
                }
            case "vxlanMode":
                let text = try reader.choice(
                    entry.value, at: entry.path, values: CalicoVXLANMode.allCases.map(\.rawValue))
                calico.vxlanMode = CalicoVXLANMode(rawValue: text)
            default:
                break
            }
        }
        return calico
    }

    /// A `{prefixKey: CIDR, addressKey: IP}` list element whose two values share a family (an expected
    /// remote block and its tunnel IP; an expected route and its gateway).
    private static func prefixAndAddress(
        _ element: (path: String, node: Node), prefixKey: String, addressKey: String, allowed: [String],
        reader: ConfigReader, mismatch: (IPPrefix, IPAddress) -> String
    ) throws(ConfigError) -> (IPPrefix, IPAddress) {
        var prefix: IPPrefix?
        var address: (value: IPAddress, node: Node, path: String)?
        for item in try reader.entries(element.node, at: element.path, allowed: allowed) {
            if item.name == prefixKey {
                prefix = try reader.prefix(item.value, at: item.path)
            } else {
                address = (try reader.address(item.value, at: item.path), item.value, item.path)
            }
        }
        guard let prefix else {
            throw reader.error(.missingKey, element.node, element.path, "missing key \"\(prefixKey)\"")
        }
        guard let address else {
            throw reader.error(.missingKey, element.node, element.path, "missing key \"\(addressKey)\"")
        }
        guard address.value.family == prefix.family else {
            throw reader.error(.invalidValue, address.node, address.path, mismatch(prefix, address.value))
        }
        return (prefix, address.value)
    }

    private static func parseHostGW(
        _ node: Node, at path: String, reader: ConfigReader
    ) throws(ConfigError)
        -> HostGWExpectations
    {
        var hostGW = HostGWExpectations()
        for entry in try reader.entries(node, at: path, allowed: hostGWKeys) where !reader.isNull(entry.value) {
            for element in try reader.elements(
                entry.value, at: entry.path, what: "a list of {cidr, via}", acceptSingle: false)
            {
                let (cidr, via) = try prefixAndAddress(
                    element, prefixKey: "cidr", addressKey: "via", allowed: expectedRouteKeys, reader: reader,
                    mismatch: { "gateway \($1) is not of the same family as \($0)" })
                hostGW.expectedRoutes.append(ExpectedRoute(cidr: cidr, gateway: via))
            }
        }
        return hostGW
    }

    private static func parseAWSVPCCNI(
        _ node: Node, at path: String, reader: ConfigReader
    ) throws(ConfigError)
        -> AWSVPCCNIExpectations
    {
        var settings = AWSVPCCNIExpectations()
        for entry in try reader.entries(node, at: path, allowed: awsVpcCniKeys) where !reader.isNull(entry.value) {
            switch entry.name {
            case "prefixDelegation": settings.prefixDelegation = try reader.bool(entry.value, at: entry.path)
            case "customNetworking": settings.customNetworking = try reader.bool(entry.value, at: entry.path)
            case "maxENIs": settings.maxENIs = try reader.integer(entry.value, at: entry.path, range: 1...64)
            default: break
            }
        }
        return settings
    }

    /// A Linux interface name: 1–15 bytes, no `/`, `:` or blanks.
    private static func interfaceName(_ node: Node, at path: String, reader: ConfigReader) throws(ConfigError) -> String
    {
        let name = try reader.string(node, at: path, what: "an interface name")
        guard !name.isEmpty, name.utf8.count <= 15, name != ".", name != "..",
            !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
        else {
            throw reader.error(
                .invalidValue, node, path,
                "expected an interface name (1–15 characters, no '/', ':' or blanks), got \(EchoedInput.quoted(name))")
        }
        return name
    }

    /// A Yams error as a `ConfigError` with the line it happened on.
    static func convert(_ error: YamlError, yaml: String, path: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "malformed YAML: \(EchoedInput.bare(problem, limit: 200))"
            if let context { message += " (\(EchoedInput.bare(context.text, limit: 200)) at line \(context.mark.line))" }
            return ConfigError(kind: .malformedYAML, file: path, line: mark.line, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.sorted().first ?? "?"
            let first = context.mark.line
            let second = secondOccurrence(of: key, after: context.mark, in: yaml)
            return ConfigError(
                kind: .duplicateKey, file: path, line: second ?? first, key: key,
                message: "duplicate key \(EchoedInput.quoted(key))" + (second != nil ? " (first at line \(first))" : ""))
        case .reader(let problem, _, _, _):
            return ConfigError(kind: .malformedYAML, file: path, message: "malformed YAML: \(EchoedInput.bare(problem, limit: 200))")
        default:
            return ConfigError(kind: .malformedYAML, file: path, message: "malformed YAML: \(EchoedInput.bare("\(error)", limit: 200))")
        }
    }

    /// The line of the next `key:` at the same column as the first one.
    private static func secondOccurrence(of key: String, after mark: Mark, in yaml: String) -> Int? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let column = max(0, mark.column - 1)
        guard mark.line >= 1 else { return nil }
        var index = mark.line  // 0-based index of the line after the first occurrence
        while index < lines.count {
            let line = Array(lines[index])
            if line.count > column {
                let lead = line[..<column]
                if lead.allSatisfy({ $0 == " " || $0 == "-" }) {
                    let rest = String(line[column...])
                    for candidate in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(candidate) {
                        let after = rest.dropFirst(candidate.count).drop { $0 == " " }
                        if after.hasPrefix(":") { return index + 1 }
                    }
                }
            }
            index += 1
        }
        return nil
    }
}
