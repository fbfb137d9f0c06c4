import Foundation
import StrideIQCore

/// An account as the API shows it (`athlete` in token responses, `/v1/auth/me`, `/v1/athlete`).
struct AthleteDTO: Codable, Sendable {
    let id: UUID
    let email: String
    @Nullable var displayName: String?
    let role: Role
    let timezone: String
    let units: Units
    let aiConsent: Bool
    @Nullable var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, email, role, timezone, units
        case displayName = "display_name", aiConsent = "ai_consent", createdAt = "created_at"
    }

    init(_ athlete: Athlete) {
        id = athlete.id!
        email = athlete.email
        displayName = athlete.displayName
        role = athlete.role
        timezone = athlete.timezone
        units = athlete.units
        aiConsent = athlete.aiConsent
        createdAt = athlete.createdAt
    }
}

enum TimeZoneRules {
    /// An IANA zone name Foundation knows (abbreviations like "EST" are rejected: ambiguous).
    static func isValid(_ identifier: String) -> Bool {
        identifier == "UTC" || (identifier.contains("/") && TimeZone(identifier: identifier) != nil)
    }
}

/// The body of `PATCH /v1/athlete`: only the fields sent change; `display_name` may be cleared with `null`.
struct AthletePatch: RequestBody {
    let displayName: String?
    let timezone: String?
    let units: Units?
    let aiConsent: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timezone, units
        case displayName = "display_name", aiConsent = "ai_consent"
    }

    static var nullableFields: Set<String> { ["display_name"] }

    func validate(into v: inout FieldValidator) {
        v.length(displayName, "display_name", Limits.displayName)
        if let timezone { v.check(TimeZoneRules.isValid(timezone), "timezone", "must be an IANA time zone such as Europe/Paris") }
    }
}
