import Fluent
import Foundation
import StrideIQCore

/// An account. Models stay in persistence; handlers answer with DTOs (`AthleteDTO`).
final class Athlete: Model, ListedFields, @unchecked Sendable {
    static let schema = "athletes"

    @ID(key: .id) var id: UUID?
    /// Lower-cased; unique.
    @Field(key: "email") var email: String
    @Field(key: "password_hash") var passwordHash: String
    @OptionalField(key: "display_name") var displayName: String?
    @Field(key: "role") var role: Role
    /// IANA zone; every "today" and every week window is computed in it.
    @Field(key: "timezone") var timezone: String
    @Field(key: "units") var units: Units
    @Field(key: "ai_consent") var aiConsent: Bool
    /// Last authenticated request, at most once a minute: "used the app" for the scheduler.
    @OptionalField(key: "last_seen_at") var lastSeenAt: Date?
    /// Raised by one in the same transaction as every `Database.write(athlete:)` for this athlete (never set
    /// here): the row a request loads tells it whether its home snapshot still matches the data.
    @Field(key: "data_version") var dataVersion: Int64
    /// Heart-rate anchors set by the athlete; when `nil` the analytics job estimates them from the data.
    @OptionalField(key: "max_hr") var maxHR: Int?
    @OptionalField(key: "resting_hr") var restingHR: Int?
    /// Set by the athlete; when `nil` the analytics job uses the threshold pace of their fitness level.
    @OptionalField(key: "threshold_pace_s_per_km") var thresholdPaceSPerKm: Double?
    /// When `ai_consent` last went on / off (`/v1/consent/ai`).
    @OptionalField(key: "ai_consent_granted_at") var aiConsentGrantedAt: Date?
    @OptionalField(key: "ai_consent_revoked_at") var aiConsentRevokedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(
        id: UUID? = nil, email: String, passwordHash: String, displayName: String?, role: Role = .athlete,
        timezone: String = "UTC", units: Units = .metric, aiConsent: Bool = false
    ) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.displayName = displayName
        self.role = role
        self.timezone = timezone
        self.units = units
        self.aiConsent = aiConsent
        self.dataVersion = 0
    }

    var timeZone: TimeZone { TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")! }

    /// `ListedFields`: every column property.
    var storedProperties: [any AnyDatabaseProperty] {
        [
            $id, $email, $passwordHash, $displayName, $role, $timezone, $units, $aiConsent, $lastSeenAt, $dataVersion,
            $maxHR, $restingHR, $thresholdPaceSPerKm, $aiConsentGrantedAt, $aiConsentRevokedAt, $createdAt, $updatedAt,
        ]
    }
}
