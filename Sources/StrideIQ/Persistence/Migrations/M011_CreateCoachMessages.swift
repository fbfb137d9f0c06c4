import Fluent
import SQLKit

/// Coach messages, one row per message.
struct CreateCoachMessages: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("coach_messages")
            .id()
            .field("thread_id", .uuid, .required, .references("coach_threads", "id", onDelete: .cascade))
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("role", .string, .required)
            .field("content", .string, .required)
            .field("finish_reason", .string)
            .field("error_code", .string)
            .field("timed_out", .bool)
            .field("input_tokens", .int)
            .field("output_tokens", .int)
            .field("provider", .string)
            .field("model", .string)
            .field("source", .string)
            .field("fallback_reason", .string)
            .field("created_at", .datetime, .required)
            .field("completed_at", .datetime)
            .unique(on: "thread_id", "seq")
            .create()
        let sql = database as! any SQLDatabase
        // The daily budget counts an athlete's user messages since midnight UTC.
        try await sql.raw("CREATE INDEX coach_messages_budget_idx ON coach_messages (athlete_id, role, created_at)").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("coach_messages").delete() }
}
