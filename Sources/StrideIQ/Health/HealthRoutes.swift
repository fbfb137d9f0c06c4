import Vapor

/// `/ping` (liveness: touches nothing) and `/health`, `/v1/health` (readiness: a database and a cache round
/// trip, `HealthService`).
struct HealthRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("ping", use: ping)
        routes.get("health", use: health)
        routes.get("v1", "health", use: health)
    }

    /// Synchronous, with its body encoded once: a liveness probe should cost the server as little as any
    /// request can (an `async` handler costs a task and two thread hops per request).
    func ping(req: Request) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(buffer: Self.pingBody))
    }

    /// `Ping(status: "alive")`, as `JSONCoding.encoder` writes it (`HealthTests` compares the two).
    static let pingBody = ByteBuffer(string: #"{"status":"alive"}"#)

    func health(req: Request) async throws -> JSONResponse<Report> {
        let service = HealthService(
            databaseKind: req.application.config.database.kind, cache: req.application.cache,
            logger: req.logger)
        let report = await service.readiness(on: req.db)
        return JSONResponse(report.failed == nil ? .ok : .serviceUnavailable, report)
    }
}
