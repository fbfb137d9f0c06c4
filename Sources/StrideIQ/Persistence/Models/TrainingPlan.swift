import Fluent
import Foundation
import StrideIQCore

/// A training plan and its goal race (the race goal lives on the plan).
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
