import Fluent
import Foundation
import SQLKit
import SQLiteKit
import SQLiteNIO
import StrideIQCore

/// The recompute's reads, in plain SQL: a five-year history is thousands of rows, and decoding them into Fluent
/// models costs more than the maths done on them.
enum AnalyticsInputs {
    struct Profile: Sendable {
        var maxHR: Int?
        var restingHR: Int?
        var thresholdPaceSPerKm: Double?
        var timezone: String

        var timeZone: TimeZone { TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")! }

        /// The profile inputs that, when changed, make the next recompute a full one.
        var fingerprint: String {
            func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "-" }
            return [
                "v\(AnalyticsService.algorithmVersion)", text(maxHR), text(restingHR), text(thresholdPaceSPerKm),
                timezone,
            ].joined(separator: "|")
        }
    }

    struct Checkin: Sendable {
        var inputs: CheckinInputs
        var restingHR: Int?
    }

    static func profile(athleteID: UUID, on sql: any SQLDatabase) async throws -> Profile? {
        guard
            let row = try await sql.select()
                .columns("max_hr", "resting_hr", "threshold_pace_s_per_km", "timezone")
                .from(Athlete.schema).where("id", .equal, SQLBind(athleteID)).first()
        else { return nil }
        return Profile(
            maxHR: try row.decode(column: "max_hr", as: Int?.self),
            restingHR: try row.decode(column: "resting_hr", as: Int?.self),
            thresholdPaceSPerKm: try row.decode(column: "threshold_pace_s_per_km", as: Double?.self),
            timezone: try row.decode(column: "timezone", as: String.self))
    }

    /// Every activity of the athlete, oldest first, with the best efforts of those imported from a file.
    static func activities(athleteID: UUID, on sql: any SQLDatabase) async throws -> [TrainingActivity] {
        let columns = """
            SELECT a.id, a.name, a.sport, a.start_time, a.utc_offset_s, a.distance_m, a.moving_time_s, a.duration_s,
                   a.avg_hr, a.max_hr, a.elevation_gain_m, a.is_race, d.best_efforts
            FROM activities a LEFT JOIN activity_details d ON d.activity_id = a.id
            """
        let decoder = JSONDecoder()
        func efforts(_ bytes: [UInt8]?) -> [BestEffort] {
            bytes.flatMap { try? decoder.decode([BestEffort].self, from: Data($0)) } ?? []
        }
        if let rows = try await SQLiteFast.rows(sql, columns + " WHERE a.athlete_id = ?1 ORDER BY a.start_time, a.id", athleteID) {
            return try rows.map { try SQLiteFast.activity($0, efforts: efforts) }
        }
        if sql.dialect.name == "postgresql" {
            let rows = try await sql.raw(
                """
                SELECT a.id, d.best_efforts, concat_ws('|', a.sport, extract(epoch FROM a.start_time)::text,
                    a.utc_offset_s::text, coalesce(a.distance_m::text, ''), coalesce(a.moving_time_s::text, ''),
                    coalesce(a.duration_s::text, ''), coalesce(a.avg_hr::text, ''), coalesce(a.max_hr::text, ''),
                    coalesce(a.elevation_gain_m::text, ''), CASE WHEN a.is_race THEN '1' ELSE '0' END, a.name) AS packed
                FROM activities a LEFT JOIN activity_details d ON d.activity_id = a.id
                WHERE a.athlete_id = \(bind: athleteID) ORDER BY a.start_time, a.id
                """
            ).all()
            return try rows.map { row in
                let fields = try Packed(row.decode(column: "packed", as: String.self), count: 11)
                let start = Date(timeIntervalSince1970: try fields.double(1))
                let efforts =
                    try row.decodeNil(column: "best_efforts")
                    ? [] : efforts(Array(try row.decode(column: "best_efforts", as: String.self).utf8))
                return TrainingActivity(
                    id: try row.decode(column: "id", as: UUID.self), startTime: start,
                    localDate: localDate(start, offsetS: try fields.int(2)),
                    sport: Sport(rawValue: fields.text(0)) ?? .other, name: fields.text(10),
                    isRace: fields.text(9) == "1", distanceM: try fields.optionalDouble(3),
                    movingTimeS: try fields.optionalInt(4), durationS: try fields.optionalInt(5),
                    avgHR: try fields.optionalInt(6), maxHR: try fields.optionalInt(7),
                    elevationGainM: try fields.optionalDouble(8), bestEfforts: efforts)
            }
        }
        let rows = try await sql.raw(
            "\(unsafeRaw: columns) WHERE a.athlete_id = \(bind: athleteID) ORDER BY a.start_time, a.id"
        ).all()
        return try rows.map { row in
            let start = try row.decode(column: "start_time", as: Date.self)
            let offset = try row.decode(column: "utc_offset_s", as: Int.self)
            return TrainingActivity(
                id: try row.decode(column: "id", as: UUID.self), startTime: start,
                localDate: localDate(start, offsetS: offset),
                sport: Sport(rawValue: try row.decode(column: "sport", as: String.self)) ?? .other,
                name: try row.decode(column: "name", as: String.self),
                isRace: try row.decode(column: "is_race", as: Bool.self),
                distanceM: try row.decode(column: "distance_m", as: Double?.self),
                movingTimeS: try row.decode(column: "moving_time_s", as: Int?.self),
                durationS: try row.decode(column: "duration_s", as: Int?.self),
                avgHR: try row.decode(column: "avg_hr", as: Int?.self),
                maxHR: try row.decode(column: "max_hr", as: Int?.self),
                elevationGainM: try row.decode(column: "elevation_gain_m", as: Double?.self),
                bestEfforts: efforts(try row.decode(column: "best_efforts", as: String?.self).map { Array($0.utf8) }))
        }
    }

