import Fluent
import StrideIQCore
import Vapor

/// `/v1/home` (deterministic payload + cached briefing), `/v1/home/briefing` (just the briefing, with an ETag,
/// for polling) and the admin refresh (`HomeService`). None of them ever waits for a job or a provider.
struct HomeRoutes: RouteCollection {
    /// One per app (`Roles` registers the routes once per process): the snapshots of the athletes it served.
    let snapshots = HomeSnapshotCache()

    func boot(routes: any RoutesBuilder) throws {
        let home = routes.grouped("v1", "home")
        home.get(use: show)
        home.get("briefing", use: briefing)
        home.post("admin", "briefing-refresh", ":athlete_id", use: adminRefresh)
    }

    func show(req: Request) async throws -> Response {
        let athlete = try req.currentAthlete.athlete
        let view = try await service(req).view(athlete: athlete, now: req.application.now(), on: req.db)
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: try view.jsonBody()))
    }

    func briefing(req: Request) async throws -> Response {
        let athlete = try req.currentAthlete.athlete
        let body = try await service(req).view(athlete: athlete, now: req.application.now(), on: req.db).briefingBody()
        let etag = "\"" + SHA256.hash(data: body).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: etag)
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        let offered = req.headers[.ifNoneMatch].flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if offered.contains(etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: body))
    }

    /// Admin/owner only (403 otherwise). Audited: every accepted call, and refused ones throttled (`AuditLog`).
    func adminRefresh(req: Request) async throws -> JSONResponse<RefreshAccepted> {
        let actor = try req.currentAthlete.athlete
        let target = try req.uuidParameter("athlete_id", resource: "Athlete")
        let outcome = try await service(req).adminRefresh(
            actor: actor, target: target, now: req.application.now(), cache: req.application.cache, on: req.db)
        return JSONResponse(.accepted, RefreshAccepted(status: outcome.rawValue, athleteID: target))
    }

    private func service(_ req: Request) -> HomeService {
        HomeService(briefings: req.application.briefings, snapshots: snapshots, logger: req.logger)
    }
}
