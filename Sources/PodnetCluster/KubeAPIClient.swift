import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// A small Kubernetes API client on AsyncHTTPClient: paged lists and streamed watches of one
/// resource path, TLS verified against the credentials' CA, the bearer token re-read per request.
public final class KubeAPIClient: Sendable {
    /// Objects per list page. A page is decoded whole (Foundation's JSONDecoder reads one complete
    /// document), so its size bounds a list's transient memory: a Node with a realistic status is
    /// ~4.5 kB of JSON. At 5,000 nodes (`Scripts/bench-cluster.sh`, the rest of the list path as it
    /// is now) pages of 500 / 250 / 100 peaked at +13.7 / +11.8 / +11.5 MiB during the lists, in
    /// 30 / 60 / 150 requests: 250 keeps most of the saving at twice client-go's request count.
    public static let defaultPageSize = 250
    /// The largest body of one list page podnetd accepts: 250 objects of 256 kB each.
    public static let defaultMaxPageBytes = 64 << 20

    let credentials: KubeCredentials
    let http: HTTPClient
    let requestTimeout: TimeAmount
    let pageSize: Int
    let maxPageBytes: Int

    /// - Parameters:
    ///   - credentials: where and how to connect.
    ///   - requestTimeout: how long one request may take until its response head (a list page in full).
    ///   - pageSize: objects per list page (`limit`).
    ///   - maxPageBytes: the largest list page body accepted; a larger one fails the list with an error.
    public init(
        credentials: KubeCredentials, requestTimeoutSeconds: Int = 10, pageSize: Int = defaultPageSize,
        maxPageBytes: Int = defaultMaxPageBytes
    ) throws(KubeError) {
        self.credentials = credentials
        self.requestTimeout = .seconds(Int64(requestTimeoutSeconds))
        self.pageSize = max(1, pageSize)
        self.maxPageBytes = maxPageBytes
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        // Closing a connection (stop, a cancelled watch) waits for the server's close_notify, 5 s by
        // default: a server busy streaming a watch may never send it, and every stop of the daemon
        // (each restart for a rotated token) took 5 s longer. Nothing is read after the close.
        tls.shutdownTimeout = .milliseconds(500)
        do {
            if let ca = credentials.caPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if let certificate = credentials.clientCertificatePEM, let key = credentials.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw KubeError.credentials("\(credentials.origin): unusable certificate or key: \(error)")
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // No idle read timeout: a watch on a quiet resource may be silent for minutes; watches end
        // by the server's timeoutSeconds and a deadline of their own.
        configuration.timeout = .init(connect: .seconds(5), read: nil)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 4)
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connections.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// A client dropped without `shutdown()` (an error path) still closes its connections: the
    /// HTTP client must be shut down before it goes away, and this keeps it alive until it is.
    deinit {
        http.shutdown { _ in }
    }

    /// One page of `path` (`/api/v1/nodes`, `/apis/crd.projectcalico.org/v1/ippools`).
    func listPage<Item: Decodable & Sendable>(
        _ path: String, as: Item.Type, continueToken: String?
    ) async throws(KubeError) -> ObjectList<Item> {
        var query = "limit=\(pageSize)"
        if let continueToken { query += "&continue=" + Self.escape(continueToken) }
        let body = try await get(path + "?" + query, deadline: .now() + requestTimeout) { response throws(KubeError) in
            try await collectPage(response, of: path)
        }
        do {
            return try JSONDecoder().decode(ObjectList<Item>.self, from: body)
        } catch {
            throw KubeError.decoding("\(path): not a list: \(error)")
        }
    }

    /// A page's body, bounded by `maxPageBytes`, straight into the `Data` the decoder reads.
    private func collectPage(_ response: HTTPClientResponse, of path: String) async throws(KubeError) -> Data {
        var body = try BoundedPageBody(
            announcedLength: response.headers.first(name: "Content-Length").flatMap { Int($0) }, limit: maxPageBytes,
            tooLarge: .decoding(
                "\(path): a list page of \(pageSize) objects is larger than \(maxPageBytes) bytes, the most podnetd accepts"))
        do {
            for try await chunk in response.body {
                try body.append(chunk.readableBytesView)
            }
        } catch let error as KubeError {
            throw error
        } catch {
            throw KubeError.transport("reading \(path): \(error)")
        }
        return body.data
    }

    /// Every object of `path`, each converted as its page arrives (a list never holds all the raw
    /// objects of a resource at once; nil drops an object), and the list's resourceVersion.
    func list<Item: Decodable & Sendable, Element: Sendable>(
        _ path: String, as type: Item.Type, convert: (Item) -> Element?
    ) async throws(KubeError) -> (items: [Element], resourceVersion: String) {
        var items: [Element] = []
        var token: String?
        var resourceVersion = ""
        repeat {
            let page = try await listPage(path, as: type, continueToken: token)
            items.append(contentsOf: page.items.lazy.compactMap(convert))
            resourceVersion = page.metadata.resourceVersion ?? resourceVersion
            token = page.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return (items, resourceVersion)
    }

    /// Streams the watch events of `path` from `resourceVersion`, one JSON line each, to `handle`,
    /// until the server ends the watch (after `timeoutSeconds`), `handle` throws, or nothing at all
    /// arrived for `timeoutSeconds + 30` s. Returns how many lines were handled.
    @discardableResult
    func watch(
        _ path: String, resourceVersion: String, timeoutSeconds: Int,
        connected: @Sendable () -> Void = {},
        handle: @escaping @Sendable (_ line: Data) async throws -> Void
    ) async throws -> Int {
        let query =
            "watch=1&allowWatchBookmarks=true&resourceVersion=\(Self.escape(resourceVersion))&timeoutSeconds=\(timeoutSeconds)"
        return try await get(path + "?" + query, deadline: .now() + requestTimeout) { response in
            connected()
            return try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    var lines = LineSplitter()
                    var handled = 0
                    for try await chunk in response.body {
                        for line in lines.append(chunk) {
                            try await handle(line)
                            handled += 1
                        }
                    }
                    return handled
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeoutSeconds + 30))
                    throw KubeError.transport("watch of \(path) outlived its timeout")
                }
                let handled = try await group.next() ?? 0
                group.cancelAll()
                return handled
            }
        }
    }

    /// Sends a GET with the current token and hands the response to `body` when its status is 200.
    private func get<Result>(
        _ pathAndQuery: String, deadline: NIODeadline,
        body: (HTTPClientResponse) async throws -> Result
    ) async throws(KubeError) -> Result {
        var request = HTTPClientRequest(url: credentials.server + pathAndQuery)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "podnetd")
        if let token = try credentials.bearerToken() {
            request.headers.add(name: "Authorization", value: "Bearer " + token)
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, deadline: deadline)
        } catch {
            let text = "\(error)"
            if let explained = TLSAlertExplanation.explain(
                text, presentedClientCertificate: credentials.clientCertificatePEM != nil)
            {
                throw KubeError.transport("\(credentials.server): \(explained): \(text)")
            }
            throw UnitSandbox.transportError(error, server: credentials.server)
        }
        guard response.status == .ok else {
            let text = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
            let status = (try? JSONDecoder().decode(StatusObject.self, from: Data(text.utf8)))
            if response.status.code == 410 { throw KubeError.gone }
            throw KubeError.status(
                code: Int(response.status.code), message: status?.message ?? response.status.reasonPhrase)
        }
        do {
            return try await body(response)
        } catch let error as KubeError {
            throw error
        } catch is CancellationError {
            throw KubeError.transport("cancelled")
        } catch {
            throw KubeError.transport("\(pathAndQuery): \(error)")
        }
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

