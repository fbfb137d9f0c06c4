import Fluent

/// Named leases: the scheduler's leader lease.
struct CreateLeases: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("leases")
            .field("name", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("last_tick_at", .datetime)
            .create()
    }
    func revert(on database: any Database) async throws { try await database.schema("leases").delete() }
}
