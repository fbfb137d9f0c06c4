import Fluent
import SQLKit

/// Refresh tokens (stored as hashes), grouped in families.
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
