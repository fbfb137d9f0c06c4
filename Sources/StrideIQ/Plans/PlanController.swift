import Fluent
import SQLKit
import Vapor
import StrideIQCore

/// `/v1/plans` and their planned workouts. At most one active plan per athlete (a database index enforces it).
struct PlanController: RouteCollection {
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
        let body = decoded.value
        var v = FieldValidator()
        v.check(body.name != nil, "name", "is required")
        v.check(body.goalRaceDate != nil, "goal_race_date", "is required")
        v.check(body.goalRaceDistanceM != nil, "goal_race_distance_m", "is required")
        try v.throwIfInvalid()
        let plan = TrainingPlan()
        plan.$athlete.id = try req.currentAthlete.id
        plan.status = .draft
        apply(decoded, to: plan)
        try await validateAndSave(plan, on: req)
        return JSONResponse(.created, PlanDTO(plan, workouts: []))
    }

    func list(req: Request) async throws -> JSONResponse<PlanList> {
        let plans = try await TrainingPlan.query(on: req.db)
            .filter(\.$athlete.$id == req.currentAthlete.id)
            .sort(\.$goalRaceDate, .descending).sort(\.$createdAt, .descending)
            .all()
        return JSONResponse(.ok, PlanList(plans: plans.map { PlanDTO($0, workouts: nil) }))
    }

    func show(req: Request) async throws -> JSONResponse<PlanDTO> {
        let plan = try await ownedPlan(req)
        let workouts = try await plan.$workouts.get(on: req.db)
        return JSONResponse(.ok, PlanDTO(plan, workouts: workouts))
    }

    func update(req: Request) async throws -> JSONResponse<PlanDTO> {
        let decoded = try req.decodeBody(PlanBody.self)
        let plan = try await ownedPlan(req)
        apply(decoded, to: plan)
        try await validateAndSave(plan, on: req)
        let workouts = try await plan.$workouts.get(on: req.db)
        return JSONResponse(.ok, PlanDTO(plan, workouts: workouts))
    }

    func delete(req: Request) async throws -> HTTPStatus {
        let plan = try await ownedPlan(req)
        let athlete = try req.currentAthlete.athlete
        try await req.db.writeTransaction { db in
            try await plan.delete(on: db) // workouts go with it (ON DELETE CASCADE)
            try await req.triggerBriefingRefresh("plan_changed", athlete: athlete, on: db)
        }
        return .noContent
    }

    // MARK: workouts

    func createWorkout(req: Request) async throws -> JSONResponse<WorkoutDTO> {
        let decoded = try req.decodeBody(WorkoutBody.self)
        let body = decoded.value
        var v = FieldValidator()
        v.check(body.scheduledDate != nil, "scheduled_date", "is required")
        v.check(body.workoutType != nil, "workout_type", "is required")
        v.check(body.title != nil, "title", "is required")
        try v.throwIfInvalid()
        let plan = try await ownedPlan(req)
        let workout = PlannedWorkout()
        workout.$plan.id = plan.id!
        workout.$athlete.id = plan.$athlete.id
        apply(decoded, to: workout)
        try await saveWorkout(workout, plan: plan, on: req)
        return JSONResponse(.created, WorkoutDTO(workout))
    }

    func updateWorkout(req: Request) async throws -> JSONResponse<WorkoutDTO> {
        let decoded = try req.decodeBody(WorkoutBody.self)
        let (plan, workout) = try await ownedWorkout(req)
        apply(decoded, to: workout)
        try await saveWorkout(workout, plan: plan, on: req)
        return JSONResponse(.ok, WorkoutDTO(workout))
    }

    func deleteWorkout(req: Request) async throws -> HTTPStatus {
        let (plan, workout) = try await ownedWorkout(req)
        let athlete = try req.currentAthlete.athlete
        try await req.db.writeTransaction { db in
            try await workout.delete(on: db)
            try await Self.touch(plan, on: db)
            try await req.triggerBriefingRefresh("workout_changed", athlete: athlete, on: db)
        }
        return .noContent
    }

    // MARK: helpers

    private func apply(_ decoded: Decoded<PlanBody>, to plan: TrainingPlan) {
        let b = decoded.value
        if let name = b.name { plan.name = name }
        if let status = b.status { plan.status = status }
        if decoded.has(.goalRaceName) { plan.goalRaceName = b.goalRaceName }
        if let date = b.goalRaceDate { plan.goalRaceDate = date.description }
        if let distance = b.goalRaceDistanceM { plan.goalRaceDistanceM = distance }
        if decoded.has(.goalTimeSeconds) { plan.goalTimeSeconds = b.goalTimeSeconds }
        if decoded.has(.planStartDate) { plan.planStartDate = b.planStartDate?.description }
        if decoded.has(.planEndDate) { plan.planEndDate = b.planEndDate?.description }
        if decoded.has(.totalWeeks) { plan.totalWeeks = b.totalWeeks }
    }

    private func apply(_ decoded: Decoded<WorkoutBody>, to w: PlannedWorkout) {
        let b = decoded.value
        if let date = b.scheduledDate { w.scheduledDate = date.description }
        if decoded.has(.weekNumber) { w.weekNumber = b.weekNumber }
        if let type = b.workoutType { w.workoutType = type }
        if let title = b.title { w.title = title }
        if decoded.has(.description) { w.workoutDescription = b.description }
        if decoded.has(.phase) { w.phase = b.phase }
        if decoded.has(.targetDistanceM) { w.targetDistanceM = b.targetDistanceM }
        if decoded.has(.targetDurationS) { w.targetDurationS = b.targetDurationS }
        if decoded.has(.targetPaceMinSPerKm) { w.targetPaceMinSPerKm = b.targetPaceMinSPerKm }
        if decoded.has(.targetPaceMaxSPerKm) { w.targetPaceMaxSPerKm = b.targetPaceMaxSPerKm }
        if decoded.has(.coachNotes) { w.coachNotes = b.coachNotes }
    }

    private func validateAndSave(_ plan: TrainingPlan, on req: Request) async throws {
        var v = FieldValidator()
        PlanBody.validateMerged(plan, into: &v)
        try v.throwIfInvalid()
        let athlete = try req.currentAthlete.athlete
        do {
            try await req.db.writeTransaction { db in
                try await plan.save(on: db)
                try await req.triggerBriefingRefresh("plan_changed", athlete: athlete, on: db)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw APIError(.conflict, code: "active_plan_exists",
                           detail: "Another plan is already active; complete or cancel it first")
        }
    }

    private func saveWorkout(_ workout: PlannedWorkout, plan: TrainingPlan, on req: Request) async throws {
        var v = FieldValidator()
        WorkoutBody.validateMerged(workout, into: &v)
        try v.throwIfInvalid()
        let athlete = try req.currentAthlete.athlete
        do {
            try await req.db.writeTransaction { db in
                try await workout.save(on: db)
                try await Self.touch(plan, on: db)
                try await req.triggerBriefingRefresh("workout_changed", athlete: athlete, on: db)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw APIError(.conflict, code: "workout_date_taken",
                           detail: "This plan already has a workout on \(workout.scheduledDate)")
        }
    }

    /// A workout edit changes the plan: bump its `updated_at` (the briefing fingerprint reads it).
    static func touch(_ plan: TrainingPlan, on db: any Database) async throws {
        try await (db as! any SQLDatabase).update(TrainingPlan.schema)
            .set("updated_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(plan.id!))
            .run()
    }

    /// The caller's plan; another athlete's id is a 404.
    private func ownedPlan(_ req: Request) async throws -> TrainingPlan {
        let id = try req.uuidParameter("plan_id", resource: "Plan")
        guard let plan = try await TrainingPlan.query(on: req.db)
            .filter(\.$id == id).filter(\.$athlete.$id == req.currentAthlete.id).first() else {
            throw APIError.notFound("Plan")
        }
        return plan
    }

    private func ownedWorkout(_ req: Request) async throws -> (TrainingPlan, PlannedWorkout) {
        let plan = try await ownedPlan(req)
        let id = try req.uuidParameter("workout_id", resource: "Workout")
        guard let workout = try await PlannedWorkout.query(on: req.db)
            .filter(\.$id == id).filter(\.$plan.$id == plan.id!).first() else {
            throw APIError.notFound("Workout")
        }
        return (plan, workout)
    }
}
