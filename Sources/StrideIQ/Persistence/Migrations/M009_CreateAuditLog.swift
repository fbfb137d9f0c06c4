import Fluent

/// Append-only record of privileged actions.
struct CreateAuditLog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_log")
            .id()
            .field("actor_id", .uuid, .required)
            .field("action", .string, .required)
            .field("target_id", .uuid)
            .field("result", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }
    func revert(on database: any Database) async throws { try await database.schema("audit_log").delete() }
}
