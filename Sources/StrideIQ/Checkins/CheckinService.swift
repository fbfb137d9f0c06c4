import Fluent
import Foundation
import StrideIQCore

/// Daily check-ins, on a database and plain values (no request): one row per (athlete, local date), upserted.
struct CheckinService: Sendable {
    let trigger: BriefingTrigger

    /// Creates or updates the check-in of `body.date`, changing only the fields sent. `date` must be a day
    /// within the last `Limits.Checkin.maxAgeDays` in the athlete's zone, never one after `today`.
    func upsert(_ decoded: Decoded<CheckinBody>, athlete: Athlete, now: Date, on db: any Database) async throws
        -> (checkin: DailyCheckin, created: Bool)
    {
        let body = decoded.value
        let today = LocalDate(now, in: athlete.timeZone)
        var v = FieldValidator()
        v.check(body.date <= today, "date", "must not be in the future (today is \(today) in \(athlete.timezone))")
        v.check(
            body.date >= today.adding(days: -Limits.Checkin.maxAgeDays), "date",
            "must be within the last \(Limits.Checkin.maxAgeDays) days")
        try v.throwIfInvalid()

        let athleteID = try athlete.requireID()
        let trigger = trigger
        // The upsert and its briefing trigger commit together, under the athlete's write lock: a concurrent first
        // check-in for the same day waits and then updates the row this one inserted.
        return try await db.write(athlete: athleteID) { db in
            let existing = try await find(athleteID: athleteID, day: body.date, on: db)
            let row = existing ?? DailyCheckin()
            if existing == nil {
                row.$athlete.id = athleteID
                row.date = body.date.description
            }
            body.apply(to: row, present: decoded)
            try await row.save(on: db)
            try await trigger.fire("checkin", athlete: athlete, on: db)
            return (row, existing == nil)
        }
    }

    /// The athlete's check-ins in `query`'s range, newest first.
    func list(_ query: CheckinListQuery, athleteID: UUID, on db: any Database) async throws -> [DailyCheckin] {
        var builder = DailyCheckin.query(on: db).filter(\.$athlete.$id == athleteID)
        if let start = query.start { builder = builder.filter(\.$date >= start.description) }
        if let end = query.end { builder = builder.filter(\.$date <= end.description) }
        return try await builder.sort(\.$date, .descending).limit(query.limit).all()
    }

    /// The check-in of one local day, if any.
    func find(athleteID: UUID, day: LocalDate, on db: any Database) async throws -> DailyCheckin? {
        try await DailyCheckin.query(on: db).filter(\.$athlete.$id == athleteID).filter(\.$date == day.description).first()
    }
}
