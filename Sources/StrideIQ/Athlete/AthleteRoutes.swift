import Fluent
import StrideIQCore
import Vapor

/// `GET/PATCH /v1/athlete`: the caller's own profile (`AthleteService`).
struct AthleteRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let athlete = routes.grouped("v1", "athlete")
        athlete.get(use: show)
        athlete.patch(use: update)
    }

    func show(req: Request) async throws -> JSONResponse<AthleteDTO> {
        JSONResponse(.ok, AthleteDTO(try req.currentAthlete.athlete))
    }

    func update(req: Request) async throws -> JSONResponse<AthleteDTO> {
        let patch = try req.decodeBody(AthletePatch.self)
        let athlete = try req.currentAthlete.athlete
        try await AthleteService(trigger: req.briefingTrigger, now: req.application.now).update(athlete, with: patch, on: req.db)
        return JSONResponse(.ok, AthleteDTO(athlete))
    }
}
