import Foundation
import StrideIQCore

struct PlanBody: RequestBody {
    let name: String?
    let status: PlanStatus?
    let goalRaceName: String?
    let goalRaceDate: LocalDate?
    let goalRaceDistanceM: Double?
    let goalTimeSeconds: Int?
    let planStartDate: LocalDate?
    let planEndDate: LocalDate?
    let totalWeeks: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, status
        case goalRaceName = "goal_race_name", goalRaceDate = "goal_race_date", goalRaceDistanceM = "goal_race_distance_m"
        case goalTimeSeconds = "goal_time_seconds", planStartDate = "plan_start_date", planEndDate = "plan_end_date"
        case totalWeeks = "total_weeks"
    }

    /// On PATCH these optional facts can be cleared.
    static var nullableFields: Set<String> {
        ["goal_race_name", "goal_time_seconds", "plan_start_date", "plan_end_date", "total_weeks"]
    }

    func validate(into v: inout FieldValidator) {
        v.length(name, "name", Limits.Plan.name)
        v.length(goalRaceName, "goal_race_name", Limits.Plan.raceName)
        v.range(goalRaceDistanceM, "goal_race_distance_m", Limits.Plan.raceDistanceM)
        v.range(goalTimeSeconds, "goal_time_seconds", Limits.Plan.goalTimeS)
        v.range(totalWeeks, "total_weeks", Limits.Plan.totalWeeks)
    }

    /// Rules for a complete plan (after a create, or a patch merged onto the stored plan).
    static func validateMerged(_ plan: TrainingPlan, into v: inout FieldValidator) {
        if let start = plan.planStartDate.flatMap(LocalDate.init), let end = plan.planEndDate.flatMap(LocalDate.init) {
            v.check(start <= end, "plan_end_date", "must not be before plan_start_date")
        }
        if let start = plan.planStartDate.flatMap(LocalDate.init), let race = LocalDate(plan.goalRaceDate) {
            v.check(start <= race, "goal_race_date", "must not be before plan_start_date")
        }
    }
}

struct WorkoutBody: RequestBody {
    let scheduledDate: LocalDate?
    let weekNumber: Int?
    let workoutType: WorkoutType?
    let title: String?
    let description: String?
    let phase: TrainingPhase?
    let targetDistanceM: Double?
    let targetDurationS: Int?
    let targetPaceMinSPerKm: Int?
    let targetPaceMaxSPerKm: Int?
    let coachNotes: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case title, description, phase
        case scheduledDate = "scheduled_date", weekNumber = "week_number", workoutType = "workout_type"
        case targetDistanceM = "target_distance_m", targetDurationS = "target_duration_s"
        case targetPaceMinSPerKm = "target_pace_min_s_per_km", targetPaceMaxSPerKm = "target_pace_max_s_per_km"
        case coachNotes = "coach_notes"
    }

    static var nullableFields: Set<String> {
        [
            "week_number", "description", "phase", "target_distance_m", "target_duration_s",
            "target_pace_min_s_per_km", "target_pace_max_s_per_km", "coach_notes",
        ]
    }

    func validate(into v: inout FieldValidator) {
        v.range(weekNumber, "week_number", Limits.Plan.totalWeeks)
        v.length(title, "title", Limits.Plan.title)
        v.length(description, "description", Limits.Plan.text)
        v.length(coachNotes, "coach_notes", Limits.Plan.text)
        v.range(targetDistanceM, "target_distance_m", Limits.Plan.targetDistanceM)
        v.range(targetDurationS, "target_duration_s", Limits.Plan.targetDurationS)
        v.range(targetPaceMinSPerKm, "target_pace_min_s_per_km", Limits.Plan.paceSPerKm)
        v.range(targetPaceMaxSPerKm, "target_pace_max_s_per_km", Limits.Plan.paceSPerKm)
    }

    static func validateMerged(_ w: PlannedWorkout, into v: inout FieldValidator) {
        if let low = w.targetPaceMinSPerKm, let high = w.targetPaceMaxSPerKm {
            v.check(low <= high, "target_pace_max_s_per_km", "must be at least target_pace_min_s_per_km")
        }
    }
}

struct WorkoutDTO: Codable, Sendable {
    let id: UUID
    let planID: UUID
    let scheduledDate: String
    @Nullable var weekNumber: Int?
    let workoutType: WorkoutType
    let title: String
    @Nullable var description: String?
    @Nullable var phase: TrainingPhase?
    @Nullable var targetDistanceM: Double?
    @Nullable var targetDurationS: Int?
    @Nullable var targetPaceMinSPerKm: Int?
    @Nullable var targetPaceMaxSPerKm: Int?
    @Nullable var coachNotes: String?

    enum CodingKeys: String, CodingKey {
        case id, title, description, phase
        case planID = "plan_id", scheduledDate = "scheduled_date", weekNumber = "week_number", workoutType = "workout_type"
        case targetDistanceM = "target_distance_m", targetDurationS = "target_duration_s"
        case targetPaceMinSPerKm = "target_pace_min_s_per_km", targetPaceMaxSPerKm = "target_pace_max_s_per_km"
        case coachNotes = "coach_notes"
    }

    init(_ w: PlannedWorkout) {
        id = w.id!
        planID = w.$plan.id
        scheduledDate = w.scheduledDate
        weekNumber = w.weekNumber
        workoutType = w.workoutType
        title = w.title
        description = w.workoutDescription
        phase = w.phase
        targetDistanceM = w.targetDistanceM
        targetDurationS = w.targetDurationS
        targetPaceMinSPerKm = w.targetPaceMinSPerKm
        targetPaceMaxSPerKm = w.targetPaceMaxSPerKm
        coachNotes = w.coachNotes
    }
}

struct PlanDTO: Codable, Sendable {
    let id: UUID
    let name: String
    let status: PlanStatus
    @Nullable var goalRaceName: String?
    let goalRaceDate: String
    let goalRaceDistanceM: Double
    @Nullable var goalTimeSeconds: Int?
    @Nullable var planStartDate: String?
    @Nullable var planEndDate: String?
    @Nullable var totalWeeks: Int?
    @Nullable var workouts: [WorkoutDTO]?
    @Nullable var createdAt: Date?
    @Nullable var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, status, workouts
        case goalRaceName = "goal_race_name", goalRaceDate = "goal_race_date", goalRaceDistanceM = "goal_race_distance_m"
        case goalTimeSeconds = "goal_time_seconds", planStartDate = "plan_start_date", planEndDate = "plan_end_date"
        case totalWeeks = "total_weeks", createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ p: TrainingPlan, workouts: [PlannedWorkout]?) {
        id = p.id!
        name = p.name
        status = p.status
        goalRaceName = p.goalRaceName
        goalRaceDate = p.goalRaceDate
        goalRaceDistanceM = p.goalRaceDistanceM
        goalTimeSeconds = p.goalTimeSeconds
        planStartDate = p.planStartDate
        planEndDate = p.planEndDate
        totalWeeks = p.totalWeeks
        self.workouts = workouts?.sorted { $0.scheduledDate < $1.scheduledDate }.map(WorkoutDTO.init)
        createdAt = p.createdAt
        updatedAt = p.updatedAt
    }
}

struct PlanList: Codable, Sendable {
    let plans: [PlanDTO]
}
