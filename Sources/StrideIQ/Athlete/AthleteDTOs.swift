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
    /// Heart-rate anchors and threshold pace the athlete set; null when unset (the analytics job then estimates
    /// them: `/v1/analytics/load` and `/paces` show the values used and their source).
    @Nullable var maxHR: Int?
    @Nullable var restingHR: Int?
    @Nullable var thresholdPaceSPerKm: Double?
    @Nullable var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, email, role, timezone, units
        case displayName = "display_name", aiConsent = "ai_consent", createdAt = "created_at"
        case maxHR = "max_hr", restingHR = "resting_hr", thresholdPaceSPerKm = "threshold_pace_s_per_km"
    }

    init(_ athlete: Athlete) {
        id = athlete.id!
        email = athlete.email
        displayName = athlete.displayName
        role = athlete.role
        timezone = athlete.timezone
        units = athlete.units
        aiConsent = athlete.aiConsent
        maxHR = athlete.maxHR
        restingHR = athlete.restingHR
        thresholdPaceSPerKm = athlete.thresholdPaceSPerKm
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
    let maxHR: Int?
    let restingHR: Int?
    let thresholdPaceSPerKm: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timezone, units
        case displayName = "display_name", aiConsent = "ai_consent"
        case maxHR = "max_hr", restingHR = "resting_hr", thresholdPaceSPerKm = "threshold_pace_s_per_km"
    }

    static var nullableFields: Set<String> { ["display_name", "max_hr", "resting_hr", "threshold_pace_s_per_km"] }

    /// The profile's training anchors: the plausible human ranges the load model accepts
    /// (`HeartRateEstimate.plausibleMaxHR` / `plausibleRestingHR`), and threshold paces from 2:30/km to 10:00/km.
    static let maxHRRange = HeartRateEstimate.plausibleMaxHR
    static let restingHRRange = HeartRateEstimate.plausibleRestingHR
    static let thresholdPaceRange = 150.0...600.0

    func validate(into v: inout FieldValidator) {
        v.length(displayName, "display_name", Limits.displayName)
        v.range(maxHR, "max_hr", Self.maxHRRange)
        v.range(restingHR, "resting_hr", Self.restingHRRange)
        v.range(thresholdPaceSPerKm, "threshold_pace_s_per_km", Self.thresholdPaceRange)
        if let maxHR, let restingHR, Self.maxHRRange.contains(maxHR), Self.restingHRRange.contains(restingHR) {
            v.check(maxHR >= restingHR + 30, "max_hr", "must be at least resting_hr + 30")
        }
        if let timezone { v.check(TimeZoneRules.isValid(timezone), "timezone", "must be an IANA time zone such as Europe/Paris") }
    }
}
