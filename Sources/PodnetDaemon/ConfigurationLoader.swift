import Foundation
import Logging
import PodnetAnalysis
import PodnetConfig
import PodnetModel

/// Reads the config file and everything it points at into a `LoadedConfiguration`.
public struct ConfigurationLoader: Sendable {
    public let path: String?
    public let files: any FileReading
    /// The node's name fixed at start (the metrics' `node` label): every resolution reports under it,
    /// so /status and the alerts name the same node even if its sources change while serving.
    public var node: NodeIdentity?

    /// `path` nil: the default path, where a missing file means the defaults.
    public init(path: String?, files: any FileReading = LocalFileSystem()) {
        self.path = path
        self.files = files
    }

    /// Reads the file and resolves it. Throws a `ConfigError` naming the file, key and line.
    public func load() throws -> LoadedConfiguration {
        try resolve(try PodnetConfigFile.load(path: path, files: files))
    }

    /// Resolves an already parsed config again: kubelet's maxPods and the instance type may have
    /// changed on disk while the config file itself is only re-read on SIGHUP.
    public func resolve(_ config: PodnetConfig) throws -> LoadedConfiguration {
        var expectations = try ExpectationsResolver(files: files).resolve(config)
        if let node { expectations.nodeName = node.name }
        return LoadedConfiguration(config: config, expectations: expectations, settings: try settings(from: config))
    }

    private func settings(from config: PodnetConfig) throws -> DaemonSettings {
        var token: String?
        if let tokenFile = config.auth.bearerTokenFile {
            let file = path ?? PodnetConfig.defaultPath
            let text: String?
            do {
                text = try files.readText(atPath: tokenFile)
            } catch {
                throw ConfigError(kind: .unreadable, file: file, key: "auth.bearerTokenFile", message: "cannot read \(EchoedInput.bare(tokenFile, limit: 256)): \(error)")
            }
            guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
                throw ConfigError(kind: .invalidValue, file: file, key: "auth.bearerTokenFile", message: "\(EchoedInput.bare(tokenFile, limit: 256)) is missing or empty")
            }
            token = trimmed
        }
        var settings = DaemonSettings(
            listen: config.listen.map { ListenEndpoint(host: $0.host.description, port: $0.port) },
            resyncInterval: .seconds(config.resyncInterval), grace: .seconds(config.graceSeconds),
            debounce: .milliseconds(config.debounceMilliseconds), maxFindingSeries: config.maxFindingSeries,
            bearerToken: token, logLevel: Logger.Level(rawValue: config.logLevel.rawValue) ?? .info)
        settings.nodeName = config.nodeName
        return settings
    }
}
