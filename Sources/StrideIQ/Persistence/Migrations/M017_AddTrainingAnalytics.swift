import Fluent
import SQLKit

/// Training intelligence: the profile anchors the load model uses, a race flag on activities, and the three
/// stores the analytics job writes (per-activity figures, the daily fitness series, the athlete's document).
/// Everything here is derived except the profile fields and `is_race`: dropping the three tables loses nothing
/// the next recompute cannot rebuild.
struct AddTrainingAnalytics: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let added: [(String, DatabaseSchema.DataType)] = [
            ("max_hr", .int), ("resting_hr", .int), ("threshold_pace_s_per_km", .double),
            ("ai_consent_granted_at", .datetime), ("ai_consent_revoked_at", .datetime),
        ]
        for (column, type) in added {
            try await database.schema("athletes").field(.string(column), type).update()
        }
        try await database.schema("activities")
            .field("is_race", .bool, .required, .sql(.default(false)))
            .update()
        // One row per activity. `inputs_hash` covers the activity's own fields, so the job recomputes only the
        // rows whose activity changed. No foreign key to `activities` on purpose: a deleted activity's row stays
        // until the next job, which reads its `local_date` (the first day the daily series must be recomputed
        // from) and then deletes it. The athlete's rows go with the athlete.
        try await database.schema("activity_metrics")
            .field("activity_id", .uuid, .identifier(auto: false))
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("local_date", .string, .required)
            .field("load", .double, .required)
            .field("load_method", .string, .required)
            .field("efficiency", .double)
            .field("new_records", .string, .required)
            .field("inputs_hash", .string, .required)
            .create()
        try await (database as! any SQLDatabase).create(index: "activity_metrics_athlete_idx")
            .on("activity_metrics").column("athlete_id").column("local_date").run()
        // The daily series, one row per local day from the athlete's first activity to the last stored day.
        // `date` is `YYYY-MM-DD` like `daily_checkins.date`, so ranges compare as strings on both databases.
        try await database.schema("training_days")
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("date", .string, .required)
            .field("load", .double, .required)
            .field("fitness", .double, .required)
            .field("fatigue", .double, .required)
            .field("form", .double, .required)
            .field("activities", .int, .required)
            .field("run_count", .int, .required)
            .field("distance_m", .double, .required)
            .field("run_distance_m", .double, .required)
            .field("moving_time_s", .int64, .required)
            .field("duration_s", .int64, .required)
            .field("elevation_gain_m", .double, .required)
            // The day's runs that have both a distance and a time: the summary's pace is Σ time ÷ Σ distance.
            .field("run_paced_distance_m", .double, .required)
            .field("run_paced_time_s", .int64, .required)
            .compositeIdentifier(over: "athlete_id", "date")
            .create()
        try await database.schema("athlete_analytics")
            .field(
                "athlete_id", .uuid, .identifier(auto: false),
                .references("athletes", "id", onDelete: .cascade)
            )
            .field("document", .string, .required)
            .field("computed_at", .datetime, .required)
            .field("inputs_fingerprint", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["athlete_analytics", "training_days", "activity_metrics"] {
            try await database.schema(table).delete()
        }
        try await database.schema("activities").deleteField("is_race").update()
        // One column per statement: SQLite alters a table one column at a time.
        for column in ["max_hr", "resting_hr", "threshold_pace_s_per_km", "ai_consent_granted_at", "ai_consent_revoked_at"] {
            try await database.schema("athletes").deleteField(.string(column)).update()
        }
    }
}
