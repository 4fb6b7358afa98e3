import PodnetModel

/// kubelet's command line as systemd starts it: the `kubelet.service` unit with its drop-ins, the
/// variables their `Environment=` and `EnvironmentFile=` lines (and systemd's `DefaultEnvironment=`)
/// define, expanded into `ExecStart=`. This is where `--max-pods` lives on real nodes:
///
/// - EKS AL2: `bootstrap.sh` writes `/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf`
///   (`Environment='KUBELET_ARGS=…'`) and `30-kubelet-extra-args.conf` (`KUBELET_EXTRA_ARGS`, from
///   `--kubelet-extra-args`); the unit runs `kubelet … $KUBELET_ARGS $KUBELET_EXTRA_ARGS`.
/// - EKS AL2023: nodeadm writes its own flags and NodeConfig's `spec.kubelet.flags` (last, so they win)
///   to `/etc/eks/kubelet/environment` as `NODEADM_KUBELET_ARGS`; the unit has
///   `EnvironmentFile=/etc/eks/kubelet/environment` and runs `kubelet $NODEADM_KUBELET_ARGS`. nodeadm's
///   `spec.environment` goes to `kubelet.service.d/environment.conf` and `system.conf.d/environment.conf`.
/// - kubeadm: `kubelet.service.d/10-kubeadm.conf` reads `-/var/lib/kubelet/kubeadm-flags.env`
///   (`KUBELET_KUBEADM_ARGS`) and `-/etc/default/kubelet` (deb) or `-/etc/sysconfig/kubelet` (rpm)
///   (`KUBELET_EXTRA_ARGS`).
///
/// Only what decides `--max-pods` is modelled: `[Service]`'s `Environment=`, `EnvironmentFile=` and
/// `ExecStart=` (an empty assignment resets each, as in systemd), drop-ins of the same name masked by
/// the directory of higher precedence and applied in file-name order, `$VAR` and `${VAR}` expansion.
struct KubeletCommandLine {
    /// Unit directories in systemd's order of precedence (the first holding `kubelet.service` wins;
    /// a drop-in in an earlier directory masks one of the same name in a later one).
    static let defaultUnitDirectories = [
        "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
        "/lib/systemd/system",
    ]
    /// systemd's manager configuration, whose `DefaultEnvironment=` every unit inherits.
    static let defaultManagerConfigPaths = ["/etc/systemd/system.conf"]
    /// Drop-in directories of the manager configuration (nodeadm writes `environment.conf` here).
    static let defaultManagerConfigDirectories = [
        "/etc/systemd/system.conf.d", "/run/systemd/system.conf.d", "/usr/lib/systemd/system.conf.d",
    ]
    static let unitName = "kubelet.service"
    static let flag = "--max-pods"

    let files: any FileReading
    let unitDirectories: [String]
    let managerConfigPaths: [String]
    let managerConfigDirectories: [String]

    /// What kubelet's command line says about `--max-pods`.
    enum MaxPodsFlag: Equatable {
        /// No `kubelet.service` unit in any unit directory: no command line to read.
        case noUnit
        /// The command line was read completely and has no `--max-pods`. `unit` is the unit file.
        case absent(unit: String)
        /// `--max-pods` is set; `origin` says where (the variable and its file, or the unit's ExecStart).
        case set(Int, origin: String)
        /// A piece that could set it cannot be read: `reason` names it.
        case unconfirmed(reason: String)
    }

    /// A file that defines variables or the command line, and what could not be read.
    private struct Problem: Error {
        let message: String
    }

