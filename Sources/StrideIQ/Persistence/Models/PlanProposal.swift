import Fluent
import Foundation

/// Where a plan adaptation proposal is in its life: pending until the athlete accepts or rejects it, or a
/// newer proposal for the same plan supersedes it.
enum ProposalStatus: String, Codable, Sendable, CaseIterable {
    case pending, accepted, rejected, superseded
}

/// What asked for a proposal: the athlete (`POST /v1/plans/{id}/adapt`) or the nightly job.
enum ProposalSource: String, Codable, Sendable, CaseIterable {
    case manual, nightly
}

/// A set of changes `PlanAdapter` proposes for a plan, kept until the athlete decides. `summary` and
/// `changes` are stored as JSON text (the same on SQLite and Postgres); `fingerprint` is the plan's workouts
/// (and race) when it was made, so accepting it after the plan changed is refused.
final class PlanProposal: Model, @unchecked Sendable {
    static let schema = "plan_proposals"

    @ID(key: .id) var id: UUID?
    @Parent(key: "plan_id") var plan: TrainingPlan
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "status") var status: ProposalStatus
    @Field(key: "source") var source: ProposalSource
    /// JSON array of strings.
    @Field(key: "summary") var summary: String
    /// JSON array of `PlanChangeDTO`.
    @Field(key: "changes") var changes: String
    @Field(key: "fingerprint") var fingerprint: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "decided_at") var decidedAt: Date?

    init() {}
}
