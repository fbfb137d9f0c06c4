import Fluent
import Foundation
import SQLKit
import StrideIQCore

/// Recording, listing and deleting activities, on a database and plain values (no request), so every way in
/// (the API, file imports) shares the one duplicate rule and the one briefing trigger.
struct ActivityService: Sendable {
    let trigger: BriefingTrigger

    /// Records an activity. The same import again (source, external id) answers the stored row
    /// (`created == false`); one that duplicates another recorded activity is a 409 `duplicate_activity`.
    func create(_ body: ActivityBody, athlete: Athlete, now: Date, on db: any Database) async throws
        -> (activity: Activity, created: Bool)
    {
        guard body.startTime <= now.addingTimeInterval(ActivityBody.futureTolerance) else {
            throw APIError.validation(field: "start_time", "must not be in the future")
        }
        let athleteID = try athlete.requireID()
        let trigger = trigger
        // The duplicate check, the insert and the briefing trigger run in one athlete write: two concurrent
        // posts of the same run cannot both pass the check.
        return try await db.write(athlete: athleteID) { db in
            let result = try await Self.insert(body, athlete: athlete, on: db)
            if result.created { try await trigger.fire("activity_created", athlete: athlete, on: db) }
            return result
        }
    }

    private static func insert(_ body: ActivityBody, athlete: Athlete, on db: any Database) async throws
        -> (activity: Activity, created: Bool)
    {
        let athleteID = try athlete.requireID()
        let source = body.source ?? "manual"
        if let existing = try await findByExternalID(body.externalID, athleteID: athleteID, source: source, on: db) {
            return (existing, false)  // the same import again: idempotent
        }
        let window = ActivityDuplicateRule.window(around: body.startTime)
        let nearby = try await Activity.query(on: db)
            .filter(\.$athlete.$id == athleteID)
            .filter(\.$startTime >= window.lowerBound)
            .filter(\.$startTime <= window.upperBound)
            .all()
        let candidate = ActivityDuplicateRule.Candidate(startTime: body.startTime, distanceM: body.distanceM)
        let duplicate = nearby.first {
            ActivityDuplicateRule.isDuplicate(candidate, .init(startTime: $0.startTime, distanceM: $0.distanceM))
        }
        if let duplicate {
            throw APIError(
                .conflict, code: .duplicateActivity,
                detail: "This activity duplicates one already recorded (start within 2 minutes, distance within 3 %)",
                extra: ["existing_activity_id": try duplicate.requireID().uuidString])
        }
        let activity = newActivity(body, athleteID: athleteID, source: source, zone: athlete.timeZone)
        do {
            try await activity.create(on: db)
        } catch let error as any DatabaseError & Error where error.isConstraintFailure {
            // A concurrent import of the same (source, external id) won the race: answer with its row.
            if let existing = try await findByExternalID(body.externalID, athleteID: athleteID, source: source, on: db) {
                return (existing, false)
            }
            throw error
        }
        return (activity, true)
    }

    private static func newActivity(_ body: ActivityBody, athleteID: UUID, source: String, zone athleteZone: TimeZone)
        -> Activity
    {
        let activity = Activity()
        activity.$athlete.id = athleteID
        activity.sport = body.sport ?? .run
        activity.name = body.name ?? defaultName(for: activity.sport)
        activity.startTime = body.startTime
        activity.timezone = body.timezone
        let zone = body.timezone.flatMap(TimeZone.init(identifier:)) ?? athleteZone
        activity.utcOffsetS = body.utcOffsetS ?? zone.secondsFromGMT(for: body.startTime)
        activity.distanceM = body.distanceM
        activity.movingTimeS = body.movingTimeS
        activity.durationS = body.durationS ?? body.movingTimeS
        activity.avgHR = body.avgHR
        activity.maxHR = body.maxHR
        activity.elevationGainM = body.elevationGainM
        activity.isRace = body.isRace ?? false
        activity.source = source
        activity.externalID = body.externalID
        return activity
    }

    /// One page of the athlete's activities, newest first, and how many match in all.
    func list(_ query: ActivityListQuery, athleteID: UUID, on db: any Database) async throws
        -> (activities: [Activity], total: Int)
    {
        var builder = Activity.query(on: db).filter(\.$athlete.$id == athleteID)
        if let since = query.since { builder = builder.filter(\.$startTime >= since) }
        if let until = query.until { builder = builder.filter(\.$startTime < until) }
        if let sport = query.sport { builder = builder.filter(\.$sport == sport) }
        let total = try await builder.copy().count()
        let rows = try await builder.sort(\.$startTime, .descending).sort(\.$id, .descending)
            .range(query.offset..<(query.offset + query.limit)).all()
        return (rows, total)
    }

