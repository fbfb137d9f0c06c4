import Fluent
import SQLKit

/// The change log of a plan's workouts (`PlanHistoryEntry`), newest first per plan.
struct CreatePlanHistory: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("plan_history")
            .id()
            .field("plan_id", .uuid, .required, .references("training_plans", "id", onDelete: .cascade))
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            .field("source", .string, .required)
            .field("kind", .string, .required)
            .field("workout_id", .uuid)
            .field("date", .string, .required)
            .field("before", .string)
            .field("after", .string)
            .field("reason", .string)
            .field("proposal_id", .uuid)
            .create()
        try await (database as! any SQLDatabase).create(index: "plan_history_plan_at_idx")
            .on("plan_history").column("plan_id").column("at").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("plan_history").delete() }
}
