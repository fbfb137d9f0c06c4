import Fluent
import Vapor
import StrideIQCore

/// `/v1/activities`: manual and imported sessions, idempotent on (source, external_id), one duplicate rule.
struct ActivityController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let activities = routes.grouped("v1", "activities")
        activities.post(use: create)
        activities.get(use: list)
        activities.get(":activity_id", use: show)
        activities.delete(":activity_id", use: delete)
    }

    func create(req: Request) async throws -> JSONResponse<ActivityDTO> {
        let body = try req.decodeBody(ActivityBody.self).value
        let current = try req.currentAthlete
        let source = body.source ?? "manual"
        guard body.startTime <= req.application.now().addingTimeInterval(ActivityBody.futureTolerance) else {
            throw APIError.validation(field: "start_time", "must not be in the future")
        }

        let athlete = current.athlete
        // The duplicate check, the insert and the briefing trigger run in one transaction under the athlete's
        // write lock: two concurrent posts of the same run cannot both pass the check.
        let (status, activity) = try await req.application.athleteWriteLock.withLock(athleteID: current.id, on: req.db) { db in
            let (status, activity) = try await Self.insert(body, source: source, athlete: athlete, on: db)
            if status == .created { try await req.triggerBriefingRefresh("activity_created", athlete: athlete, on: db) }
            return (status, activity)
        }
        return JSONResponse(status, ActivityDTO(activity))
    }

    private static func insert(_ body: ActivityBody, source: String, athlete: Athlete, on db: any Database) async throws -> (HTTPStatus, Activity) {
        let athleteID = athlete.id!
        if let externalID = body.externalID, let existing = try await Self.findByExternalID(athleteID: athleteID, source: source, externalID: externalID, on: db) {
            return (.ok, existing) // the same import again: idempotent
        }
        let window = ActivityDuplicateRule.window(around: body.startTime)
        let nearby = try await Activity.query(on: db)
            .filter(\.$athlete.$id == athleteID)
            .filter(\.$startTime >= window.lowerBound)
            .filter(\.$startTime <= window.upperBound)
            .all()
        let candidate = ActivityDuplicateRule.Candidate(startTime: body.startTime, distanceM: body.distanceM)
        if let duplicate = nearby.first(where: { ActivityDuplicateRule.isDuplicate(candidate, .init(startTime: $0.startTime, distanceM: $0.distanceM)) }) {
            throw APIError(.conflict, code: "duplicate_activity",
                           detail: "This activity duplicates one already recorded (start within 2 minutes, distance within 3 %)",
                           extra: ["existing_activity_id": duplicate.id!.uuidString])
        }

        let activity = Activity()
        activity.$athlete.id = athleteID
        activity.sport = body.sport ?? .run
        activity.name = body.name ?? Self.defaultName(for: activity.sport)
        activity.startTime = body.startTime
        activity.timezone = body.timezone
        let zone = body.timezone.flatMap(TimeZone.init(identifier:)) ?? athlete.timeZone
        activity.utcOffsetS = body.utcOffsetS ?? zone.secondsFromGMT(for: body.startTime)
        activity.distanceM = body.distanceM
        activity.movingTimeS = body.movingTimeS
        activity.durationS = body.durationS ?? body.movingTimeS
        activity.avgHR = body.avgHR
        activity.maxHR = body.maxHR
        activity.elevationGainM = body.elevationGainM
        activity.source = source
        activity.externalID = body.externalID
        do {
            try await activity.create(on: db)
        } catch let error as any DatabaseError & Error where error.isConstraintFailure {
            // A concurrent import of the same (source, external id) won the race: answer with its row.
            if let externalID = body.externalID, let existing = try await Self.findByExternalID(athleteID: athleteID, source: source, externalID: externalID, on: db) {
                return (.ok, existing)
            }
            throw error
        }
        return (.created, activity)
    }

    func list(req: Request) async throws -> JSONResponse<ActivityPage> {
        let current = try req.currentAthlete
        var v = FieldValidator()
        let query = ListQuery(req.query, validator: &v)
        try v.throwIfInvalid()
        var builder = Activity.query(on: req.db).filter(\.$athlete.$id == current.id)
        if let since = query.since { builder = builder.filter(\.$startTime >= since) }
        if let until = query.until { builder = builder.filter(\.$startTime < until) }
        if let sport = query.sport { builder = builder.filter(\.$sport == sport) }
        let total = try await builder.copy().count()
        let rows = try await builder.sort(\.$startTime, .descending).sort(\.$id, .descending)
            .range(query.offset..<(query.offset + query.limit)).all()
        return JSONResponse(.ok, ActivityPage(activities: rows.map(ActivityDTO.init), total: total, limit: query.limit, offset: query.offset))
    }

    func show(req: Request) async throws -> JSONResponse<ActivityDTO> {
        JSONResponse(.ok, ActivityDTO(try await owned(req)))
    }

    func delete(req: Request) async throws -> HTTPStatus {
        let activity = try await owned(req)
        let athlete = try req.currentAthlete.athlete
        try await req.db.writeTransaction { db in
            try await activity.delete(on: db)
            try await req.triggerBriefingRefresh("activity_deleted", athlete: athlete, on: db)
        }
        return .noContent
    }

    /// The caller's activity; another athlete's id is a 404, exactly like a missing one.
    private func owned(_ req: Request) async throws -> Activity {
        let id = try req.uuidParameter("activity_id", resource: "Activity")
        guard let activity = try await Activity.query(on: req.db)
            .filter(\.$id == id).filter(\.$athlete.$id == req.currentAthlete.id).first() else {
            throw APIError.notFound("Activity")
        }
        return activity
    }

    private static func findByExternalID(athleteID: UUID, source: String, externalID: String, on db: any Database) async throws -> Activity? {
        try await Activity.query(on: db)
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

    struct ListQuery {
        static let defaultLimit = 20
        static let maxOffset = 1_000_000
        var limit = Self.defaultLimit
        var offset = 0
        var since: Date?
        var until: Date?
        var sport: Sport?

        init(_ query: any URLQueryContainer, validator v: inout FieldValidator) {
            if let raw = query[String.self, at: "limit"] {
                if let value = Int(raw), Limits.Activity.pageSize.contains(value) { limit = value }
                else { v.fail("limit", "must be an integer between \(Limits.Activity.pageSize.lowerBound) and \(Limits.Activity.pageSize.upperBound)") }
            }
            if let raw = query[String.self, at: "offset"] {
                if let value = Int(raw), (0...Self.maxOffset).contains(value) { offset = value }
                else { v.fail("offset", "must be an integer between 0 and \(Self.maxOffset)") }
            }
            since = Self.timestamp(query, "since", &v)
            until = Self.timestamp(query, "until", &v)
            if let raw = query[String.self, at: "sport"] {
                if let value = Sport(rawValue: raw) { sport = value }
                else { v.fail("sport", "must be one of \(Sport.allCases.map(\.rawValue).joined(separator: ", "))") }
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
}