/// A list page's body as it arrives: one buffer of the announced length when the server gives one
/// (not a growing buffer and then a copy), refused as soon as it would pass the bound, whether the
/// length was announced (`Content-Length`) or the body is chunked.
struct BoundedPageBody {
    private(set) var data = Data()
    let limit: Int
    let tooLarge: KubeError

    init(announcedLength: Int?, limit: Int, tooLarge: KubeError) throws(KubeError) {
        self.limit = limit
        self.tooLarge = tooLarge
        if let announcedLength {
            guard announcedLength <= limit else { throw tooLarge }
            data.reserveCapacity(announcedLength)
        }
    }

    mutating func append(_ bytes: some Collection<UInt8>) throws(KubeError) {
        guard data.count + bytes.count <= limit else { throw tooLarge }
        data.append(contentsOf: bytes)
    }
}

/// Splits a chunked body into lines (a watch sends one JSON event per line).
struct LineSplitter {
    private var pending = Data()

    /// The complete lines `chunk` finishes.
    mutating func append(_ chunk: ByteBuffer) -> [Data] {
        pending.append(contentsOf: chunk.readableBytesView)
        var lines: [Data] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[pending.startIndex..<newline]
            if !line.isEmpty { lines.append(Data(line)) }
            pending.removeSubrange(pending.startIndex...newline)
        }
        return lines
    }
}
