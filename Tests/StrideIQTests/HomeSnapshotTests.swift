import Fluent
import Foundation
import SQLKit
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

/// `/v1/home` answers from a per-process snapshot keyed by the athlete's `data_version`, valid only for the
/// local day and the side of the last run's 96 h window it was built on. These tests hold it to "read your
/// writes": after every kind of write, from this process or another, the next home is what a build straight
/// from the database gives; and a snapshot is never served across a time boundary.
@Suite("Home snapshots: read your writes and time boundaries")
struct HomeSnapshotTests {
    static let utc = TimeZone(identifier: "UTC")!
    /// Wednesday 2026-12-09, noon UTC: week 1 of `PlanTests.plan` (which starts Monday 2026-12-07).
    static let wednesdayNoon = LocalDate("2026-12-09")!.start(in: utc).addingTimeInterval(12 * 3600)

    // MARK: fixtures

    /// What a build straight from the database gives at `now`, as JSON: the truth a served home must equal.
    static func truth(_ t: TestApp, _ s: TestApp.Session, now: Date) async throws -> JSON {
        let athlete = try #require(try await Athlete.find(UUID(uuidString: s.athleteID)!, on: t.app.db))
        let facts = try await HomeFactsLoader.load(athlete: athlete, now: now, on: t.app.db)
        return try JSON(data: JSONCoding.encoder.encode(HomeBuilder.build(facts)))
    }

    /// The deterministic fields of a `/v1/home` reply (the briefing fields left out).
    static func deterministic(_ reply: Reply, like truth: JSON) -> JSON {
        .object(reply.json.object.filter { truth.object.keys.contains($0.key) })
    }

