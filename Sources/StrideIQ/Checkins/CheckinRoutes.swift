import Fluent
import StrideIQCore
import Vapor

/// `/v1/daily-checkin`: one row per (athlete, local date), upserted; only the fields sent change
/// (`CheckinService`).
struct CheckinRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let checkins = routes.grouped("v1", "daily-checkin")
        checkins.post(use: upsert)
        checkins.get(use: list)
        checkins.get("today", use: today)
        checkins.get(":date", use: show)
    }

    func upsert(req: Request) async throws -> JSONResponse<CheckinDTO> {
        let decoded = try req.decodeBody(CheckinBody.self)
        let athlete = try req.currentAthlete.athlete
        let (row, created) = try await service(req).upsert(decoded, athlete: athlete, now: req.application.now(), on: req.db)
        return JSONResponse(created ? .created : .ok, CheckinDTO(row))
    }

    func today(req: Request) async throws -> JSONResponse<CheckinDTO?> {
        let current = try req.currentAthlete
        let day = LocalDate(req.application.now(), in: current.athlete.timeZone)
        return JSONResponse(.ok, try await service(req).find(athleteID: current.id, day: day, on: req.db).map(CheckinDTO.init))
    }

    func show(req: Request) async throws -> JSONResponse<CheckinDTO?> {
        guard let raw = req.parameters.get("date"), let day = LocalDate(raw) else {
            throw APIError.validation(field: "date", "must be a date as YYYY-MM-DD")
        }
        let athleteID = try req.currentAthlete.id
        return JSONResponse(.ok, try await service(req).find(athleteID: athleteID, day: day, on: req.db).map(CheckinDTO.init))
    }

    func list(req: Request) async throws -> JSONResponse<CheckinList> {
        let current = try req.currentAthlete
        var v = FieldValidator()
        let query = CheckinListQuery(req.query, validator: &v)
        try v.throwIfInvalid()
        let rows = try await service(req).list(query, athleteID: current.id, on: req.db)
        return JSONResponse(.ok, CheckinList(checkins: rows.map(CheckinDTO.init), count: rows.count))
    }

    private func service(_ req: Request) -> CheckinService {
        CheckinService(trigger: req.briefingTrigger)
    }
}
