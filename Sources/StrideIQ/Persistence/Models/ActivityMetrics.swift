import Fluent
import Foundation

/// The analytics job's figures for one activity (`activity_metrics`, keyed by the activity, deleted with it).
/// Written by `AnalyticsService` only; read through `AnalyticsStore.activityFlags`.
final class ActivityMetrics: Model, @unchecked Sendable {
    static let schema = "activity_metrics"

    @ID(custom: "activity_id", generatedBy: .user) var id: UUID?
    @Field(key: "athlete_id") var athleteID: UUID
    /// `YYYY-MM-DD`, the activity's own local day.
    @Field(key: "local_date") var localDate: String
    @Field(key: "load") var load: Double
    /// A `LoadMethod` raw value.
    @Field(key: "load_method") var loadMethod: String
    /// Speed per heartbeat when the activity is a comparable easy run (`EfficiencyTrendModel.point`).
    @OptionalField(key: "efficiency") var efficiency: Double?
    /// JSON array of the record categories this activity set when it was run.
    @Field(key: "new_records") var newRecords: String
    /// What the row was computed from; a mismatch means it is outdated.
    @Field(key: "inputs_hash") var inputsHash: String

    init() {}
}
