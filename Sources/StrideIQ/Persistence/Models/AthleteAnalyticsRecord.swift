import Fluent
import Foundation

/// `athlete_analytics`: the one stored `AthleteAnalytics` document per athlete (JSON text), when it was
/// computed, and a fingerprint of the profile inputs it used (max/resting HR, threshold pace, time zone): a
/// different fingerprint means the next job recomputes everything.
final class AthleteAnalyticsRecord: Model, @unchecked Sendable {
    static let schema = "athlete_analytics"

    @ID(custom: "athlete_id", generatedBy: .user) var id: UUID?
    @Field(key: "document") var document: String
    @Field(key: "computed_at") var computedAt: Date
    @Field(key: "inputs_fingerprint") var inputsFingerprint: String

    init() {}
}
