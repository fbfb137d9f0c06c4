import Fluent
import Foundation
import StrideIQCore

/// A training plan and its goal race (the race goal lives on the plan, as in the original).
final class TrainingPlan: Model, @unchecked Sendable {
    static let schema = "training_plans"

    @ID(key: .id) var id: UUID?
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "name") var name: String
    @Field(key: "status") var status: PlanStatus
    @OptionalField(key: "goal_race_name") var goalRaceName: String?
    @Field(key: "goal_race_date") var goalRaceDate: String
    @Field(key: "goal_race_distance_m") var goalRaceDistanceM: Double
    @OptionalField(key: "goal_time_seconds") var goalTimeSeconds: Int?
    @OptionalField(key: "plan_start_date") var planStartDate: String?
    @OptionalField(key: "plan_end_date") var planEndDate: String?
    @OptionalField(key: "total_weeks") var totalWeeks: Int?
    @Children(for: \.$plan) var workouts: [PlannedWorkout]
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// One workout on one day of a plan (at most one per day).
final class PlannedWorkout: Model, @unchecked Sendable {
    static let schema = "planned_workouts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "plan_id") var plan: TrainingPlan
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "scheduled_date") var scheduledDate: String
    @OptionalField(key: "week_number") var weekNumber: Int?
    @Field(key: "workout_type") var workoutType: WorkoutType
    @Field(key: "title") var title: String
    @OptionalField(key: "description") var workoutDescription: String?
    @OptionalField(key: "phase") var phase: TrainingPhase?
    @OptionalField(key: "target_distance_m") var targetDistanceM: Double?
    @OptionalField(key: "target_duration_s") var targetDurationS: Int?
    @OptionalField(key: "target_pace_min_s_per_km") var targetPaceMinSPerKm: Int?
    @OptionalField(key: "target_pace_max_s_per_km") var targetPaceMaxSPerKm: Int?
    @OptionalField(key: "coach_notes") var coachNotes: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
