import Fluent
import Foundation
import StrideIQCore

/// One workout on one day of a plan (at most one per day).
final class PlannedWorkout: Model, ListedFields, @unchecked Sendable {
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

    /// `ListedFields`: every column property.
    var storedProperties: [any AnyDatabaseProperty] {
        [
            $id, $plan, $athlete, $scheduledDate, $weekNumber, $workoutType, $title, $workoutDescription, $phase,
            $targetDistanceM, $targetDurationS, $targetPaceMinSPerKm, $targetPaceMaxSPerKm, $coachNotes, $createdAt, $updatedAt,
        ]
    }
}
