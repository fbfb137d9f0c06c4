import Fluent
import SQLKit

/// Training plans and their goal race.
struct CreateTrainingPlans: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("training_plans")
            .id()
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("status", .string, .required)
            .field("goal_race_name", .string)
            .field("goal_race_date", .string, .required)
            .field("goal_race_distance_m", .double, .required)
            .field("goal_time_seconds", .int)
            .field("plan_start_date", .string)
            .field("plan_end_date", .string)
            .field("total_weeks", .int)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        // At most one active plan per athlete, enforced by the database (partial index: same SQL on both engines).
        try await (database as! any SQLDatabase).raw(
            "CREATE UNIQUE INDEX training_plans_one_active ON training_plans (athlete_id) WHERE status = 'active'"
        ).run()
    }
    func revert(on database: any Database) async throws { try await database.schema("training_plans").delete() }
}
