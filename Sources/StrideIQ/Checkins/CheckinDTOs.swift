import Foundation
import StrideIQCore
import Vapor

struct CheckinBody: RequestBody {
    let date: LocalDate
    let sleepH: Double?
    let sleepQuality: Int?
    let stress: Int?
    let soreness: Int?
    let enjoyment: Int?
    let confidence: Int?
    let readiness: Int?
    let rpe: Int?
    let notes: String?
    let hrvRMSSD: Double?
    let restingHR: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case date, notes
        case sleepH = "sleep_h", sleepQuality = "sleep_quality_1_5", stress = "stress_1_5"
        case soreness = "soreness_1_5", enjoyment = "enjoyment_1_5", confidence = "confidence_1_5"
        case readiness = "readiness_1_5", rpe = "rpe_1_10", hrvRMSSD = "hrv_rmssd", restingHR = "resting_hr"
    }

    /// Every measurement may be cleared with `null`; `date` may not.
    static var nullableFields: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)).subtracting(["date"]) }

    func validate(into v: inout FieldValidator) {
        v.range(sleepH, "sleep_h", Limits.Checkin.sleepH)
        for (value, key) in [
            (sleepQuality, CodingKeys.sleepQuality), (stress, .stress), (soreness, .soreness),
            (enjoyment, .enjoyment), (confidence, .confidence), (readiness, .readiness),
        ] {
            v.range(value, key.rawValue, Limits.Checkin.scale5)
        }
        v.range(rpe, "rpe_1_10", Limits.Checkin.rpe)
        v.length(notes, "notes", Limits.Checkin.notes)
        v.range(hrvRMSSD, "hrv_rmssd", Limits.Checkin.hrvMs)
        v.range(restingHR, "resting_hr", Limits.Checkin.restingHR)
    }

    /// Copies only the fields present in the body (an explicit null clears one).
    func apply(to row: DailyCheckin, present: Decoded<CheckinBody>) {
        if present.has(.sleepH) { row.sleepH = sleepH }
        if present.has(.sleepQuality) { row.sleepQuality = sleepQuality }
        if present.has(.stress) { row.stress = stress }
        if present.has(.soreness) { row.soreness = soreness }
        if present.has(.enjoyment) { row.enjoyment = enjoyment }
        if present.has(.confidence) { row.confidence = confidence }
        if present.has(.readiness) { row.readiness = readiness }
        if present.has(.rpe) { row.rpe = rpe }
        if present.has(.notes) { row.notes = notes }
        if present.has(.hrvRMSSD) { row.hrvRMSSD = hrvRMSSD }
        if present.has(.restingHR) { row.restingHR = restingHR }
    }
}

struct CheckinDTO: Codable, Sendable {
    let id: UUID
    let date: String
    @Nullable var sleepH: Double?
    @Nullable var sleepQuality: Int?
    @Nullable var stress: Int?
    @Nullable var soreness: Int?
    @Nullable var enjoyment: Int?
    @Nullable var confidence: Int?
    @Nullable var readiness: Int?
    @Nullable var rpe: Int?
    @Nullable var notes: String?
    @Nullable var hrvRMSSD: Double?
    @Nullable var restingHR: Int?
    @Nullable var createdAt: Date?
    @Nullable var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, date, notes
        case sleepH = "sleep_h", sleepQuality = "sleep_quality_1_5", stress = "stress_1_5"
        case soreness = "soreness_1_5", enjoyment = "enjoyment_1_5", confidence = "confidence_1_5"
        case readiness = "readiness_1_5", rpe = "rpe_1_10", hrvRMSSD = "hrv_rmssd", restingHR = "resting_hr"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ r: DailyCheckin) {
        id = r.id!
        date = r.date
        sleepH = r.sleepH
        sleepQuality = r.sleepQuality
        stress = r.stress
        soreness = r.soreness
        enjoyment = r.enjoyment
        confidence = r.confidence
        readiness = r.readiness
        rpe = r.rpe
        notes = r.notes
        hrvRMSSD = r.hrvRMSSD
        restingHR = r.restingHR
        createdAt = r.createdAt
        updatedAt = r.updatedAt
    }
}

struct CheckinList: Codable, Sendable {
    let checkins: [CheckinDTO]
    let count: Int
}

/// The query of `GET /v1/daily-checkin`: an optional date range and a page size.
struct CheckinListQuery: Sendable {
    static let defaultLimit = 30
    var start: LocalDate?
    var end: LocalDate?
    var limit = Self.defaultLimit

    init(_ query: any URLQueryContainer, validator v: inout FieldValidator) {
        start = Self.date(query, "start_date", &v)
        end = Self.date(query, "end_date", &v)
        limit = v.integer(query, "limit", in: Limits.Checkin.listLimit) ?? Self.defaultLimit
        if let start, let end { v.check(start <= end, "end_date", "must not be before start_date") }
    }

    private static func date(_ query: any URLQueryContainer, _ name: String, _ v: inout FieldValidator) -> LocalDate? {
        guard let raw = query[String.self, at: name] else { return nil }
        guard let day = LocalDate(raw) else {
            v.fail(name, "must be a date as YYYY-MM-DD")
            return nil
        }
        return day
    }
}