    /// The activity's local day: its instant shifted by its own recorded offset, read as a UTC calendar day.
    static func localDate(_ start: Date, offsetS: Int) -> LocalDate {
        LocalDate(start.addingTimeInterval(TimeInterval(offsetS)), in: utc)
    }

    private static let utc = TimeZone(identifier: "UTC")!

    static func storedMetrics(athleteID: UUID, on sql: any SQLDatabase) async throws -> [UUID: MetricsRow] {
        if sql.dialect.name == "postgresql" {
            let rows = try await sql.raw(
                """
                SELECT activity_id, concat_ws('|', local_date, load::text, load_method, coalesce(efficiency::text, ''),
                    inputs_hash, new_records) AS packed
                FROM activity_metrics WHERE athlete_id = \(bind: athleteID)
                """
            ).all()
            var result: [UUID: MetricsRow] = [:]
            result.reserveCapacity(rows.count)
            for row in rows {
                guard let fields = try? Packed(row.decode(column: "packed", as: String.self), count: 6),
                    let date = LocalDate(fields.text(0)), let load = try? fields.double(1),
                    let method = LoadMethod(rawValue: fields.text(2))
                else { continue }  // unreadable: treated as missing, so it is recomputed
                let id = try row.decode(column: "activity_id", as: UUID.self)
                result[id] = MetricsRow(
                    activityID: id, localDate: date, load: load, loadMethod: method,
                    efficiency: try? fields.optionalDouble(3), newRecords: AnalyticsCoding.decodeRecords(fields.text(5)),
                    inputsHash: fields.text(4))
            }
            return result
        }
        if let rows = try await SQLiteFast.rows(
            sql,
            """
            SELECT activity_id, local_date, load, load_method, efficiency, new_records, inputs_hash
            FROM activity_metrics WHERE athlete_id = ?1
            """, athleteID)
        {
            var result: [UUID: MetricsRow] = [:]
            result.reserveCapacity(rows.count)
            for row in rows {
                guard let date = LocalDate(row.column("local_date")?.string ?? ""),
                    let method = LoadMethod(rawValue: row.column("load_method")?.string ?? ""),
                    let load = row.column("load")?.double
                else { continue }  // unreadable: treated as missing, so it is recomputed
                let id = try SQLiteFast.uuid(row, "activity_id")
                result[id] = MetricsRow(
                    activityID: id, localDate: date, load: load, loadMethod: method,
                    efficiency: row.column("efficiency")?.double,
                    newRecords: AnalyticsCoding.decodeRecords(row.column("new_records")?.string ?? "[]"),
                    inputsHash: row.column("inputs_hash")?.string ?? "")
            }
            return result
        }
        let rows = try await sql.select()
            .columns("activity_id", "local_date", "load", "load_method", "efficiency", "new_records", "inputs_hash")
            .from(ActivityMetrics.schema)
            .where("athlete_id", .equal, SQLBind(athleteID))
            .all()
        var result: [UUID: MetricsRow] = [:]
        result.reserveCapacity(rows.count)
        for row in rows {
            guard let date = LocalDate(try row.decode(column: "local_date", as: String.self)),
                let method = LoadMethod(rawValue: try row.decode(column: "load_method", as: String.self))
            else { continue }  // unreadable: treated as missing, so it is recomputed
            let id = try row.decode(column: "activity_id", as: UUID.self)
            result[id] = MetricsRow(
                activityID: id, localDate: date, load: try row.decode(column: "load", as: Double.self),
                loadMethod: method, efficiency: try row.decode(column: "efficiency", as: Double?.self),
                newRecords: AnalyticsCoding.decodeRecords(try row.decode(column: "new_records", as: String.self)),
                inputsHash: try row.decode(column: "inputs_hash", as: String.self))
        }
        return result
    }

