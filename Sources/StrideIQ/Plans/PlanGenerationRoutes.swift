import Fluent
import StrideIQCore
import Vapor

/// `POST /v1/plans/generate` (builds and saves an active plan, 201) and `POST /v1/plans/generate/preview` (the
/// same plan, nothing saved, 200): `PlanGenerationService` over `PlanBuilder`.
struct PlanGenerationRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let group = routes.grouped("v1", "plans", "generate")
        group.post(use: generate)
        group.post("preview", use: preview)
    }

    func generate(req: Request) async throws -> JSONResponse<PlanGenerationDTO> {
        let body = try req.decodeBody(PlanGenerationBody.self).value
        let athlete = try req.currentAthlete.athlete
        let service = service(req)
        let computed = try await service.compute(body, athlete: athlete, now: req.application.now(), on: req.db)
        let saved = try await service.save(computed, athlete: athlete, on: req.db)
        return JSONResponse(.created, Self.dto(computed, saved: saved))
    }

    func preview(req: Request) async throws -> JSONResponse<PlanGenerationDTO> {
        let body = try req.decodeBody(PlanGenerationBody.self).value
        let athlete = try req.currentAthlete.athlete
        let computed = try await service(req).compute(body, athlete: athlete, now: req.application.now(), on: req.db)
        return JSONResponse(.ok, Self.dto(computed, saved: nil))
    }

    private static func dto(
        _ c: PlanGenerationService.Computation, saved: (TrainingPlan, [PlannedWorkout])?
    ) -> PlanGenerationDTO {
        PlanGenerationDTO(
            generated: c.plan, raceName: c.body.raceName, source: c.source, currentWeeklyM: c.request.currentWeeklyM,
            notes: c.notes, saved: saved.map { (plan: $0.0, workouts: $0.1) })
    }

    private func service(_ req: Request) -> PlanGenerationService {
        PlanGenerationService(trigger: req.briefingTrigger)
    }
}
