import Fluent
import StrideIQCore
import Vapor

/// `/v1/plans` and their planned workouts (`PlanService`). Bodies are decoded before anything is looked up,
/// so a bad body is a 422 even for a plan that does not exist.
struct PlanRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let plans = routes.grouped("v1", "plans")
        plans.post(use: create)
        plans.get(use: list)
        plans.get(":plan_id", use: show)
        plans.patch(":plan_id", use: update)
        plans.delete(":plan_id", use: delete)
        let workouts = plans.grouped(":plan_id", "workouts")
        workouts.post(use: createWorkout)
        workouts.patch(":workout_id", use: updateWorkout)
        workouts.delete(":workout_id", use: deleteWorkout)
    }

    // MARK: plans

    func create(req: Request) async throws -> JSONResponse<PlanDTO> {
        let decoded = try req.decodeBody(PlanBody.self)
        let plan = try await service(req).create(decoded, athlete: try req.currentAthlete.athlete, on: req.db)
        return JSONResponse(.created, PlanDTO(plan, workouts: []))
    }

    func list(req: Request) async throws -> JSONResponse<PlanList> {
        let plans = try await service(req).list(athleteID: try req.currentAthlete.id, on: req.db)
        return JSONResponse(.ok, PlanList(plans: plans.map { PlanDTO($0, workouts: nil) }))
    }

    func show(req: Request) async throws -> JSONResponse<PlanDTO> {
        let plan = try await ownedPlan(req)
        return JSONResponse(.ok, PlanDTO(plan, workouts: try await service(req).workouts(of: plan, on: req.db)))
    }

    func update(req: Request) async throws -> JSONResponse<PlanDTO> {
        let decoded = try req.decodeBody(PlanBody.self)
        let plan = try await ownedPlan(req)
        let service = service(req)
        try await service.update(plan, with: decoded, athlete: try req.currentAthlete.athlete, on: req.db)
        return JSONResponse(.ok, PlanDTO(plan, workouts: try await service.workouts(of: plan, on: req.db)))
    }

    func delete(req: Request) async throws -> HTTPStatus {
        let plan = try await ownedPlan(req)
        try await service(req).delete(plan, athlete: try req.currentAthlete.athlete, on: req.db)
        return .noContent
    }

    // MARK: workouts

    func createWorkout(req: Request) async throws -> JSONResponse<WorkoutDTO> {
        let decoded = try req.decodeBody(WorkoutBody.self)
        // Before the plan lookup: a body missing its required fields is a 422 even for an unknown plan.
        try PlanService.requireNewWorkoutFields(decoded.value)
        let plan = try await ownedPlan(req)
        let workout = try await service(req).createWorkout(decoded, in: plan, athlete: try req.currentAthlete.athlete, on: req.db)
        return JSONResponse(.created, WorkoutDTO(workout))
    }

    func updateWorkout(req: Request) async throws -> JSONResponse<WorkoutDTO> {
        let decoded = try req.decodeBody(WorkoutBody.self)
        let (plan, workout) = try await ownedWorkout(req)
        try await service(req).update(workout, with: decoded, plan: plan, athlete: try req.currentAthlete.athlete, on: req.db)
        return JSONResponse(.ok, WorkoutDTO(workout))
    }

    func deleteWorkout(req: Request) async throws -> HTTPStatus {
        let (plan, workout) = try await ownedWorkout(req)
        try await service(req).delete(workout, of: plan, athlete: try req.currentAthlete.athlete, on: req.db)
        return .noContent
    }

    // MARK: helpers

    private func ownedPlan(_ req: Request) async throws -> TrainingPlan {
        let id = try req.uuidParameter("plan_id", resource: "Plan")
        return try await service(req).owned(id, athleteID: try req.currentAthlete.id, on: req.db)
    }

    /// The plan is looked up first: an unknown plan is a 404 whatever the workout id.
    private func ownedWorkout(_ req: Request) async throws -> (TrainingPlan, PlannedWorkout) {
        let plan = try await ownedPlan(req)
        let id = try req.uuidParameter("workout_id", resource: "Workout")
        return (plan, try await service(req).ownedWorkout(id, in: plan, on: req.db))
    }

    private func service(_ req: Request) -> PlanService {
        PlanService(trigger: req.briefingTrigger)
    }
}
