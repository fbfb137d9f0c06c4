import Foundation
import StrideIQCore
import Vapor

struct ActivityBody: RequestBody {
    let name: String?
    let sport: Sport?
    let startTime: Date
    let utcOffsetS: Int?
    let timezone: String?
    let distanceM: Double?
    let movingTimeS: Int?
    let durationS: Int?
    let avgHR: Int?
    let maxHR: Int?
    let elevationGainM: Double?
    let isRace: Bool?
    let source: String?
    let externalID: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, sport, timezone, source
        case startTime = "start_time", utcOffsetS = "utc_offset_s", distanceM = "distance_m"
        case movingTimeS = "moving_time_s", durationS = "duration_s", avgHR = "avg_hr", maxHR = "max_hr"
        case elevationGainM = "elevation_gain_m", isRace = "is_race", externalID = "external_id"
    }

    /// Earliest accepted start (GPS watches did not exist before).
    static let earliestStart = Date(timeIntervalSince1970: 631_152_000)  // 1990-01-01
    /// Clock skew tolerated for a start "in the future".
    static let futureTolerance: TimeInterval = 3600
    /// What `source` may contain (its length is `Limits.Activity.source`), as the OpenAPI document states it.
    static let sourcePattern = "^[a-z0-9_]+$"

    /// Checked scalar by scalar: a regular expression's `$` would also accept a trailing newline.
    static func isValidSource(_ source: String) -> Bool {
        Limits.Activity.source.contains(source.unicodeScalars.count)
            && source.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    func validate(into v: inout FieldValidator) {
        v.length(name, "name", Limits.Activity.name)
        v.check(startTime >= Self.earliestStart, "start_time", "must be after 1990-01-01")
        v.range(utcOffsetS, "utc_offset_s", Limits.Activity.utcOffsetS)
        if let timezone { v.check(TimeZoneRules.isValid(timezone), "timezone", "must be an IANA time zone such as Europe/Paris") }
        v.range(distanceM, "distance_m", Limits.Activity.distanceM)
        v.range(movingTimeS, "moving_time_s", Limits.Activity.timeS)
        v.range(durationS, "duration_s", Limits.Activity.timeS)
        v.range(avgHR, "avg_hr", Limits.Activity.heartRate)
        v.range(maxHR, "max_hr", Limits.Activity.heartRate)
        v.range(elevationGainM, "elevation_gain_m", Limits.Activity.elevationGainM)
        if let avgHR, let maxHR, Limits.Activity.heartRate.contains(avgHR), Limits.Activity.heartRate.contains(maxHR) {
            v.check(maxHR >= avgHR, "max_hr", "must be at least avg_hr")
        }
        if let movingTimeS, let durationS, movingTimeS >= 0, durationS >= 0 {
            v.check(movingTimeS <= durationS, "moving_time_s", "must not exceed duration_s")
        }
        if let source {
            v.check(
                Self.isValidSource(source), "source",
                "must be \(Limits.Activity.source.lowerBound)–\(Limits.Activity.source.upperBound) lower-case letters, digits or underscores"
            )
        }
        v.length(externalID, "external_id", Limits.Activity.externalID)
        if externalID != nil && (source == nil || source == "manual") {
            v.fail("source", "is required with external_id (the system the id comes from, e.g. garmin)")
        }
    }
}

/// The body of `PATCH /v1/activities/{activity_id}`: only the fields sent change; `null` clears a measured
/// value (distance, times, heart rates). The result is checked whole (max ≥ average heart rate, moving time ≤
/// duration), so a change that contradicts a stored value is a 422 too.
struct ActivityPatch: RequestBody {
    let name: String?
    let sport: Sport?
    let isRace: Bool?
    let distanceM: Double?
    let movingTimeS: Int?
    let durationS: Int?
    let avgHR: Int?
    let maxHR: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, sport
        case isRace = "is_race", distanceM = "distance_m", movingTimeS = "moving_time_s", durationS = "duration_s"
        case avgHR = "avg_hr", maxHR = "max_hr"
    }

    static var nullableFields: Set<String> { ["distance_m", "moving_time_s", "duration_s", "avg_hr", "max_hr"] }

    func validate(into v: inout FieldValidator) {
        v.length(name, "name", Limits.Activity.name)
        v.range(distanceM, "distance_m", Limits.Activity.distanceM)
        v.range(movingTimeS, "moving_time_s", Limits.Activity.timeS)
        v.range(durationS, "duration_s", Limits.Activity.timeS)
        v.range(avgHR, "avg_hr", Limits.Activity.heartRate)
        v.range(maxHR, "max_hr", Limits.Activity.heartRate)
    }
}

