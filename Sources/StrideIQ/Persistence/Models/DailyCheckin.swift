import Fluent
import Foundation

/// One row per (athlete, local date).
final class DailyCheckin: Model, @unchecked Sendable {
    static let schema = "daily_checkins"

    @ID(key: .id) var id: UUID?
    @Parent(key: "athlete_id") var athlete: Athlete
    /// `YYYY-MM-DD` in the athlete's time zone.
    @Field(key: "date") var date: String
    @OptionalField(key: "sleep_h") var sleepH: Double?
    @OptionalField(key: "sleep_quality_1_5") var sleepQuality: Int?
    @OptionalField(key: "stress_1_5") var stress: Int?
    @OptionalField(key: "soreness_1_5") var soreness: Int?
    @OptionalField(key: "enjoyment_1_5") var enjoyment: Int?
    @OptionalField(key: "confidence_1_5") var confidence: Int?
    @OptionalField(key: "readiness_1_5") var readiness: Int?
    @OptionalField(key: "rpe_1_10") var rpe: Int?
    @OptionalField(key: "notes") var notes: String?
    @OptionalField(key: "hrv_rmssd") var hrvRMSSD: Double?
    @OptionalField(key: "resting_hr") var restingHR: Int?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
