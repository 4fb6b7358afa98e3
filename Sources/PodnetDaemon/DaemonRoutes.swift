import PodnetAnalysis
import PodnetHTTP
import PodnetModel

/// Maps requests to the daemon's endpoints. Reads only published, immutable state.
public struct DaemonRoutes: Sendable {
    public let board: StatusBoard
    public let metrics: DaemonMetrics
    public let auth: @Sendable () -> BearerTokenCheck

    public init(board: StatusBoard, metrics: DaemonMetrics, auth: @escaping @Sendable () -> BearerTokenCheck) {
        self.board = board
        self.metrics = metrics
        self.auth = auth
    }

    static let paths: Set<String> = ["/healthz", "/readyz", "/status", "/metrics", "/explain"]

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard Self.paths.contains(request.path) else {
            return .text(status: 404, "not found: \(request.path) (try /status, /metrics, /healthz, /readyz)\n")
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.text(status: 405, "method \(request.method) not allowed\n")
            response.headers.replaceOrAdd(name: "Allow", value: "GET, HEAD")
            return response
        }
        switch request.path {
        case "/healthz":
            if let problem = board.healthProblem() { return .text(status: 503, "unhealthy: \(problem)\n") }
            return .text(status: 200, "ok\n")
        case "/readyz":
            return board.isReady ? .text(status: 200, "ready\n") : .text(status: 503, "not ready: \(board.notReadyReason())\n")
        default:
            break
        }
        guard auth().allows(authorizationHeader: request.headers["Authorization"]) else {
            var response = HTTPResponse.text(status: 401, "unauthorized: this endpoint needs the bearer token\n")
            response.headers.replaceOrAdd(name: "WWW-Authenticate", value: "Bearer realm=\"podnetd\"")
            return response
        }
        if request.path == "/explain" { return explain(request) }
        if request.path == "/metrics" {
            return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.exposition())
        }
        return status(request)
    }

    private func status(_ request: HTTPRequest) -> HTTPResponse {
        let wantsText: Bool
        switch request.query["format"] {
        case "text": wantsText = true
        case "json": wantsText = false
        case nil:
            let accept = request.headers["Accept"]?.lowercased() ?? ""
            wantsText = accept.contains("text/plain") && !accept.contains("application/json")
        case let other?:
            return .text(status: 400, "unknown format \(EchoedInput.quoted(other)): use format=json or format=text\n")
        }
        guard let latest = board.latest else {
            return .text(status: 503, "not ready: \(board.notReadyReason())\n")
        }
        return wantsText ? .text(status: 200, latest.text) : .json(status: 200, latest.json)
    }

    /// `/explain?dst=…&from=…&iif=…&mark=…[&format=text]`: one destination's path through the
    /// latest snapshot (JSON, or the CLI's text); 400 with one line for bad input.
    private func explain(_ request: HTTPRequest) -> HTTPResponse {
        let query: ExplainQuery
        do {
            query = try ExplainQuery.parse(
                destination: request.query["dst"], source: request.query["from"], inputInterface: request.query["iif"],
                mark: request.query["mark"])
        } catch {
            return .text(status: 400, "\(error)\n")
        }
        let format = request.query["format"] ?? "json"
        guard format == "json" || format == "text" else {
            return .text(status: 400, "unknown format \(EchoedInput.quoted(format)): use format=json or format=text\n")
        }
        board.explainRequested()
        guard let source = board.latest?.explain else {
            return .text(status: 503, "not ready: \(board.notReadyReason())\n")
        }
        do {
            let explanation = try source.indexed().explain(query)
            if format == "text" { return .text(status: 200, ExplainTextRenderer.render(explanation, color: false)) }
            return .json(status: 200, Array((try explanation.jsonText() + "\n").utf8))
        } catch let error as ExplainInputError {
            return .text(status: 400, "\(error)\n")
        } catch {
            return .text(status: 500, "cannot render the explanation: \(error)\n")
        }
    }
}
