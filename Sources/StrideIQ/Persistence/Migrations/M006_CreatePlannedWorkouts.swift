import Fluent
import SQLKit

/// The workouts of a plan, at most one per day.
struct CreatePlannedWorkouts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("planned_workouts")
            .id()
            .field("plan_id", .uuid, .required, .references("training_plans", "id", onDelete: .cascade))
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("scheduled_date", .string, .required)
            .field("week_number", .int)
            .field("workout_type", .string, .required)
            .field("title", .string, .required)
            .field("description", .string)
            .field("phase", .string)
            .field("target_distance_m", .double)
            .field("target_duration_s", .int)
            .field("target_pace_min_s_per_km", .int)
            .field("target_pace_max_s_per_km", .int)
            .field("coach_notes", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "plan_id", "scheduled_date", name: "planned_workouts_plan_date_key")
            .create()
        try await (database as! any SQLDatabase).create(index: "planned_workouts_athlete_date_idx")
            .on("planned_workouts").column("athlete_id").column("scheduled_date").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("planned_workouts").delete() }
}
