import Vapor

/// `/ping` (liveness: touches nothing) and `/health`, `/v1/health` (readiness: a database and a cache round
/// trip, `HealthService`).
struct HealthRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("ping", use: ping)
        routes.get("health", use: health)
        routes.get("v1", "health", use: health)
    }

    func ping(req: Request) async throws -> JSONResponse<Ping> {
        JSONResponse(.ok, Ping(status: "alive"))
    }

    func health(req: Request) async throws -> JSONResponse<Report> {
        let service = HealthService(
            databaseKind: req.application.config.database.kind, cache: req.application.cache,
            logger: req.logger)
        let report = await service.readiness(on: req.db)
        return JSONResponse(report.failed == nil ? .ok : .serviceUnavailable, report)
    }
}