    /// kubelet's `--max-pods`, resolved as systemd would start kubelet.
    func maxPodsFlag() -> MaxPodsFlag {
        var unitPath: String?
        var unitText = ""
        for directory in unitDirectories {
            let path = directory + "/" + Self.unitName
            do {
                guard let text = try files.readText(atPath: path) else { continue }
                unitPath = path
                unitText = text
                break
            } catch {
                return .unconfirmed(reason: "kubelet's unit \(path) cannot be read (\(error))")
            }
        }
        guard let unitPath else { return .noUnit }

        var sources: [(path: String, text: String)] = [(unitPath, unitText)]
        do {
            for dropIn in try dropIns() {
                guard let text = try read(dropIn, what: "kubelet drop-in") else { continue }
                sources.append((dropIn, text))
            }
        } catch {
            return .unconfirmed(reason: error.message)
        }

        // The manager's DefaultEnvironment first: the unit's own settings override it.
        var variables: [String: (value: String, origin: String)] = [:]
        do {
            for (path, text) in try managerConfigs() {
                for (name, value) in Self.assignments(in: text, section: "Manager", key: "DefaultEnvironment") {
                    variables[name] = (value, path)
                }
            }
        } catch {
            return .unconfirmed(reason: error.message)
        }

        var execStart: (command: String, origin: String)?
        var environment: [(name: String, value: String, origin: String)] = []
        var environmentFiles: [(path: String, optional: Bool, origin: String)] = []
        for (path, text) in sources {
            for (key, value) in Self.serviceSettings(in: text) {
                switch key {
                case "ExecStart":
                    execStart = value.isEmpty ? nil : (value, path)
                case "Environment":
                    if value.isEmpty { environment.removeAll() }
                    for word in Self.words(value) {
                        guard let equals = word.firstIndex(of: "=") else { continue }
                        environment.append((String(word[..<equals]), String(word[word.index(after: equals)...]), path))
                    }
                case "EnvironmentFile":
                    if value.isEmpty {
                        environmentFiles.removeAll()
                    } else {
                        let optional = value.hasPrefix("-")
                        environmentFiles.append((optional ? String(value.dropFirst()) : value, optional, path))
                    }
                default: continue
                }
            }
        }
        for item in environment { variables[item.name] = (item.value, item.origin) }
        // Variables from environment files override Environment= (systemd.exec(5)).
        var unreadable: [String] = []
        for file in environmentFiles {
            do {
                guard let text = try files.readText(atPath: file.path) else {
                    if !file.optional { unreadable.append("\(file.path) (named by \(file.origin)) does not exist") }
                    continue
                }
                for (name, value) in Self.environmentFileAssignments(text) { variables[name] = (value, file.path) }
            } catch {
                unreadable.append("\(file.path) cannot be read (\(error))")
            }
        }
        guard let execStart else {
            return .unconfirmed(reason: "kubelet's unit \(unitPath) and its drop-ins have no ExecStart=")
        }

        // Expand: each argument remembers the variable it came from, for the source.
        var arguments: [(text: String, origin: String)] = []
        var referenced: [String] = []
        for word in Self.words(Self.strippingExecPrefixes(execStart.command)) {
            for piece in Self.expand(word, variables: variables, referenced: &referenced) {
                arguments.append(
                    piece.variable.map { ($0.text, "$\($0.name) from \($0.origin)") } ?? (
                        piece.text, "ExecStart= in \(execStart.origin)"
                    ))
            }
        }
        var found: (value: Int, origin: String)?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index].text
            var valueText: String?
            if argument.hasPrefix(Self.flag + "=") {
                valueText = String(argument.dropFirst(Self.flag.count + 1))
            } else if argument == Self.flag, index + 1 < arguments.count {
                valueText = arguments[index + 1].text
                index += 1
            }
            if let valueText {
                guard let value = Int(valueText), NodeFacts.acceptedMaxPods.contains(value) else {
                    let range = NodeFacts.acceptedMaxPods
                    return .unconfirmed(
                        reason:
                            "kubelet's \(Self.flag) is not an integer \(range.lowerBound)–\(range.upperBound): "
                            + "\"\(valueText)\" (\(arguments[index].origin))"
                    )
                }
                found = (value, arguments[index].origin)  // the last one wins, as in kubelet's flag parser
            }
            index += 1
        }
        // An environment file that cannot be read may set (or override) any variable the command
        // line uses, and with it a --max-pods that comes after the one seen.
        if !unreadable.isEmpty, !referenced.isEmpty {
            let names = Array(Set(referenced)).sorted().map { "$" + $0 }.joined(separator: ", ")
            return .unconfirmed(
                reason: "kubelet's command line uses \(names), which \(unreadable.joined(separator: "; ")) may set")
        }
        if let found { return .set(found.value, origin: found.origin) }
        return .absent(unit: unitPath)
    }

    /// Reads a file; nil when it does not exist; a `Problem` naming it when it cannot be read.
    private func read(_ path: String, what: String) throws(Problem) -> String? {
        do {
            return try files.readText(atPath: path)
        } catch {
            throw Problem(message: "\(what) \(path) cannot be read (\(error))")
        }
    }

    /// `kubelet.service.d/*.conf` of every unit directory, a name in an earlier directory masking the
    /// same name in later ones, in file-name order.
    private func dropIns() throws(Problem) -> [String] {
        try confFiles(in: unitDirectories.map { $0 + "/" + Self.unitName + ".d" }, what: "kubelet's drop-in directory")
    }

    /// systemd's manager configuration files in the order they apply (main file, then drop-ins by name).
    private func managerConfigs() throws(Problem) -> [(String, String)] {
        var result: [(String, String)] = []
        let paths =
            managerConfigPaths
            + (try confFiles(in: managerConfigDirectories, what: "systemd's configuration directory"))
        for path in paths {
            if let text = try read(path, what: "systemd's configuration") { result.append((path, text)) }
        }
        return result
    }

    /// The `*.conf` files of `directories` (in precedence order) as systemd applies drop-ins: a name
    /// in an earlier directory masks the same name in later ones; sorted by name (byte order).
    private func confFiles(in directories: [String], what: String) throws(Problem) -> [String] {
        var byName: [String: String] = [:]
        for directory in directories {
            let names: [String]?
            do {
                names = try files.listDirectory(atPath: directory)
            } catch {
                throw Problem(message: "\(what) \(directory) cannot be listed (\(error))")
            }
            for name in names ?? [] where name.hasSuffix(".conf") && byName[name] == nil {
                byName[name] = directory + "/" + name
            }
        }
        return byName.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.compactMap { byName[$0] }
    }

    // MARK: - Parsing

    /// `key=value` settings of a unit file's `section`, continuation lines joined, comments skipped.
    static func settings(in text: String, section wanted: String) -> [(key: String, value: String)] {
        var result: [(String, String)] = []
        var section = ""
        var pending = ""
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line = Substring(pending.isEmpty ? String(rawLine) : pending + " " + rawLine.trimmingWhitespace())
            pending = ""
            if line.hasSuffix("\\") {
                pending = String(line.dropLast())
                continue
            }
            line = line.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard section == wanted, let equals = line.firstIndex(of: "=") else { continue }
            result.append(
                (
                    String(line[..<equals].trimmingWhitespace()),
                    String(line[line.index(after: equals)...].trimmingWhitespace())
                ))
        }
        return result
    }

    static func serviceSettings(in text: String) -> [(key: String, value: String)] {
        settings(in: text, section: "Service")
    }

    /// `NAME=value` words of one setting (`Environment=`, `DefaultEnvironment=`) in a section.
    static func assignments(in text: String, section: String, key: String) -> [(String, String)] {
        var result: [(String, String)] = []
        for (settingKey, value) in settings(in: text, section: section) where settingKey == key {
            for word in words(value) {
                guard let equals = word.firstIndex(of: "=") else { continue }
                result.append((String(word[..<equals]), String(word[word.index(after: equals)...])))
            }
        }
        return result
    }

    /// The `NAME=value` lines of an environment file: the value is the rest of the line (spaces
    /// included), without one pair of surrounding quotes; `#` and `;` lines are comments.
    static func environmentFileAssignments(_ text: String) -> [(String, String)] {
        var result: [(String, String)] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).trimmingWhitespace() }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingWhitespace()
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = value.dropFirst().dropLast()
            }
            result.append((String(name), String(value)))
        }
        return result
    }

    /// Splits a setting into words as systemd does: by whitespace, with "double" and 'single' quotes
    /// keeping spaces, and a backslash escaping the next character.
    static func words(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
                continue
            }
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { result.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { result.append(current) }
        return result
    }

    /// ExecStart= without its prefixes (`@`, `-`, `:`, `+`, `!`).
    static func strippingExecPrefixes(_ command: String) -> String {
        String(command.drop { "@-:+!".contains($0) })
    }

    /// One word after variable expansion: `$VAR` and `${VAR}` replaced by the value, split at
    /// whitespace (kubelet sees separate arguments either way as far as `--max-pods` goes).
    /// A name no source defines is expanded to nothing, as systemd does. Every name used is recorded
    /// in `referenced`.
    static func expand(
        _ word: String, variables: [String: (value: String, origin: String)], referenced: inout [String]
    ) -> [(text: String, variable: (name: String, text: String, origin: String)?)] {
        guard word.contains("$") else { return [(word, nil)] }
        var text = ""
        var used: (name: String, origin: String)?
        var characters = Substring(word)
        while let dollar = characters.firstIndex(of: "$") {
            text += characters[..<dollar]
            var rest = characters[characters.index(after: dollar)...]
            let name: Substring
            if rest.first == "{", let close = rest.firstIndex(of: "}") {
                name = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? rest.endIndex
                name = rest[..<end]
                rest = rest[end...]
            }
            if name.isEmpty {
                text += "$"
            } else {
                referenced.append(String(name))
                if let variable = variables[String(name)] {
                    text += variable.value
                    used = (String(name), variable.origin)
                }
            }
            characters = rest
        }
        text += characters
        return text.split(whereSeparator: \.isWhitespace).map { piece in
            (String(piece), used.map { ($0.name, String(piece), $0.origin) })
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing blanks.
    fileprivate func trimmingWhitespace() -> SubSequence {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
