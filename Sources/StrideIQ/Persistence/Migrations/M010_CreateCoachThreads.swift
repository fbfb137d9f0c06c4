import Fluent
import SQLKit

/// Coach threads: at most one open per athlete.
struct CreateCoachThreads: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("coach_threads")
            .id()
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("status", .string, .required)
            .field("title", .string)
            .field("closed_reason", .string)
            .field("created_at", .datetime, .required)
            .field("last_message_at", .datetime, .required)
            .field("closed_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        // The current thread is the athlete's one open thread; two concurrent first turns cannot open two.
        try await sql.raw("CREATE UNIQUE INDEX coach_threads_one_open ON coach_threads (athlete_id) WHERE status = 'open'").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("coach_threads").delete() }
}
