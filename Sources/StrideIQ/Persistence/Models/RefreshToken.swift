import Fluent
import Foundation

/// A refresh token, stored only as its SHA-256. Every refresh rotates it; all tokens descending from one login
/// share a `familyID`, so presenting a rotated token (a stolen copy) revokes the whole family.
final class RefreshToken: Model, @unchecked Sendable {
    static let schema = "refresh_tokens"

    @ID(key: .id) var id: UUID?
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "family_id") var familyID: UUID
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    /// `rotated`, `logout` or `reuse_detected`.
    @OptionalField(key: "revoked_reason") var revokedReason: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(athleteID: UUID, familyID: UUID, tokenHash: String, expiresAt: Date) {
        self.$athlete.id = athleteID
        self.familyID = familyID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }
}
