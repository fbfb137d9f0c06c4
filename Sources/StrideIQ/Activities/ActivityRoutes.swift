import Fluent
import StrideIQCore
import Vapor

/// `/v1/activities`: manual and imported sessions, idempotent on (source, external_id), one duplicate rule
/// (`ActivityService`).
struct ActivityRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let activities = routes.grouped("v1", "activities")
        activities.post(use: create)
        activities.get(use: list)
        activities.get(":activity_id", use: show)
        activities.delete(":activity_id", use: delete)
    }

    func create(req: Request) async throws -> JSONResponse<ActivityDTO> {
        let body = try req.decodeBody(ActivityBody.self).value
        let athlete = try req.currentAthlete.athlete
        let (activity, created) = try await service(req).create(body, athlete: athlete, now: req.application.now(), on: req.db)
        return JSONResponse(created ? .created : .ok, ActivityDTO(activity))
    }

    func list(req: Request) async throws -> JSONResponse<ActivityPage> {
        let current = try req.currentAthlete
        var v = FieldValidator()
        let query = ActivityListQuery(req.query, validator: &v)
        try v.throwIfInvalid()
        let (rows, total) = try await service(req).list(query, athleteID: current.id, on: req.db)
        return JSONResponse(
            .ok, ActivityPage(activities: rows.map(ActivityDTO.init), total: total, limit: query.limit, offset: query.offset))
    }

    func show(req: Request) async throws -> JSONResponse<ActivityDTO> {
        JSONResponse(.ok, ActivityDTO(try await owned(req)))
    }

    func delete(req: Request) async throws -> HTTPStatus {
        let id = try req.uuidParameter("activity_id", resource: "Activity")
        try await service(req).delete(id, athlete: try req.currentAthlete.athlete, on: req.db)
        return .noContent
    }

    private func owned(_ req: Request) async throws -> Activity {
        let id = try req.uuidParameter("activity_id", resource: "Activity")
        return try await service(req).owned(id, athleteID: try req.currentAthlete.id, on: req.db)
    }

    private func service(_ req: Request) -> ActivityService {
        ActivityService(trigger: req.briefingTrigger)
    }
}
