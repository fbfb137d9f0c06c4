import StrideIQSupport
import Synchronization
import Vapor

/// `GET /metrics` in the Prometheus text format. Served on the main port of the HTTP roles, or — with
/// `METRICS_PORT` — only on that port, by every role (the worker's job and briefing numbers live in the worker).
/// With `METRICS_TOKEN` it answers only `Authorization: Bearer <token>`.
enum MetricsEndpoint {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    /// Reading the queue for the gauges must not make a scrape hang when the database does.
    static let queueReadTimeout: Duration = .milliseconds(500)

    static func register(on routes: any RoutesBuilder) {
        routes.get("metrics", use: respond)
    }

    @Sendable
    static func respond(_ request: Request) async throws -> Response {
        let app = request.application
        try authorize(request, token: app.config.metricsToken)
        await refreshQueueGauges(app, logger: request.logger)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: contentType)
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(buffer: ByteBuffer(bytes: app.metrics.exposition())))
    }

    static func authorize(_ request: Request, token: String?) throws {
        guard let token else { return }
        guard let offered = request.headers.bearerToken, constantTimeEqual(offered, token) else {
            var error = APIError(.unauthorized, code: .notAuthenticated, detail: "/metrics needs Authorization: Bearer <METRICS_TOKEN>")
            error.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer")
            throw error
        }
    }

    /// Queue depth, running jobs and the oldest due job's wait, read from the database at scrape time.
    /// On failure the gauges keep their last values and `metrics_scrape_errors_total` says so.
    static func refreshQueueGauges(_ app: Application, logger: Logger) async {
        let queue = app.strideIQ.jobQueue
        let db = app.db
        do {
            let stats = try await withDeadline(queueReadTimeout) { try await queue.stats(on: db) }
            for (kind, stat) in stats {
                app.metrics.queueSnapshot(
                    kind: kind.rawValue, queued: stat.queued, running: stat.running,
                    oldestQueuedAge: stat.oldestDueAge)
            }
        } catch {
            app.metrics.scrapeError(source: "job_queue")
            logger.warning("metrics: job queue not readable", metadata: ["error": "\(error)"])
        }
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// With `METRICS_PORT`: a second HTTP server, on the app's event loops, that serves only `/metrics`.
/// Every long-running role runs it (`StartStopService.metrics`).
final class MetricsServer: Sendable {
    let host: String
    let port: Int
    private let server = Mutex<HTTPServer?>(nil)

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    func start(_ app: Application) async throws {
        let responder = APIErrorMiddleware().makeResponder(chainingTo: OnlyMetrics())
        let http = HTTPServer(
            application: app, responder: responder,
            configuration: .init(hostname: host, port: port, reportMetrics: false, logger: app.logger),
            on: app.eventLoopGroup)
        try await http.start(address: BindAddress.hostname(host, port: port))
        server.withLock { $0 = http }
        app.logger.notice("metrics served on http://\(host):\(boundPort ?? port)/metrics")
    }

    /// The port it listens on (useful with port 0).
    var boundPort: Int? { server.withLock { $0?.localAddress?.port } }

    func stop() async {
        let running = server.withLock { current in
            defer { current = nil }
            return current
        }
        await running?.shutdown()
    }

    /// `GET /metrics`, and 404 in the one error shape for anything else.
    struct OnlyMetrics: AsyncResponder {
        func respond(to request: Request) async throws -> Response {
            guard request.method == .GET, request.url.path == "/metrics" else { throw Abort(.notFound) }
            return try await MetricsEndpoint.respond(request)
        }
    }
}
