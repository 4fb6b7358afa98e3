import Foundation
import Yams

/// How podnetd reaches and authenticates to the API server: its URL, the CA to verify it against,
/// and where the bearer token (or client certificate) comes from. The token is re-read for every
/// request, so a rotated service-account token or a kubeconfig rewritten by calico-node is picked up.
public struct KubeCredentials: Sendable {
    /// `https://HOST:PORT`, no trailing slash.
    public var server: String
    /// PEM of the CA the server's certificate must chain to; nil: the system's trust roots.
    public var caPEM: [UInt8]?
    /// Client certificate and key (PEM), for kubeconfigs that use them.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// Where the bearer token comes from.
    public var token: TokenSource
    /// For people: which credentials these are (`kubeconfig /etc/…`, `in-cluster service account`).
    public var origin: String

    /// Where a bearer token is read from, each time one is needed.
    public enum TokenSource: Sendable {
        case none
        /// A file holding only the token (service account, kubeconfig `tokenFile`).
        case file(String)
        /// The `token` of a user in a kubeconfig that is rewritten when the token changes (Calico's).
        case kubeconfig(path: String, user: String)
    }

    public init(
        server: String, caPEM: [UInt8]?, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil,
        token: TokenSource, origin: String
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.caPEM = caPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.token = token
        self.origin = origin
    }

    /// The bearer token now (re-read from its source); nil when these credentials use none.
    public func bearerToken() throws(KubeError) -> String? {
        switch token {
        case .none:
            return nil
        case .file(let path):
            let text = try KubeconfigFile.readText(path, what: "token file")
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw KubeError.credentials("token file \(path) is empty") }
            return token
        case .kubeconfig(let path, let user):
            return try KubeconfigFile.parse(path: path).users[user]?.token
        }
    }
}

/// The places credentials are looked for, first that exists wins.
public enum KubeCredentialsResolver {
    /// Where a pod's service account is mounted.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// The kubeconfig the Calico CNI plugin installs for itself on each node.
    public static let calicoKubeconfigPath = "/etc/cni/net.d/calico-kubeconfig"

    /// Credentials from: `explicitKubeconfig` (the config's `kubernetes.kubeconfig`); else the
    /// in-cluster service account (`KUBERNETES_SERVICE_HOST` set and a token mounted); else the
    /// systemd credential `kubeconfig` (`$CREDENTIALS_DIRECTORY/kubeconfig`: the unit's opt-in
    /// drop-in loads Calico's root-only kubeconfig there); else Calico's CNI kubeconfig. Throws when
    /// none is usable, naming what was tried.
    public static func resolve(
        explicitKubeconfig: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = serviceAccountDirectory, calicoKubeconfig: String = calicoKubeconfigPath
    ) throws(KubeError) -> KubeCredentials {
        if let explicitKubeconfig {
            return try KubeconfigFile.parse(path: explicitKubeconfig).credentials(origin: "kubeconfig \(explicitKubeconfig)")
        }
        if let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            FileManager.default.fileExists(atPath: serviceAccountDirectory + "/token")
        {
            let port = environment["KUBERNETES_SERVICE_PORT"] ?? "443"
            let hostPart = host.contains(":") ? "[\(host)]" : host
            let ca = try KubeconfigFile.readBytes(serviceAccountDirectory + "/ca.crt", what: "service account CA")
            return KubeCredentials(
                server: "https://\(hostPart):\(port)", caPEM: ca, token: .file(serviceAccountDirectory + "/token"),
                origin: "in-cluster service account")
        }
        if let credential = systemdCredentialKubeconfig(environment) {
            return try KubeconfigFile.parse(path: credential).credentials(origin: "systemd credential \(credential)")
        }
        if FileManager.default.fileExists(atPath: calicoKubeconfig) {
            if let unreadable = UnitSandbox.unreadableKubeconfig(calicoKubeconfig, environment: environment) {
                throw unreadable
            }
            return try KubeconfigFile.parse(path: calicoKubeconfig).credentials(origin: "Calico CNI kubeconfig \(calicoKubeconfig)")
        }
        throw KubeError.credentials(
            "no credentials: kubernetes.kubeconfig is not set, not in a pod (no KUBERNETES_SERVICE_HOST and "
                + "\(serviceAccountDirectory)/token), no systemd credential \(UnitSandbox.credentialName), "
                + "and no \(calicoKubeconfig)")
    }

