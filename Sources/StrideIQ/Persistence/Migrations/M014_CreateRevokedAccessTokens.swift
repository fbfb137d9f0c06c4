import Fluent
import SQLKit

/// Logged-out access tokens (`TokenService.revokeAccessToken`), by `jti`, until they would have expired. Every
/// authenticated request looks its `jti` up by primary key; `expires_at` is indexed for the pruning delete.
struct CreateRevokedAccessTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("revoked_access_tokens")
            .field("jti", .string, .identifier(auto: false))
            .field("expires_at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase).create(index: "revoked_access_tokens_expires_idx")
            .on("revoked_access_tokens").column("expires_at").run()
    }
    func revert(on database: any Database) async throws { try await database.schema("revoked_access_tokens").delete() }
}
