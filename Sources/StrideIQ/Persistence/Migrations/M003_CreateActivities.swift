import Fluent
import SQLKit

/// Recorded sessions.
struct CreateActivities: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("activities")
            .id()
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("sport", .string, .required)
            .field("start_time", .datetime, .required)
            .field("utc_offset_s", .int, .required)
            .field("timezone", .string)
            .field("distance_m", .double)
            .field("moving_time_s", .int)
            .field("duration_s", .int)
            .field("avg_hr", .int)
            .field("max_hr", .int)
            .field("elevation_gain_m", .double)
            .field("source", .string, .required)
            .field("external_id", .string)
            .field("created_at", .datetime)
            // Idempotent imports: the same (source, external id) is stored once per athlete.
            .unique(on: "athlete_id", "source", "external_id", name: "activities_external_key")
            .create()
        try await (database as! any SQLDatabase).create(index: "activities_athlete_start_idx")
            .on("activities").column("athlete_id").column("start_time").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("activities").delete() }
}