    static func checkins(athleteID: UUID, on sql: any SQLDatabase) async throws -> [Checkin] {
        if let rows = try await SQLiteFast.rows(
            sql,
            """
            SELECT date, sleep_h, sleep_quality_1_5, soreness_1_5, stress_1_5, readiness_1_5, resting_hr
            FROM daily_checkins WHERE athlete_id = ?1 ORDER BY date
            """, athleteID)
        {
            return rows.compactMap { row in
                guard let date = LocalDate(row.column("date")?.string ?? "") else { return nil }
                return Checkin(
                    inputs: CheckinInputs(
                        date: date, sleepHours: row.column("sleep_h")?.double,
                        sleepQuality: SQLiteFast.int(row, "sleep_quality_1_5"),
                        soreness: SQLiteFast.int(row, "soreness_1_5"), stress: SQLiteFast.int(row, "stress_1_5"),
                        readiness: SQLiteFast.int(row, "readiness_1_5")),
                    restingHR: SQLiteFast.int(row, "resting_hr"))
            }
        }
        let rows = try await sql.select()
            .columns(
                "date", "sleep_h", "sleep_quality_1_5", "soreness_1_5", "stress_1_5", "readiness_1_5", "resting_hr"
            )
            .from(DailyCheckin.schema)
            .where("athlete_id", .equal, SQLBind(athleteID))
            .orderBy("date")
            .all()
        return try rows.compactMap { row in
            guard let date = LocalDate(try row.decode(column: "date", as: String.self)) else { return nil }
            return Checkin(
                inputs: CheckinInputs(
                    date: date, sleepHours: try row.decode(column: "sleep_h", as: Double?.self),
                    sleepQuality: try row.decode(column: "sleep_quality_1_5", as: Int?.self),
                    soreness: try row.decode(column: "soreness_1_5", as: Int?.self),
                    stress: try row.decode(column: "stress_1_5", as: Int?.self),
                    readiness: try row.decode(column: "readiness_1_5", as: Int?.self)),
                restingHR: try row.decode(column: "resting_hr", as: Int?.self))
        }
    }

    /// The planned pace (s/km, the middle of the target range) per day, from the athlete's active and completed
    /// plans; where two plans have a workout on one day, the later-created plan's wins.
    static func plannedPaces(athleteID: UUID, on sql: any SQLDatabase) async throws -> [LocalDate: Double] {
        let rows = try await sql.raw(
            """
            SELECT w.scheduled_date, w.target_pace_min_s_per_km, w.target_pace_max_s_per_km
            FROM planned_workouts w JOIN training_plans p ON p.id = w.plan_id
            WHERE w.athlete_id = \(bind: athleteID)
              AND p.status IN (\(bind: PlanStatus.active.rawValue), \(bind: PlanStatus.completed.rawValue))
              AND (w.target_pace_min_s_per_km IS NOT NULL OR w.target_pace_max_s_per_km IS NOT NULL)
            ORDER BY p.created_at, w.scheduled_date
            """
        ).all()
        var result: [LocalDate: Double] = [:]
        for row in rows {
            guard let date = LocalDate(try row.decode(column: "scheduled_date", as: String.self)) else { continue }
            let low = try row.decode(column: "target_pace_min_s_per_km", as: Int?.self)
            let high = try row.decode(column: "target_pace_max_s_per_km", as: Int?.self)
            let paces = [low, high].compactMap { $0 }.filter { $0 > 0 }
            guard !paces.isEmpty else { continue }
            result[date] = Double(paces.reduce(0, +)) / Double(paces.count)
        }
        return result
    }
}

