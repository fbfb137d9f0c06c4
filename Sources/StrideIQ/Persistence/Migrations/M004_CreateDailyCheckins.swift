import Fluent

/// One check-in per athlete and local date.
struct CreateDailyCheckins: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("daily_checkins")
            .id()
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("date", .string, .required)
            .field("sleep_h", .double)
            .field("sleep_quality_1_5", .int)
            .field("stress_1_5", .int)
            .field("soreness_1_5", .int)
            .field("enjoyment_1_5", .int)
            .field("confidence_1_5", .int)
            .field("readiness_1_5", .int)
            .field("rpe_1_10", .int)
            .field("notes", .string)
            .field("hrv_rmssd", .double)
            .field("resting_hr", .int)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "athlete_id", "date", name: "daily_checkins_athlete_date_key")
            .create()
    }
    func revert(on database: any Database) async throws { try await database.schema("daily_checkins").delete() }
}