    /// `$CREDENTIALS_DIRECTORY/kubeconfig` when systemd handed one over (LoadCredential=). It is a
    /// copy made when the service started: a rewritten original reaches podnetd by a restart
    /// (podnetd-kubeconfig.path), and the token is re-read from the copy per request as usual.
    static func systemdCredentialKubeconfig(_ environment: [String: String]) -> String? {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
        let path = directory + "/" + UnitSandbox.credentialName
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

/// The parts of a kubeconfig podnetd uses: the current context's cluster and user.
struct KubeconfigFile {
    struct User {
        var token: String?
        var tokenFile: String?
        var clientCertificate: [UInt8]?
        var clientKey: [UInt8]?
        /// `exec plugin (COMMAND)` or `auth-provider plugin (NAME)`: a credential plugin, which podnetd does not run.
        var plugin: String?
    }
    var path: String
    var server: String
    var caPEM: [UInt8]?
    var userName: String
    var users: [String: User]

    var user: User? { users[userName] }

    func credentials(origin: String) throws(KubeError) -> KubeCredentials {
        guard let user else { throw KubeError.credentials("\(path): user \(userName) not found") }
        let token: KubeCredentials.TokenSource =
            if let file = user.tokenFile { .file(file) } else if user.token != nil {
                .kubeconfig(path: path, user: userName)
            } else { .none }
        if case .none = token, user.clientCertificate == nil, let plugin = user.plugin {
            throw KubeError.credentials(
                "\(path): user \(userName) authenticates with an \(plugin), which podnetd does not run: "
                    + "give it a token, tokenFile or client certificate (a service account's)")
        }
        if case .none = token, user.clientCertificate == nil {
            throw KubeError.credentials("\(path): user \(userName) has neither a token nor a client certificate")
        }
        // One without the other would silently connect without the certificate.
        if (user.clientCertificate == nil) != (user.clientKey == nil) {
            let missing = user.clientKey == nil ? "client-key (or client-key-data)" : "client-certificate (or client-certificate-data)"
            throw KubeError.credentials("\(path): user \(userName) has a client \(user.clientKey == nil ? "certificate" : "key") but no \(missing)")
        }
        return KubeCredentials(
            server: server, caPEM: caPEM, clientCertificatePEM: user.clientCertificate, clientKeyPEM: user.clientKey,
            token: token, origin: origin)
    }

    static func readBytes(_ path: String, what: String) throws(KubeError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeError.credentials("cannot read \(what) \(path)")
        }
        return Array(data)
    }

    static func readText(_ path: String, what: String) throws(KubeError) -> String {
        String(decoding: try readBytes(path, what: what), as: UTF8.self)
    }

    /// Parses the kubeconfig at `path`; relative file references are relative to its directory.
    static func parse(path: String) throws(KubeError) -> KubeconfigFile {
        let text = try readText(path, what: "kubeconfig")
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw KubeError.credentials("\(path): not a kubeconfig (\(error))")
        }
        guard let root, let mapping = root.mapping else { throw KubeError.credentials("\(path): not a kubeconfig (expected a mapping)") }
        let directory = (path as NSString).deletingLastPathComponent
        func resolvePath(_ file: String) -> String { file.hasPrefix("/") ? file : directory + "/" + file }
        func named(_ key: String, _ inner: String) -> [String: Node.Mapping] {
            var result: [String: Node.Mapping] = [:]
            for item in mapping[key]?.sequence ?? [] {
                guard let name = item.mapping?["name"]?.string, let body = item.mapping?[inner]?.mapping else { continue }
                result[name] = body
            }
            return result
        }
        func bytes(_ body: Node.Mapping, data: String, file: String, what: String) throws(KubeError) -> [UInt8]? {
            if let encoded = body[data]?.string {
                guard let decoded = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                    throw KubeError.credentials("\(path): \(data) is not base64")
                }
                return Array(decoded)
            }
            if let file = body[file]?.string { return try readBytes(resolvePath(file), what: what) }
            return nil
        }
        let contexts = named("contexts", "context")
        let clusters = named("clusters", "cluster")
        let userBodies = named("users", "user")
        // A current-context that names no context is an error (as kubectl has it), never another
        // context of the file: that may be another cluster. Without one, a file's only context is used.
        let named = mapping["current-context"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let contextName = named ?? contexts.keys.sorted().first ?? ""
        guard let context = contexts[contextName] ?? (named == nil && contexts.count == 1 ? contexts.values.first : nil) else {
            throw KubeError.credentials("\(path): no context \"\(contextName)\"")
        }
        guard let clusterName = context["cluster"]?.string, let cluster = clusters[clusterName] else {
            throw KubeError.credentials("\(path): context \(contextName) names no known cluster")
        }
        guard let server = cluster["server"]?.string, server.hasPrefix("https://") else {
            throw KubeError.credentials("\(path): cluster \(clusterName) has no https:// server")
        }
        if cluster["insecure-skip-tls-verify"]?.bool == true {
            throw KubeError.credentials("\(path): insecure-skip-tls-verify is set; podnetd verifies the API server's certificate")
        }
        var users: [String: User] = [:]
        for (name, body) in userBodies {
            users[name] = User(
                token: body["token"]?.string, tokenFile: body["tokenFile"]?.string.map(resolvePath),
                clientCertificate: try bytes(body, data: "client-certificate-data", file: "client-certificate", what: "client certificate"),
                clientKey: try bytes(body, data: "client-key-data", file: "client-key", what: "client key"),
                plugin: body["exec"].map { "exec plugin (\($0.mapping?["command"]?.string ?? "no command"))" }
                    ?? body["auth-provider"].map { "auth-provider plugin (\($0.mapping?["name"]?.string ?? "unnamed"))" })
        }
        return KubeconfigFile(
            path: path, server: server,
            caPEM: try bytes(cluster, data: "certificate-authority-data", file: "certificate-authority", what: "CA"),
            userName: context["user"]?.string ?? "", users: users)
    }
}

/// What went wrong talking to the API server, in one line.
public enum KubeError: Error, Sendable, CustomStringConvertible {
    /// No usable credentials, or a credential file is unreadable.
    case credentials(String)
    /// The server answered with an error status.
    case status(code: Int, message: String)
    /// The resourceVersion is too old (410 Gone): list again.
    case gone
    /// Connection, TLS or timeout.
    case transport(String)
    /// A body that is not what the API defines.
    case decoding(String)

    public var description: String {
        switch self {
        case .credentials(let message): message
        case .status(let code, let message): "HTTP \(code): \(message)"
        case .gone: "resourceVersion too old (410 Gone)"
        case .transport(let message): message
        case .decoding(let message): message
        }
    }
}
