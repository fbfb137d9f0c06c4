import Fluent
import Foundation

/// What changed a plan's workout: an accepted adaptation, a manual workout edit, or the plan generator.
enum PlanHistorySource: String, Codable, Sendable, CaseIterable {
    case adaptation, edit, generate
}

/// How a workout changed.
enum PlanChangeKind: String, Codable, Sendable, CaseIterable {
    case added, removed, changed
}

/// One logged change of one planned workout, with the workout before and after it (JSON text, the
/// `PlanWorkoutSnapshot` shape). `workout_id` has no foreign key: the entry outlives a deleted workout.
final class PlanHistoryEntry: Model, @unchecked Sendable {
    static let schema = "plan_history"

    @ID(key: .id) var id: UUID?
    @Parent(key: "plan_id") var plan: TrainingPlan
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "at") var at: Date
    @Field(key: "source") var source: PlanHistorySource
    @Field(key: "kind") var kind: PlanChangeKind
    @OptionalField(key: "workout_id") var workoutID: UUID?
    @Field(key: "date") var date: String
    @OptionalField(key: "before") var before: String?
    @OptionalField(key: "after") var after: String?
    @OptionalField(key: "reason") var reason: String?
    @OptionalField(key: "proposal_id") var proposalID: UUID?

    init() {}
}
