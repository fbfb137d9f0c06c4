import Fluent
import SQLKit

/// Plan adaptation proposals (`PlanProposal`), newest first per plan.
struct CreatePlanProposals: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("plan_proposals")
            .id()
            .field("plan_id", .uuid, .required, .references("training_plans", "id", onDelete: .cascade))
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("status", .string, .required)
            .field("source", .string, .required)
            .field("summary", .string, .required)
            .field("changes", .string, .required)
            .field("fingerprint", .string, .required)
            .field("created_at", .datetime, .required)
            .field("decided_at", .datetime)
            .create()
        try await (database as! any SQLDatabase).create(index: "plan_proposals_plan_created_idx")
            .on("plan_proposals").column("plan_id").column("created_at").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("plan_proposals").delete() }
}
