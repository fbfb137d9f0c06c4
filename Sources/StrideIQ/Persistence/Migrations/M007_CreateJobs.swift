import Fluent
import SQLKit

/// The durable job queue (`Job`, `JobQueue`).
struct CreateJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("kind", .string, .required)
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            // queued → running → succeeded | dead; `superseded` when a newer queued job covers the same work.
            .field("status", .string, .required)
            .field("priority", .int, .required)
            .field("reason", .string, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("run_at", .datetime, .required)
            .field("lease_expires_at", .datetime)
            .field("leased_by", .string)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("finished_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        // Coalescing: at most one queued job per (kind, athlete). Enqueue is an upsert on this index.
        try await sql.raw("CREATE UNIQUE INDEX jobs_one_queued ON jobs (kind, athlete_id) WHERE status = 'queued'").run()
        try await sql.raw("CREATE INDEX jobs_claim_idx ON jobs (status, priority, run_at)").run()
        try await sql.raw("CREATE INDEX jobs_athlete_idx ON jobs (athlete_id, kind, status)").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("jobs").delete() }
}