    /// The athlete's activity; another athlete's id is a 404, exactly like a missing one.
    func owned(_ id: UUID, athleteID: UUID, on db: any Database) async throws -> Activity {
        guard
            let activity = try await Activity.query(on: db)
                .filter(\.$id == id).filter(\.$athlete.$id == athleteID).first()
        else {
            throw APIError.notFound("Activity")
        }
        return activity
    }

    /// Changes the fields sent of the athlete's activity (another athlete's is a 404), checks the result whole,
    /// and fires the trigger (analytics recompute, briefing) in the same write.
    func update(_ activityID: UUID, with patch: Decoded<ActivityPatch>, athlete: Athlete, on db: any Database)
        async throws -> Activity
    {
        let athleteID = try athlete.requireID()
        let trigger = trigger
        return try await db.write(athlete: athleteID) { db in
            let activity = try await Self.ownedRow(activityID, athleteID: athleteID, on: db)
            let p = patch.value
            if let name = p.name { activity.name = name }
            if let sport = p.sport { activity.sport = sport }
            if let isRace = p.isRace { activity.isRace = isRace }
            if patch.has(.distanceM) { activity.distanceM = p.distanceM }
            if patch.has(.movingTimeS) { activity.movingTimeS = p.movingTimeS }
            if patch.has(.durationS) { activity.durationS = p.durationS }
            if patch.has(.avgHR) { activity.avgHR = p.avgHR }
            if patch.has(.maxHR) { activity.maxHR = p.maxHR }
            var v = FieldValidator()
            if let avg = activity.avgHR, let max = activity.maxHR {
                v.check(max >= avg, patch.has(.maxHR) ? "max_hr" : "avg_hr", "max_hr must be at least avg_hr")
            }
            if let moving = activity.movingTimeS, let duration = activity.durationS {
                v.check(
                    moving <= duration, patch.has(.movingTimeS) ? "moving_time_s" : "duration_s",
                    "moving_time_s must not exceed duration_s")
            }
            try v.throwIfInvalid()
            guard activity.hasChanges else { return activity }
            try await activity.save(on: db)
            try await trigger.fire("activity_updated", athlete: athlete, on: db)
            return activity
        }
    }

    private static func ownedRow(_ id: UUID, athleteID: UUID, on db: any Database) async throws -> Activity {
        guard
            let activity = try await Activity.query(on: db)
                .filter(\.$id == id).filter(\.$athlete.$id == athleteID).first()
        else {
            throw APIError.notFound("Activity")
        }
        return activity
    }

    /// Deletes the athlete's activity and asks for a briefing refresh, in one transaction. The delete is
    /// conditional on the row still being there: of several concurrent deletes of one activity exactly one
    /// removes it (and triggers the refresh); the others find nothing and answer 404.
    func delete(_ activityID: UUID, athlete: Athlete, on db: any Database) async throws {
        let trigger = trigger
        let athleteID = try athlete.requireID()
        let deleted = try await db.write(athlete: athleteID) { db in
            let rows = try await (db as! any SQLDatabase).delete(from: Activity.schema)
                .where("id", .equal, SQLBind(activityID))
                .where("athlete_id", .equal, SQLBind(athleteID))
                .returning("id")
                .all()
            guard !rows.isEmpty else { return false }
            // Its detail and streams went with it (cascade); its file goes once no activity comes from it.
            try await (db as! any SQLDatabase).raw(
                """
                DELETE FROM activity_files WHERE athlete_id = \(bind: athleteID)
                  AND NOT EXISTS (SELECT 1 FROM activity_details d WHERE d.file_id = activity_files.id)
                """
            ).run()
            try await trigger.fire("activity_deleted", athlete: athlete, on: db)
            return true
        }
        guard deleted else { throw APIError.notFound("Activity") }
    }

    private static func findByExternalID(_ externalID: String?, athleteID: UUID, source: String, on db: any Database)
        async throws -> Activity?
    {
        guard let externalID else { return nil }
        return try await Activity.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$source == source).filter(\.$externalID == externalID)
            .first()
    }

    static func defaultName(for sport: Sport) -> String {
        switch sport {
        case .run: "Run"
        case .walking: "Walk"
        case .hiking: "Hike"
        case .cycling: "Ride"
        case .swimming: "Swim"
        case .strength: "Strength"
        case .flexibility: "Mobility"
        case .other: "Workout"
        }
    }
}
