import Fluent
import Foundation
import SQLKit
import StrideIQCore

/// Training plans and their planned workouts, on a database and plain values (no request). At most one
/// active plan per athlete and one workout per plan day (database indexes enforce both).
struct PlanService: Sendable {
    let trigger: BriefingTrigger

    // MARK: plans

    /// A new draft plan; `name`, `goal_race_date` and `goal_race_distance_m` are required.
    func create(_ decoded: Decoded<PlanBody>, athlete: Athlete, on db: any Database) async throws -> TrainingPlan {
        try Self.requireNewPlanFields(decoded.value)
        let plan = TrainingPlan()
        plan.$athlete.id = try athlete.requireID()
        plan.status = .draft
        try await update(plan, with: decoded, athlete: athlete, on: db)
        return plan
    }

    static func requireNewPlanFields(_ body: PlanBody) throws {
        var v = FieldValidator()
        v.check(body.name != nil, "name", "is required")
        v.check(body.goalRaceDate != nil, "goal_race_date", "is required")
        v.check(body.goalRaceDistanceM != nil, "goal_race_distance_m", "is required")
        try v.throwIfInvalid()
    }

    func list(athleteID: UUID, on db: any Database) async throws -> [TrainingPlan] {
        try await TrainingPlan.query(on: db)
            .filter(\.$athlete.$id == athleteID)
            .sort(\.$goalRaceDate, .descending).sort(\.$createdAt, .descending)
            .all()
    }

    /// Changes only the fields sent, checks the plan as a whole and saves it (409 `active_plan_exists`).
    func update(_ plan: TrainingPlan, with decoded: Decoded<PlanBody>, athlete: Athlete, on db: any Database) async throws {
        Self.apply(decoded, to: plan)
        var v = FieldValidator()
        PlanBody.validateMerged(plan, into: &v)
        try v.throwIfInvalid()
        let trigger = trigger
        do {
            try await db.write(athlete: athlete.requireID()) { db in
                try await plan.save(on: db)
                try await trigger.fire("plan_changed", athlete: athlete, on: db)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw APIError(
                .conflict, code: .activePlanExists,
                detail: "Another plan is already active; complete or cancel it first")
        }
    }

    func workouts(of plan: TrainingPlan, on db: any Database) async throws -> [PlannedWorkout] {
        try await plan.$workouts.get(on: db)
    }

    func delete(_ plan: TrainingPlan, athlete: Athlete, on db: any Database) async throws {
        let trigger = trigger
        try await db.write(athlete: athlete.requireID()) { db in
            try await plan.delete(on: db)  // workouts go with it (ON DELETE CASCADE)
            try await trigger.fire("plan_changed", athlete: athlete, on: db)
        }
    }

    /// The athlete's plan; another athlete's id is a 404.
    func owned(_ id: UUID, athleteID: UUID, on db: any Database) async throws -> TrainingPlan {
        guard
            let plan = try await TrainingPlan.query(on: db)
                .filter(\.$id == id).filter(\.$athlete.$id == athleteID).first()
        else {
            throw APIError.notFound("Plan")
        }
        return plan
    }

    // MARK: workouts

    /// A new workout of `plan`; `scheduled_date`, `workout_type` and `title` are required.
    func createWorkout(_ decoded: Decoded<WorkoutBody>, in plan: TrainingPlan, athlete: Athlete, on db: any Database)
        async throws -> PlannedWorkout
    {
        try Self.requireNewWorkoutFields(decoded.value)
        let workout = PlannedWorkout()
        workout.$plan.id = try plan.requireID()
        workout.$athlete.id = plan.$athlete.id
        try await update(workout, with: decoded, plan: plan, athlete: athlete, on: db)
        return workout
    }

    static func requireNewWorkoutFields(_ body: WorkoutBody) throws {
        var v = FieldValidator()
        v.check(body.scheduledDate != nil, "scheduled_date", "is required")
        v.check(body.workoutType != nil, "workout_type", "is required")
        v.check(body.title != nil, "title", "is required")
        try v.throwIfInvalid()
    }

    /// Changes only the fields sent, checks the workout as a whole and saves it (409 `workout_date_taken`).
    func update(
        _ workout: PlannedWorkout, with decoded: Decoded<WorkoutBody>, plan: TrainingPlan, athlete: Athlete,
        on db: any Database
    ) async throws {
        let before = workout.id == nil ? nil : PlanWorkoutSnapshot(workout)
        Self.apply(decoded, to: workout)
        var v = FieldValidator()
        WorkoutBody.validateMerged(workout, into: &v)
        try v.throwIfInvalid()
        let trigger = trigger
        do {
            try await db.write(athlete: athlete.requireID()) { db in
                try await workout.save(on: db)
                try await PlanAdaptationService.logEdit(before: before, after: workout, removed: false, on: db)
                try await Self.touch(plan, on: db)
                try await trigger.fire("workout_changed", athlete: athlete, on: db)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw APIError(
                .conflict, code: .workoutDateTaken,
                detail: "This plan already has a workout on \(workout.scheduledDate)")
        }
    }

    func delete(_ workout: PlannedWorkout, of plan: TrainingPlan, athlete: Athlete, on db: any Database) async throws {
        let trigger = trigger
        let before = PlanWorkoutSnapshot(workout)
        let service = self
        try await db.write(athlete: athlete.requireID()) { db in
            // Read again inside the transaction: the plan (and the workout with it) may have been deleted since
            // the route loaded them, and logging the removal of a workout of a deleted plan broke the history's
            // foreign key (a 500 the API fuzzer found). Gone by now is the same 404 as never there.
            _ = try await service.ownedWorkout(workout.requireID(), in: plan, on: db)
            try await workout.delete(on: db)
            try await PlanAdaptationService.logEdit(before: before, after: workout, removed: true, on: db)
            try await Self.touch(plan, on: db)
            try await trigger.fire("workout_changed", athlete: athlete, on: db)
        }
    }

    /// The plan's workout; one of another plan is a 404.
    func ownedWorkout(_ id: UUID, in plan: TrainingPlan, on db: any Database) async throws -> PlannedWorkout {
        guard
            let workout = try await PlannedWorkout.query(on: db)
                .filter(\.$id == id).filter(\.$plan.$id == plan.requireID()).first()
        else {
            throw APIError.notFound("Workout")
        }
        return workout
    }

    // MARK: helpers

    /// A workout edit changes the plan: bump its `updated_at` (the briefing fingerprint reads it).
    static func touch(_ plan: TrainingPlan, on db: any Database) async throws {
        try await (db as! any SQLDatabase).update(TrainingPlan.schema)
            .set("updated_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(plan.requireID()))
            .run()
    }

    private static func apply(_ decoded: Decoded<PlanBody>, to plan: TrainingPlan) {
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

    private static func apply(_ decoded: Decoded<WorkoutBody>, to w: PlannedWorkout) {
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
}
