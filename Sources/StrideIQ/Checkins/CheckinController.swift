import Fluent
import Vapor
import StrideIQCore

/// `/v1/daily-checkin`: one row per (athlete, local date), upserted; only the fields sent change.
struct CheckinController: RouteCollection {
    static let defaultListLimit = 30

    func boot(routes: any RoutesBuilder) throws {
        let checkins = routes.grouped("v1", "daily-checkin")
        checkins.post(use: upsert)
        checkins.get(use: list)
        checkins.get("today", use: today)
        checkins.get(":date", use: show)
    }

    func upsert(req: Request) async throws -> JSONResponse<CheckinDTO> {
        let decoded = try req.decodeBody(CheckinBody.self)
        let body = decoded.value
        let current = try req.currentAthlete
        let today = LocalDate(req.application.now(), in: current.athlete.timeZone)
        var v = FieldValidator()
        v.check(body.date <= today, "date", "must not be in the future (today is \(today) in \(current.athlete.timezone))")
        v.check(body.date >= today.adding(days: -Limits.Checkin.maxAgeDays), "date", "must be within the last \(Limits.Checkin.maxAgeDays) days")
        try v.throwIfInvalid()

        // The upsert and its briefing trigger commit together. Two tries: on Postgres a concurrent first
        // check-in for the same day can win the insert; the second try then updates it.
        let athlete = current.athlete
        for attempt in 0..<2 {
            do {
                let (created, row) = try await req.db.writeTransaction { db in
                    let existing = try await DailyCheckin.query(on: db)
                        .filter(\.$athlete.$id == current.id).filter(\.$date == body.date.description).first()
                    let row = existing ?? DailyCheckin()
                    if existing == nil { row.$athlete.id = current.id; row.date = body.date.description }
                    body.apply(to: row, present: decoded)
                    try await row.save(on: db)
                    try await req.triggerBriefingRefresh("checkin", athlete: athlete, on: db)
                    return (existing == nil, row)
                }
                return JSONResponse(created ? .created : .ok, CheckinDTO(row))
            } catch let error as any DatabaseError & Error where error.isConstraintFailure && attempt == 0 {
                continue
            }
        }
        throw APIError(.conflict, code: "conflict", detail: "The check-in changed while saving; try again")
    }

    func today(req: Request) async throws -> JSONResponse<CheckinDTO?> {
        let current = try req.currentAthlete
        let day = LocalDate(req.application.now(), in: current.athlete.timeZone)
        return JSONResponse(.ok, try await find(current.id, day, on: req.db).map(CheckinDTO.init))
    }

    func show(req: Request) async throws -> JSONResponse<CheckinDTO?> {
        guard let raw = req.parameters.get("date"), let day = LocalDate(raw) else {
            throw APIError.validation(field: "date", "must be a date as YYYY-MM-DD")
        }
        return JSONResponse(.ok, try await find(try req.currentAthlete.id, day, on: req.db).map(CheckinDTO.init))
    }

    func list(req: Request) async throws -> JSONResponse<CheckinList> {
        let current = try req.currentAthlete
        var v = FieldValidator()
        func date(_ name: String) -> LocalDate? {
            guard let raw = req.query[String.self, at: name] else { return nil }
            guard let day = LocalDate(raw) else { v.fail(name, "must be a date as YYYY-MM-DD"); return nil }
            return day
        }
        let start = date("start_date"), end = date("end_date")
        var limit = Self.defaultListLimit
        if let raw = req.query[String.self, at: "limit"] {
            if let value = Int(raw), Limits.Checkin.listLimit.contains(value) { limit = value }
            else { v.fail("limit", "must be an integer between \(Limits.Checkin.listLimit.lowerBound) and \(Limits.Checkin.listLimit.upperBound)") }
        }
        if let start, let end { v.check(start <= end, "end_date", "must not be before start_date") }
        try v.throwIfInvalid()
        var query = DailyCheckin.query(on: req.db).filter(\.$athlete.$id == current.id)
        if let start { query = query.filter(\.$date >= start.description) }
        if let end { query = query.filter(\.$date <= end.description) }
        let rows = try await query.sort(\.$date, .descending).limit(limit).all()
        return JSONResponse(.ok, CheckinList(checkins: rows.map(CheckinDTO.init), count: rows.count))
    }

    private func find(_ athleteID: UUID, _ day: LocalDate, on db: any Database) async throws -> DailyCheckin? {
        try await DailyCheckin.query(on: db).filter(\.$athlete.$id == athleteID).filter(\.$date == day.description).first()
    }
}

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
        for (value, key) in [(sleepQuality, CodingKeys.sleepQuality), (stress, .stress), (soreness, .soreness),
                             (enjoyment, .enjoyment), (confidence, .confidence), (readiness, .readiness)] {
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
    let createdAt: Date?
    let updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, date, notes
        case sleepH = "sleep_h", sleepQuality = "sleep_quality_1_5", stress = "stress_1_5"
        case soreness = "soreness_1_5", enjoyment = "enjoyment_1_5", confidence = "confidence_1_5"
        case readiness = "readiness_1_5", rpe = "rpe_1_10", hrvRMSSD = "hrv_rmssd", restingHR = "resting_hr"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ r: DailyCheckin) {
        id = r.id!; date = r.date; sleepH = r.sleepH; sleepQuality = r.sleepQuality; stress = r.stress
        soreness = r.soreness; enjoyment = r.enjoyment; confidence = r.confidence; readiness = r.readiness
        rpe = r.rpe; notes = r.notes; hrvRMSSD = r.hrvRMSSD; restingHR = r.restingHR
        createdAt = r.createdAt; updatedAt = r.updatedAt
    }
}

struct CheckinList: Codable, Sendable {
    let checkins: [CheckinDTO]
    let count: Int
}
