import Foundation
import StrideIQCore

/// An account as the API shows it (`athlete` in token responses, `/v1/auth/me`, `/v1/athlete`).
struct AthleteDTO: Codable, Sendable {
    let id: UUID
    let email: String
    let displayName: String?
    let role: Role
    let timezone: String
    let units: Units
    let aiConsent: Bool
    let createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, email, role, timezone, units
        case displayName = "display_name", aiConsent = "ai_consent", createdAt = "created_at"
    }

    init(_ athlete: Athlete) {
        id = athlete.id!; email = athlete.email; displayName = athlete.displayName; role = athlete.role
        timezone = athlete.timezone; units = athlete.units; aiConsent = athlete.aiConsent; createdAt = athlete.createdAt
    }
}

enum TimeZoneRules {
    /// An IANA zone name Foundation knows (abbreviations like "EST" are rejected: ambiguous).
    static func isValid(_ identifier: String) -> Bool {
        identifier == "UTC" || (identifier.contains("/") && TimeZone(identifier: identifier) != nil)
    }
}