    /// GET /v1/home through `t`, checked against the database's truth at `now`.
    @discardableResult
    static func home(
        _ t: TestApp, _ s: TestApp.Session, now: Date, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSON {
        let reply = try await t.home(s)
        #expect(reply.status == .ok, "\(reply.text)", sourceLocation: sourceLocation)
        let truth = try await truth(t, s, now: now)
        let served = deterministic(reply, like: truth)
        #expect(served == truth, "served home differs from the database's", sourceLocation: sourceLocation)
        return served
    }

    /// An activity written straight to the database, as nothing in the app writes: no `write(athlete:)`, so the
    /// athlete's version does not move. Only tests that prove a snapshot is being served do this.
    static func insertBehindTheAppsBack(_ t: TestApp, _ s: TestApp.Session, start: Date) async throws {
        let a = Activity()
        a.$athlete.id = UUID(uuidString: s.athleteID)!
        a.name = "Ride"
        a.sport = .cycling
        a.startTime = start
        a.utcOffsetS = 0
        a.distanceM = 20000
        a.durationS = 3600
        a.source = "manual"
        try await a.create(on: t.app.db)
    }

    static func version(_ t: TestApp, _ s: TestApp.Session) async throws -> Int64 {
        try #require(try await Athlete.find(UUID(uuidString: s.athleteID)!, on: t.app.db)).dataVersion
    }

    static func longLivedTokens(_ config: inout AppConfig) { config.accessTokenTTL = 30 * 86_400 }

    // MARK: read your writes

    /// Each write kind, between two home reads in one process: the read before warms the snapshot, the read
    /// after must show the write (and equal a build from the database).
    @Test(arguments: TestBackend.available)
    func everyWriteShowsOnTheVeryNextHome(backend: TestBackend) async throws {
        let clock = TestClock(Self.wednesdayNoon)
        try await TestApp.with(backend, config: Self.longLivedTokens, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let token = s.accessToken
            let today = LocalDate(clock.now(), in: Self.utc)
            var before = try await Self.home(t, s, now: clock.now())
            #expect(try await Self.home(t, s, now: clock.now()) == before, "a second read is the same home")

            func step(
                _ name: String, sourceLocation: SourceLocation = #_sourceLocation, _ write: () async throws -> Reply
            ) async throws {
                let version = try await Self.version(t, s)
                let reply = try await write()
                #expect(reply.status.code < 300, "\(name): \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
                #expect(try await Self.version(t, s) > version, "\(name) raised the version", sourceLocation: sourceLocation)
                let after = try await Self.home(t, s, now: clock.now(), sourceLocation: sourceLocation)
                #expect(after != before, "\(name) shows on the next home", sourceLocation: sourceLocation)
                before = try await Self.home(t, s, now: clock.now(), sourceLocation: sourceLocation)  // warm again
            }

            try await step("check-in create") {
                try await t.request(
                    .POST, "/v1/daily-checkin", json: ["date": "\(today)", "sleep_h": 7.5, "readiness_1_5": 4], token: token)
            }
            #expect(before["today_checkin"]["readiness_label"] == "Good")
            try await step("check-in update") {
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "\(today)", "readiness_1_5": 2], token: token)
            }
            #expect(before["today_checkin"]["readiness_label"] == "Low")
            var activityID = ""
            try await step("activity create") {
                let reply = try await t.request(
                    .POST, "/v1/activities",
                    json: ["start_time": "\(today)T07:00:00Z", "sport": "run", "distance_m": 5000, "moving_time_s": 1500],
                    token: token)
                activityID = reply.json["id"].string ?? ""
                return reply
            }
            #expect(before["total_activities"] == 1 && !before["last_run"].isNull)
            try await step("activity delete") { try await t.request(.DELETE, "/v1/activities/\(activityID)", token: token) }
            #expect(before["total_activities"] == 0 && before["last_run"].isNull)
            try await step("file import") {
                let gpx = Data(ImportTests.gpx(start: Self.wednesdayNoon.addingTimeInterval(-6 * 3600)).utf8)
                return try await ImportTests.upload(t, gpx, contentType: "application/gpx+xml", token: token, query: "?filename=run.gpx")
            }
            #expect(before["total_activities"] == 1 && before["last_run"]["name"] == "Lunch Run")
            var planID = ""
            try await step("plan create") {
                let reply = try await t.request(.POST, "/v1/plans", json: PlanTests.plan, token: token)
                planID = reply.json["id"].string ?? ""
                return reply
            }
            #expect(before["race_countdown"]["race_date"] == "2027-04-18")
            try await step("plan patch") {
                try await t.request(.PATCH, "/v1/plans/\(planID)", json: ["goal_race_date": "2027-04-25"], token: token)
            }
            #expect(before["race_countdown"]["race_date"] == "2027-04-25")
            var workoutID = ""
            try await step("workout add") {
                let reply = try await t.request(
                    .POST, "/v1/plans/\(planID)/workouts",
                    json: ["scheduled_date": "\(today)", "workout_type": "easy", "title": "Easy 8 km", "target_distance_m": 8000],
                    token: token)
                workoutID = reply.json["id"].string ?? ""
                return reply
            }
            #expect(before["today"]["title"] == "Easy 8 km")
            try await step("workout edit") {
                try await t.request(.PATCH, "/v1/plans/\(planID)/workouts/\(workoutID)", json: ["title": "Easy 10 km"], token: token)
            }
            #expect(before["today"]["title"] == "Easy 10 km")
            try await step("workout delete") {
                try await t.request(.DELETE, "/v1/plans/\(planID)/workouts/\(workoutID)", token: token)
            }
            #expect(before["today"]["has_workout"] == false)
            try await step("athlete units") { try await t.request(.PATCH, "/v1/athlete", json: ["units": "imperial"], token: token) }
            #expect(before["week"]["trajectory_sentence"].string?.contains(" mi") == true)
            // +14:00: at noon UTC it is already Thursday there.
            try await step("athlete timezone") {
                try await t.request(.PATCH, "/v1/athlete", json: ["timezone": "Pacific/Kiritimati"], token: token)
            }
            #expect(before["week"]["days"].array.first { $0["is_today"] == true }?["date"] == "\(today.adding(days: 1))")
            try await step("plan delete") { try await t.request(.DELETE, "/v1/plans/\(planID)", token: token) }
            #expect(before["race_countdown"].isNull)
        }
    }

    /// Accepting an adaptation proposal rewrites this week's workouts in one transaction: the next home has them.
    @Test(arguments: TestBackend.available)
    func anAcceptedProposalShowsOnTheNextHome(backend: TestBackend) async throws {
        try await PlanAdaptationTests.with(backend) { t, clock, s, _ in
            let (planID, generated) = try await PlanAdaptationTests.generatedPlan(t, s, generatedOn: LocalDate("2027-03-01")!)
            try await PlanAdaptationTests.steadyRuns(t, s, weeks: 8, before: LocalDate("2027-03-01")!, weeklyM: 30000)
            try await PlanAdaptationTests.runAsPlanned(t, s, generated)
            let newRace = LocalDate("2027-05-30")!
            let patched = try await t.request(.PATCH, "/v1/plans/\(planID)", json: ["goal_race_date": "\(newRace)"], token: s.accessToken)
            #expect(patched.status == .ok)
            let adapted = try await t.request(.POST, "/v1/plans/\(planID)/adapt", json: [:], token: s.accessToken)
            let proposalID = try #require(adapted.json["id"].string, "\(adapted.text)")
            let before = try await Self.home(t, s, now: clock.now())
            let version = try await Self.version(t, s)
            let accepted = try await t.request(.POST, "/v1/plans/\(planID)/proposals/\(proposalID)/accept", token: s.accessToken)
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(try await Self.version(t, s) > version)
            let after = try await Self.home(t, s, now: clock.now())
            #expect(after["week"] != before["week"], "the re-planned week shows")
        }
    }

    /// Two api processes on one database (each with its own snapshots): a write through either one shows on
    /// the next home through the other. On Postgres the two share Redis, as split roles do.
    @Test(arguments: TestBackend.available)
    func writesThroughOneProcessShowThroughAnother(backend: TestBackend) async throws {
        try await TestApp.with(backend) { a in
            try await TestApp.with(backend, sharingDatabaseWith: a) { b in
                let s = try await a.register()
                let token = s.accessToken
                let today = LocalDate(Date(), in: Self.utc)
                var before = try await Self.home(b, s, now: Date())
                _ = try await Self.home(a, s, now: Date())

                func step(
                    _ name: String, read reader: TestApp, sourceLocation: SourceLocation = #_sourceLocation,
                    _ write: () async throws -> Reply
                ) async throws {
                    let reply = try await write()
                    #expect(reply.status.code < 300, "\(name): \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
                    let after = try await Self.home(reader, s, now: Date(), sourceLocation: sourceLocation)
                    #expect(after != before, "\(name) shows through the other process", sourceLocation: sourceLocation)
                    before = after
                }

                try await step("check-in through a, read through b", read: b) {
                    try await a.request(.POST, "/v1/daily-checkin", json: ["date": "\(today)", "readiness_1_5": 5], token: token)
                }
                _ = try await Self.home(a, s, now: Date())
                try await step("activity through b, read through a", read: a) {
                    try await b.request(
                        .POST, "/v1/activities", json: ["start_time": "\(today)T00:00:00Z", "distance_m": 4000], token: token)
                }
                try await step("import through a, read through b", read: b) {
                    let gpx = Data(ImportTests.gpx(start: Date().addingTimeInterval(-2 * 86_400)).utf8)
                    return try await ImportTests.upload(a, gpx, contentType: "application/gpx+xml", token: token)
                }
                var planID = ""
                try await step("plan through a, read through b", read: b) {
                    let race = "\(today.adding(days: 60))"
                    let plan = PlanTests.plan.setting("goal_race_date", "\(race)").setting("plan_end_date", "\(race)")
                        .setting("plan_start_date", "\(today.adding(days: -7))")
                    let reply = try await a.request(.POST, "/v1/plans", json: plan, token: token)
                    planID = reply.json["id"].string ?? ""
                    return reply
                }
                try await step("workout through a, read through b", read: b) {
                    try await a.request(
                        .POST, "/v1/plans/\(planID)/workouts",
                        json: ["scheduled_date": "\(today)", "workout_type": "tempo", "title": "Tempo"], token: token)
                }
                _ = try await Self.home(a, s, now: Date())
                try await step("units through b, read through a", read: a) {
                    try await b.request(.PATCH, "/v1/athlete", json: ["units": "imperial"], token: token)
                }
                // A zone whose local day is not UTC's right now (−11:00 before 11:00 UTC, +14:00 after).
                let zone =
                    Calendar(identifier: .gregorian).dateComponents(in: Self.utc, from: Date()).hour! < 11
                    ? "Pacific/Pago_Pago" : "Pacific/Kiritimati"
                try await step("zone through a, read through b", read: b) {
                    try await a.request(.PATCH, "/v1/athlete", json: ["timezone": "\(zone)"], token: token)
                }
            }
        }
    }

    /// The snapshot is really served (this is what makes the other tests mean something): a row written behind
    /// the app's back, without raising the version, does not show; raising the version alone makes it show.
    @Test(arguments: TestBackend.available)
    func theSnapshotIsKeyedByTheAthletesDataVersion(backend: TestBackend) async throws {
        let clock = TestClock(Self.wednesdayNoon)
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let first = try await t.home(s)
            #expect(first.json["total_activities"] == 0)
            try await Self.insertBehindTheAppsBack(t, s, start: Self.wednesdayNoon.addingTimeInterval(-3600))
            #expect(try await t.home(s).json["total_activities"] == 0, "served from the snapshot")
            try await (t.app.db as! any SQLDatabase).update("athletes")
                .set(SQLIdentifier("data_version"), to: SQLRaw("data_version + 1"))
                .where("id", .equal, SQLBind(UUID(uuidString: s.athleteID)!)).run()
            #expect(try await t.home(s).json["total_activities"] == 1)
            // A write of any kind goes through `write(athlete:)` and raises it by exactly one.
            let version = try await Self.version(t, s)
            _ = try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-12-09", "sleep_h": 8], token: s.accessToken)
            #expect(try await Self.version(t, s) == version + 1)
        }
    }

    // MARK: time boundaries

    /// Built at 23:59:58 local on a Sunday, served at 23:59:59 (still that day), rebuilt at 00:00:01: the day,
    /// the week and the countdown move; and moving the clock back rebuilds again.
    @Test(arguments: TestBackend.available)
    func aSnapshotIsNeverServedPastLocalMidnight(backend: TestBackend) async throws {
        let newYork = TimeZone(identifier: "America/New_York")!
        let sunday = LocalDate("2026-12-13")!
        let clock = TestClock(sunday.adding(days: 1).start(in: newYork).addingTimeInterval(-2))
        try await TestApp.with(backend, config: Self.longLivedTokens, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register(timezone: "America/New_York")
            #expect(try await t.request(.POST, "/v1/plans", json: PlanTests.plan, token: s.accessToken).status == .created)
            let built = try await Self.home(t, s, now: clock.now())
            func today(_ home: JSON) -> JSON { home["week"]["days"].array.first { $0["is_today"] == true }?["date"] ?? .null }
            #expect(today(built) == "2026-12-13")
            try await Self.insertBehindTheAppsBack(t, s, start: sunday.start(in: newYork).addingTimeInterval(-86_400))

            clock.advance(by: 1)  // 23:59:59
            let late = try await t.home(s)
            #expect(late.json["total_activities"] == built["total_activities"], "still the snapshot at 23:59:59")
            #expect(today(late.json) == "2026-12-13")

            clock.advance(by: 2)  // 00:00:01, Monday
            let monday = try await Self.home(t, s, now: clock.now())
            #expect(today(monday) == "2026-12-14")
            #expect(monday["week"]["days"][0]["date"] == "2026-12-14", "a new week")
            #expect(monday["race_countdown"]["days_remaining"].int == built["race_countdown"]["days_remaining"].int.map { $0 - 1 })
            #expect(monday["total_activities"].int == (built["total_activities"].int ?? 0) + 1, "rebuilt from the database")

            clock.advance(by: -2)  // back to 23:59:59
            let back = try await Self.home(t, s, now: clock.now())
            #expect(today(back) == "2026-12-13")
        }
    }

    /// `last_run` at 96 h − 1 s, exactly 96 h (still shown), and 96 h + 1 s (gone); then back.
    @Test(arguments: TestBackend.available)
    func lastRunLeavesAtNinetySixHoursAndNotASecondLater(backend: TestBackend) async throws {
        let runStart = Self.wednesdayNoon
        let boundary = runStart.addingTimeInterval(HomeBuilder.lastRunWindow)  // Sunday noon UTC
        let clock = TestClock(runStart.addingTimeInterval(60))
        try await TestApp.with(backend, config: Self.longLivedTokens, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let run = try await t.request(
                .POST, "/v1/activities",
                json: ["start_time": "\(JSONCoding.formatTimestamp(runStart))", "distance_m": 10000, "moving_time_s": 3000],
                token: s.accessToken)
            #expect(run.status == .created, "\(run.text)")

            clock.advance(by: boundary.timeIntervalSince(clock.now()) - 1)  // 96 h − 1 s
            let built = try await Self.home(t, s, now: clock.now())
            #expect(built["last_run"]["activity_id"] == run.json["id"])
            try await Self.insertBehindTheAppsBack(t, s, start: runStart.addingTimeInterval(-86_400 * 3))

            clock.advance(by: 1)  // exactly 96 h: still shown, still the snapshot
            let edge = try await t.home(s)
            #expect(edge.json["last_run"]["activity_id"] == run.json["id"])
            #expect(edge.json["total_activities"] == built["total_activities"], "still the snapshot at 96 h")

            clock.advance(by: 1)  // 96 h + 1 s
            let gone = try await Self.home(t, s, now: clock.now())
            #expect(gone["last_run"].isNull)
            #expect(gone["total_activities"].int == (built["total_activities"].int ?? 0) + 1, "rebuilt from the database")

            clock.advance(by: -2)  // 96 h − 1 s again
            let again = try await Self.home(t, s, now: clock.now())
            #expect(again["last_run"]["activity_id"] == run.json["id"])
        }
    }

    /// `valid_until` and `holds(at:)` on plain values, across a 23-hour day (Berlin, spring forward).
    @Test func aSnapshotHoldsForItsLocalDayAndItsSideOfTheRunWindow() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let day = LocalDate("2026-03-29")!
        let noon = day.start(in: berlin).addingTimeInterval(11 * 3600)  // 12:00 CEST
        let run = ActivityFact(
            id: UUID(), name: "Run", sport: .run, startTime: noon.addingTimeInterval(-95 * 3600), distanceM: 5000,
            movingTimeS: 1500, durationS: 1500, avgHR: nil)
        let facts = HomeFacts(
            now: noon, timeZone: berlin, units: .metric, windowActivities: [], latestRun: run, totalActivities: 1, plan: nil,
            weekWorkouts: [], todayCheckin: nil)
        let snapshot = try #require(
            HomeSnapshot(
                athleteID: UUID(), dataVersion: 3, timeZone: berlin.identifier, facts: facts, home: HomeBuilder.build(facts),
                fingerprint: BriefingFingerprint.compute(facts: facts)))
        #expect(snapshot.nextDayStart.timeIntervalSince(snapshot.dayStart) == 23 * 3600)
        #expect(snapshot.lastRunShown)
        let runExpires = run.startTime.addingTimeInterval(HomeBuilder.lastRunWindow)  // 13:00 CEST
        #expect(snapshot.validUntil > runExpires && snapshot.validUntil < runExpires.addingTimeInterval(0.001))
        #expect(snapshot.holds(at: snapshot.dayStart))
        #expect(!snapshot.holds(at: snapshot.dayStart.addingTimeInterval(-0.001)))
        #expect(snapshot.holds(at: runExpires))
        #expect(!snapshot.holds(at: runExpires.addingTimeInterval(0.001)))
        // Every instant it holds for builds the same payload.
        for offset in stride(from: -11.0 * 3600, through: 3600, by: 1800) {
            let at = noon.addingTimeInterval(offset)
            var moved = facts
            moved.now = at
            if snapshot.holds(at: at) { #expect(HomeBuilder.build(moved) == snapshot.home) }
        }
        // Built after the run left the window: holds until midnight, not before the run's expiry.
        var evening = facts
        evening.now = day.adding(days: 1).start(in: berlin).addingTimeInterval(-60)
        let late = try #require(
            HomeSnapshot(
                athleteID: UUID(), dataVersion: 3, timeZone: berlin.identifier, facts: evening, home: HomeBuilder.build(evening),
                fingerprint: ""))
        #expect(!late.lastRunShown)
        #expect(late.validUntil == late.nextDayStart)
        #expect(!late.holds(at: runExpires) && late.holds(at: runExpires.addingTimeInterval(1)))
    }

    /// The body built from a snapshot's encoded payload is the same JSON object as encoding the whole response.
    @Test func theBodyFromTheKeptBytesIsTheWholeResponse() throws {
        let payload = HomeResponse.openAPIExample.home
        let kept = try JSONCoding.encoder.encode(payload)
        for briefing in [BriefingView.openAPIExample, BriefingView(state: .missing, entry: nil)] {
            let response = HomeResponse(home: payload, briefing: briefing, homeJSON: kept)
            let body = try #require(JSONSerialization.jsonObject(with: response.jsonBody()) as? NSDictionary)
            let whole = try #require(JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(response)) as? NSDictionary)
            #expect(body == whole)
            #expect(body["briefing_state"] as? String == briefing.state.rawValue && body["race_countdown"] != nil)
        }
        let one = Data(#"{"a":1}"#.utf8)
        #expect(HomeResponse.mergeObjects(Data("{}".utf8), one) == one && HomeResponse.mergeObjects(one, Data("{}".utf8)) == one)
        #expect(HomeResponse.mergeObjects(one, Data(#"{"b":[2]}"#.utf8)) == Data(#"{"a":1,"b":[2]}"#.utf8))
    }

    /// The cache keeps the most recently used athletes, and answers only for the athlete row's version, zone
    /// and units.
    @Test func theCacheIsBoundedAndKeyedByTheRow() throws {
        let cache = HomeSnapshotCache(capacity: 3)
        let now = Self.wednesdayNoon
        func athlete(_ id: UUID, version: Int64 = 0, units: Units = .metric) -> Athlete {
            let a = Athlete(id: id, email: "x@example.com", passwordHash: "", displayName: nil, units: units)
            a.dataVersion = version
            return a
        }
        func snapshot(_ id: UUID) throws -> HomeSnapshot {
            let facts = HomeFacts(
                now: now, timeZone: Self.utc, units: .metric, windowActivities: [], latestRun: nil, totalActivities: 0,
                plan: nil, weekWorkouts: [], todayCheckin: nil)
            return try #require(
                HomeSnapshot(athleteID: id, dataVersion: 0, timeZone: "UTC", facts: facts, home: HomeBuilder.build(facts), fingerprint: ""))
        }
        let ids = (0..<4).map { _ in UUID() }
        for id in ids.prefix(3) { cache.store(try snapshot(id)) }
        #expect(cache.lookup(athlete(ids[0]), at: now) != nil)  // 0 is now the most recent
        cache.store(try snapshot(ids[3]))
        #expect(cache.count == 3)
        #expect(cache.lookup(athlete(ids[1]), at: now) == nil, "the least recently used left")
        #expect(cache.lookup(athlete(ids[0]), at: now) != nil)
        #expect(cache.lookup(athlete(ids[0], version: 1), at: now) == nil, "another version")
        #expect(cache.lookup(athlete(ids[0], units: .imperial), at: now) == nil, "other units")
        #expect(cache.lookup(athlete(ids[0]), at: now.addingTimeInterval(86_400)) == nil, "another day")
    }

    // MARK: the stored training figures

    /// The analytics job writes its figures through `write(athlete:)`: the version rises, so the next home
    /// rebuilds and shows them (and equals a build from the database), read from the one stored document.
    @Test(arguments: TestBackend.available)
    func theAnalyticsJobShowsOnTheNextHome(backend: TestBackend) async throws {
        let clock = TestClock(Self.wednesdayNoon)
        try await TestApp.with(backend, config: Self.longLivedTokens, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let today = LocalDate(clock.now(), in: Self.utc)
            let created = try await t.request(
                .POST, "/v1/activities",
                json: [
                    "start_time": "\(today)T07:00:00Z", "sport": "run", "distance_m": 10000, "moving_time_s": 3003,
                    "duration_s": 3120, "avg_hr": 150,
                ],
                token: s.accessToken)
            #expect(created.status == .created, "\(created.text)")
            let before = try await Self.home(t, s, now: clock.now())
            #expect(before["week"]["tsb_context"].isNull, "no figures before the job has run")
            #expect(before["week"]["load_trend"].isNull)
            #expect(before["has_correlations"] == false)
            #expect(before["strava_connected"] == false && before["garmin_connected"] == false)
            // 3003 s of moving time over 10 km: a number of seconds per km, with its display beside it.
            #expect(before["last_run"]["pace_per_km"] == 300.3)
            #expect(before["last_run"]["pace_display"] == "5:00/km")

            let version = try await Self.version(t, s)
            await t.drainJobs()
            #expect(try await Self.version(t, s) > version, "the job wrote through write(athlete:)")
            let after = try await Self.home(t, s, now: clock.now())
            #expect(["Fresh", "Building", "Fatigued"].contains(after["week"]["tsb_context"].string ?? ""), "\(after["week"])")
            #expect(after["week"]["load_trend"] == "up", "the first week with load")
        }
    }

    // MARK: the briefing read

    /// A briefing fresh for the current data is `fresh` whatever the queue holds, so the read does not ask the
    /// queue: with the jobs table gone, home still shows it fresh (it used to fail the read to `missing`).
    @Test(arguments: TestBackend.available)
    func aFreshBriefingIsServedWithoutAskingTheQueue(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.registerWithConsent()
            await t.drainJobs()
            #expect(try await t.home(s).json["briefing_state"] == "fresh")
            try await (t.app.db as! any SQLDatabase).raw("DROP TABLE jobs").run()
            let home = try await t.home(s)
            #expect(home.json["briefing_state"] == "fresh")
            #expect(home.json["coach_briefing"].isNull == false)
        }
    }
}
