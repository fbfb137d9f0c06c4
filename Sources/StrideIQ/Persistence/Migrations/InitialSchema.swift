import Fluent
import SQLKit

// Migrations are append-only: one type per change, each with its revert. Enums are stored as strings (not
// database enum types) so adding a value is not a migration, and the same code runs on SQLite and Postgres.

enum Migrations {
    /// Every migration, in order. `configure` registers exactly this list.
    static let all: [any AsyncMigration] = [
        CreateAthletes(),
        CreateRefreshTokens(),
        CreateActivities(),
        CreateDailyCheckins(),
        CreateTrainingPlans(),
        CreatePlannedWorkouts(),
        CreateJobs(),
        CreateLeases(),
        CreateAuditLog(),
        CreateCoachThreads(), CreateCoachMessages(),
    ]
}

struct CreateAthletes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("athletes")
            .id()
            .field("email", .string, .required)
            .field("password_hash", .string, .required)
            .field("display_name", .string)
            .field("role", .string, .required)
            .field("timezone", .string, .required)
            .field("units", .string, .required)
            .field("ai_consent", .bool, .required)
            .field("last_seen_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "email")
            .create()
    }
    func revert(on database: any Database) async throws { try await database.schema("athletes").delete() }
}

struct CreateRefreshTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("refresh_tokens")
            .id()
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("family_id", .uuid, .required)
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("revoked_reason", .string)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await (database as! any SQLDatabase).create(index: "refresh_tokens_family_idx")
            .on("refresh_tokens").column("family_id").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("refresh_tokens").delete() }
}

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
