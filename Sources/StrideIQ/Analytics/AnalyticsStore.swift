import Fluent
import Foundation
import SQLKit
import StrideIQCore

/// One activity's stored analytics figures (`activity_metrics`).
struct ActivityMetricsRow: Sendable, Equatable {
    var activityID: UUID
    var localDate: LocalDate
    var load: Double
    var loadMethod: LoadMethod
    /// Speed per heartbeat when the activity is a comparable easy run; otherwise `nil`.
    var efficiency: Double?
    /// The record categories ("5k", "mile", …) this activity set when it was run; empty for most.
    var newRecords: [String]
}

/// The read side of the analytics job's output, for every reader (endpoints, home, the briefing, the coach's
/// tools). It only reads what `AnalyticsService` stored: nothing here computes a history. Before the first
/// recompute every answer is empty (`nil`, `[]`, `[:]`).
enum AnalyticsStore {
    /// The athlete's stored document, or `nil` before the first recompute.
    static func latest(athleteID: UUID, on db: any Database) async throws -> AthleteAnalytics? {
        let row = try await (db as! any SQLDatabase).select()
            .column("document").from(AthleteAnalyticsRecord.schema)
            .where("athlete_id", .equal, SQLBind(athleteID))
            .first()
        guard let text = try row?.decode(column: "document", as: String.self) else { return nil }
        return try AnalyticsCoding.decoder.decode(AthleteAnalytics.self, from: Data(text.utf8))
    }

    /// Stored days from `from` through `through` (inclusive), oldest first. Days before the athlete's first
    /// activity, or after the last recompute, are absent.
    static func days(
        athleteID: UUID, from: LocalDate, through: LocalDate, on db: any Database
    ) async throws -> [StoredTrainingDay] {
        guard from <= through else { return [] }
        let rows = try await (db as! any SQLDatabase).select()
            .columns(dayColumns.map { SQLIdentifier($0) })
            .from("training_days")
            .where("athlete_id", .equal, SQLBind(athleteID))
            .where("date", .greaterThanOrEqual, SQLBind(from.description))
            .where("date", .lessThanOrEqual, SQLBind(through.description))
            .orderBy("date")
            .all()
        return try rows.map(decodeDay)
    }

    /// The last stored day on or before `date`, if any (the day a reader projects to today).
    static func lastDay(athleteID: UUID, onOrBefore date: LocalDate, on db: any Database) async throws
        -> StoredTrainingDay?
    {
        let row = try await (db as! any SQLDatabase).select()
            .columns(dayColumns.map { SQLIdentifier($0) })
            .from("training_days")
            .where("athlete_id", .equal, SQLBind(athleteID))
            .where("date", .lessThanOrEqual, SQLBind(date.description))
            .orderBy("date", .descending)
            .limit(1)
            .first()
        return try row.map(decodeDay)
    }

    /// Stored figures for the given activities, by id. Activities not yet computed are absent.
    static func activityFlags(activityIDs: [UUID], on db: any Database) async throws -> [UUID: ActivityMetricsRow] {
        guard !activityIDs.isEmpty else { return [:] }
        let rows = try await (db as! any SQLDatabase).select()
            .columns("activity_id", "local_date", "load", "load_method", "efficiency", "new_records")
            .from(ActivityMetrics.schema)
            .where("activity_id", .in, SQLBind.group(activityIDs))
            .all()
        var result: [UUID: ActivityMetricsRow] = [:]
        for row in rows {
            let id = try row.decode(column: "activity_id", as: UUID.self)
            result[id] = ActivityMetricsRow(
                activityID: id,
                localDate: try decodeDate(row.decode(column: "local_date", as: String.self)),
                load: try row.decode(column: "load", as: Double.self),
                loadMethod: LoadMethod(rawValue: try row.decode(column: "load_method", as: String.self)) ?? .duration,
                efficiency: try row.decode(column: "efficiency", as: Double?.self),
                newRecords: AnalyticsCoding.decodeRecords(try row.decode(column: "new_records", as: String.self)))
        }
        return result
    }

    static let dayColumns = [
        "date", "load", "fitness", "fatigue", "form", "activities", "run_count", "distance_m", "run_distance_m",
        "moving_time_s", "duration_s", "elevation_gain_m", "run_paced_distance_m", "run_paced_time_s",
    ]

    static func decodeDay(_ row: any SQLRow) throws -> StoredTrainingDay {
        StoredTrainingDay(
            date: try decodeDate(row.decode(column: "date", as: String.self)),
            load: try row.decode(column: "load", as: Double.self),
            fitness: try row.decode(column: "fitness", as: Double.self),
            fatigue: try row.decode(column: "fatigue", as: Double.self),
            form: try row.decode(column: "form", as: Double.self),
            activities: try row.decode(column: "activities", as: Int.self),
            runCount: try row.decode(column: "run_count", as: Int.self),
            distanceM: try row.decode(column: "distance_m", as: Double.self),
            runDistanceM: try row.decode(column: "run_distance_m", as: Double.self),
            movingTimeS: try row.decode(column: "moving_time_s", as: Int.self),
            durationS: try row.decode(column: "duration_s", as: Int.self),
            elevationGainM: try row.decode(column: "elevation_gain_m", as: Double.self),
            runPacedDistanceM: try row.decode(column: "run_paced_distance_m", as: Double.self),
            runPacedTimeS: try row.decode(column: "run_paced_time_s", as: Int.self))
    }

    private static func decodeDate(_ text: String) throws -> LocalDate {
        guard let date = LocalDate(text) else { throw AnalyticsStoreError.badDate(text) }
        return date
    }
}

enum AnalyticsStoreError: Error {
    case badDate(String)
}

/// How the stored JSON (the document, `new_records`) is encoded: one encoding for writer and readers.
enum AnalyticsCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }

    /// A JSON array of category names. Written by hand: most activities set no record, and the recompute reads
    /// and compares every activity's list (a JSON coder per row costs more than the rest of the row).
    static func encodeRecords(_ categories: [String]) -> String {
        "[" + categories.map { "\"" + $0.filter { $0 != "\"" && $0 != "\\" } + "\"" }.joined(separator: ",") + "]"
    }

    static func decodeRecords(_ text: String) -> [String] {
        if text == "[]" { return [] }
        return (try? decoder.decode([String].self, from: Data(text.utf8))) ?? []
    }
}