struct ActivityDTO: Codable, Sendable {
    let id: UUID
    let name: String
    let sport: Sport
    let startTime: Date
    let utcOffsetS: Int
    @Nullable var timezone: String?
    let localDate: LocalDate
    @Nullable var distanceM: Double?
    @Nullable var movingTimeS: Int?
    @Nullable var durationS: Int?
    @Nullable var avgHR: Int?
    @Nullable var maxHR: Int?
    @Nullable var elevationGainM: Double?
    @Nullable var paceSPerKm: Double?
    /// Marked as a race: races are what the fitness level is computed from first.
    let isRace: Bool
    let source: String
    @Nullable var externalID: String?
    @Nullable var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, sport, timezone, source
        case isRace = "is_race"
        case startTime = "start_time", utcOffsetS = "utc_offset_s", localDate = "local_date", distanceM = "distance_m"
        case movingTimeS = "moving_time_s", durationS = "duration_s", avgHR = "avg_hr", maxHR = "max_hr"
        case elevationGainM = "elevation_gain_m", paceSPerKm = "pace_s_per_km", externalID = "external_id"
        case createdAt = "created_at"
    }

    init(_ a: Activity) {
        id = a.id!
        name = a.name
        sport = a.sport
        startTime = a.startTime
        utcOffsetS = a.utcOffsetS
        timezone = a.timezone
        localDate = LocalDate(a.startTime, in: TimeZone(secondsFromGMT: a.utcOffsetS) ?? .gmt)
        distanceM = a.distanceM
        movingTimeS = a.movingTimeS
        durationS = a.durationS
        avgHR = a.avgHR
        maxHR = a.maxHR
        elevationGainM = a.elevationGainM
        let time = a.movingTimeS ?? a.durationS
        // A tiny distance gives an infinite pace, which JSON cannot carry: no pace then, rather than a 500 on every read.
        let pace = a.distanceM.flatMap { d in time.flatMap { t in d > 0 && t > 0 ? (Double(t) / (d / 1000)).rounded(toPlaces: 1) : nil } }
        paceSPerKm = pace.flatMap { $0.isFinite ? $0 : nil }
        isRace = a.isRace
        source = a.source
        externalID = a.externalID
        createdAt = a.createdAt
    }
}

struct ActivityPage: Codable, Sendable {
    let activities: [ActivityDTO]
    let total: Int
    let limit: Int
    let offset: Int
}

/// The query of `GET /v1/activities`: a page (limit, offset) and optional filters.
struct ActivityListQuery: Sendable {
    static let defaultLimit = 20
    static let maxOffset = 1_000_000
    var limit = Self.defaultLimit
    var offset = 0
    var since: Date?
    var until: Date?
    var sport: Sport?

    init(_ query: any URLQueryContainer, validator v: inout FieldValidator) {
        limit = v.integer(query, "limit", in: Limits.Activity.pageSize) ?? Self.defaultLimit
        offset = v.integer(query, "offset", in: 0...Self.maxOffset) ?? 0
        since = Self.timestamp(query, "since", &v)
        until = Self.timestamp(query, "until", &v)
        if let raw = query[String.self, at: "sport"] {
            if let value = Sport(rawValue: raw) {
                sport = value
            } else {
                v.fail("sport", "must be one of \(Sport.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
    }

    /// A date-time, or a plain date meaning its UTC midnight.
    static func timestamp(_ query: any URLQueryContainer, _ name: String, _ v: inout FieldValidator) -> Date? {
        guard let raw = query[String.self, at: name] else { return nil }
        if let date = JSONCoding.parseTimestamp(raw) { return date }
        if let day = LocalDate(raw) { return day.start(in: .gmt) }
        v.fail(name, "must be an ISO 8601 date-time or YYYY-MM-DD")
        return nil
    }
}
