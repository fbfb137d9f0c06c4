import Fluent
import Foundation
import StrideIQCore

/// One recorded session (run or other sport).
final class Activity: Model, ListedFields, @unchecked Sendable {
    static let schema = "activities"

    @ID(key: .id) var id: UUID?
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "name") var name: String
    @Field(key: "sport") var sport: Sport
    @Field(key: "start_time") var startTime: Date
    /// The offset in force where the activity happened, so its local day is known without guessing.
    @Field(key: "utc_offset_s") var utcOffsetS: Int
    @OptionalField(key: "timezone") var timezone: String?
    @OptionalField(key: "distance_m") var distanceM: Double?
    @OptionalField(key: "moving_time_s") var movingTimeS: Int?
    @OptionalField(key: "duration_s") var durationS: Int?
    @OptionalField(key: "avg_hr") var avgHR: Int?
    @OptionalField(key: "max_hr") var maxHR: Int?
    @OptionalField(key: "elevation_gain_m") var elevationGainM: Double?
    @Field(key: "source") var source: String
    /// Marked as a race by the athlete: races are the first choice for the fitness level.
    @Field(key: "is_race") var isRace: Bool
    @OptionalField(key: "external_id") var externalID: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() { isRace = false }

    /// `ListedFields`: every column property.
    var storedProperties: [any AnyDatabaseProperty] {
        [
            $id, $athlete, $name, $sport, $startTime, $utcOffsetS, $timezone, $distanceM, $movingTimeS, $durationS, $avgHR,
            $maxHR, $elevationGainM, $source, $isRace, $externalID, $createdAt,
        ]
    }
}
