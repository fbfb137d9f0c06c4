import Fluent

/// Accounts.
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