/// SQLite rows read as SQLite values, without SQLKit's `Decodable` decoding per column: for the thousands of
/// rows the recompute reads, that decoding was most of its time. Other databases go through SQLKit.
enum SQLiteFast {
    struct Unreadable: Error {
        let column: String
    }

    /// The rows of `query` (one `?1` bind: the athlete), or `nil` when `sql` is not SQLite.
    static func rows(_ sql: any SQLDatabase, _ query: String, _ athleteID: UUID) async throws -> [SQLiteRow]? {
        guard let sqlite = sql as? any SQLiteDatabase else { return nil }
        return try await sqlite.query(query, [try SQLiteDataEncoder().encode(athleteID)])
    }

    static func uuid(_ row: SQLiteRow, _ column: String) throws -> UUID {
        guard let data = row.column(column) else { throw Unreadable(column: column) }
        if case .text(let text) = data, let id = UUID(uuidString: text) { return id }
        return try SQLiteDataDecoder().decode(UUID.self, from: data)
    }

    static func int(_ row: SQLiteRow, _ column: String) -> Int? {
        guard let value = row.column(column)?.integer else { return nil }
        return Int(value)
    }

    static func activity(_ row: SQLiteRow, efforts: ([UInt8]?) -> [BestEffort]) throws -> TrainingActivity {
        let start = try date(row, "start_time")
        let offset = int(row, "utc_offset_s") ?? 0
        let sport = Sport(rawValue: row.column("sport")?.string ?? "") ?? .other
        let effortsText = row.column("best_efforts")?.string
        return TrainingActivity(
            id: try uuid(row, "id"), startTime: start,
            localDate: AnalyticsInputs.localDate(start, offsetS: offset), sport: sport,
            name: row.column("name")?.string ?? "", isRace: row.column("is_race")?.bool ?? false,
            distanceM: row.column("distance_m")?.double, movingTimeS: int(row, "moving_time_s"),
            durationS: int(row, "duration_s"), avgHR: int(row, "avg_hr"), maxHR: int(row, "max_hr"),
            elevationGainM: row.column("elevation_gain_m")?.double,
            bestEfforts: efforts(effortsText.map { Array($0.utf8) }))
    }

    static func date(_ row: SQLiteRow, _ column: String) throws -> Date {
        guard let data = row.column(column), let date = Date(sqliteData: data) else { throw Unreadable(column: column) }
        return date
    }
}

/// One row's columns joined by `|` in SQL (`concat_ws`, each NULL as an empty field; the last may itself hold `|`).
/// On PostgreSQL, one text column per row decodes in a fraction of the time of a dozen decoded one by one, and
/// the float8 text form round-trips exactly.
struct Packed {
    struct Unreadable: Error {}

    let fields: [Substring]

    init(_ text: String, count: Int) throws {
        fields = text.split(separator: "|", maxSplits: count - 1, omittingEmptySubsequences: false)
        guard fields.count == count else { throw Unreadable() }
    }

    func text(_ i: Int) -> String { String(fields[i]) }

    func optionalDouble(_ i: Int) throws -> Double? {
        guard !fields[i].isEmpty else { return nil }
        guard let value = Double(fields[i]) else { throw Unreadable() }
        return value
    }

    func double(_ i: Int) throws -> Double {
        guard let value = try optionalDouble(i) else { throw Unreadable() }
        return value
    }

    func optionalInt(_ i: Int) throws -> Int? {
        guard !fields[i].isEmpty else { return nil }
        guard let value = Int(fields[i]) else { throw Unreadable() }
        return value
    }

    func int(_ i: Int) throws -> Int {
        guard let value = try optionalInt(i) else { throw Unreadable() }
        return value
    }
}
