import Fluent
import Foundation
import SQLKit
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

@Suite("Training analytics: the job, its stores and its endpoints")
struct AnalyticsTests {
    /// A run `daysAgo` days before the clock, at 07:00 UTC.
    static func run(
        _ clock: TestClock, daysAgo: Int, km: Double, paceSPerKm: Double, avgHR: Int? = 145, maxHR: Int? = 170,
        name: String? = nil
    ) -> JSON {
        let today = LocalDate(clock.now(), in: .gmt)
        let start = today.adding(days: -daysAgo).start(in: .gmt).addingTimeInterval(7 * 3600)
        var body: [String: JSON] = [
            "start_time": .string(JSONCoding.formatTimestamp(start)), "distance_m": .number(km * 1000),
            "moving_time_s": .number((km * paceSPerKm).rounded()), "sport": "run",
        ]
        if let avgHR { body["avg_hr"] = .number(Double(avgHR)) }
        if let maxHR { body["max_hr"] = .number(Double(maxHR)) }
        if let name { body["name"] = .string(name) }
        return .object(body)
    }

    static func athleteID(_ s: TestApp.Session) -> UUID { UUID(uuidString: s.athleteID)! }

    static func trainingDays(_ t: TestApp, _ s: TestApp.Session) async throws -> [StoredTrainingDay] {
        try await AnalyticsStore.days(
            athleteID: athleteID(s), from: LocalDate("2000-01-01")!, through: LocalDate("2100-01-01")!, on: t.app.db)
    }

    /// Runs queued jobs until none is due (the analytics job among them).
    static func runJobs(_ t: TestApp) async {
        await t.drainJobs()
    }

    @Test(arguments: TestBackend.available)
    func writesEnqueueTheJobAndItStoresTheFigures(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let id = Self.athleteID(s)
            // Before the first recompute: nothing stored, nothing computed inline.
            #expect(try await AnalyticsStore.latest(athleteID: id, on: t.app.db) == nil)
            for daysAgo in stride(from: 30, through: 2, by: -2) {
                let reply = try await t.request(
                    .POST, "/v1/activities", json: Self.run(clock, daysAgo: daysAgo, km: 8, paceSPerKm: 330),
                    token: s.accessToken)
                #expect(reply.status == .created, "\(reply.text)")
            }
            let queued = try await t.jobs(athleteID: s.athleteID, kind: .analytics)
            #expect(queued.count == 1 && queued.first?.status == .queued, "one coalesced analytics job: \(queued)")
            #expect(try await t.jobs(athleteID: s.athleteID).isEmpty, "no briefing without consent")
            await Self.runJobs(t)
            let doc = try #require(try await AnalyticsStore.latest(athleteID: id, on: t.app.db))
            #expect(doc.load != nil)
            #expect(doc.heartRate.maxHRSource == .estimated)
            let days = try await Self.trainingDays(t, s)
            #expect(days.count == 31, "first run through today: \(days.count)")
            #expect(days.last?.date == LocalDate(clock.now(), in: .gmt))
            #expect(days.filter { $0.activities == 1 }.count == 15)
            #expect(days.allSatisfy { $0.activities == 0 ? $0.load == 0 : $0.load > 0 })
            let flags = try await AnalyticsStore.activityFlags(
                activityIDs: try await Activity.query(on: t.app.db).all().map { try $0.requireID() }, on: t.app.db)
            #expect(flags.count == 15)
            // No resting heart rate is known (no profile value, no check-ins): loads come from pace.
            #expect(flags.values.allSatisfy { $0.loadMethod == .pace })
        }
    }

    /// Rows of `training_days` as stored, for comparing two recomputes.
    static func dayRows(_ t: TestApp, _ s: TestApp.Session) async throws -> [StoredTrainingDay] {
        try await trainingDays(t, s)
    }

    @Test(arguments: TestBackend.available)
    func endpointsServeStoredFiguresAndAreEmptyBeforeTheFirstRecompute(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let token = s.accessToken
            // Nothing computed yet: 200, empty figures, computed_at null.
            for path in [
                "/v1/analytics/load", "/v1/analytics/paces", "/v1/analytics/predictions", "/v1/analytics/records",
                "/v1/analytics/efficiency-trends", "/v1/analytics/what-works", "/v1/correlations/what-works",
                "/v1/correlations/what-doesnt-work", "/v1/activities/summary",
            ] {
                let reply = try await t.request(.GET, path, token: token)
                #expect(reply.status == .ok, "\(path): \(reply.text)")
                #expect(reply.json["computed_at"] == .null, "\(path): \(reply.text)")
            }
            #expect(try await t.request(.GET, "/v1/analytics/load", token: token).json["current"] == .null)
            #expect(try await t.request(.GET, "/v1/correlations/what-works", token: token).json["pairs_needed"].double ?? 0 > 0)

            // A 10 km race (marked as one when recorded) and easy runs, with heart rate; then the job.
            let race = try await t.request(
                .POST, "/v1/activities",
                json: Self.run(clock, daysAgo: 10, km: 10, paceSPerKm: 240, avgHR: 170, maxHR: 185).setting("is_race", true),
                token: token)
            let raceID = try #require(race.json["id"].string)
            #expect(race.json["is_race"] == true, "\(race.text)")
            let notABool = Self.run(clock, daysAgo: 11, km: 5, paceSPerKm: 300).setting("is_race", "yes")
            expectError(try await t.request(.POST, "/v1/activities", json: notABool, token: token), .unprocessableEntity)
            for daysAgo in [9, 7, 5, 3, 1] {
                _ = try await t.request(
                    .POST, "/v1/activities", json: Self.run(clock, daysAgo: daysAgo, km: 8, paceSPerKm: 330), token: token)
            }
            // Computed only by the job, never on the request.
            #expect(try await t.request(.GET, "/v1/analytics/paces", token: token).json["computed_at"] == .null)
            await Self.runJobs(t)

            let load = try await t.request(.GET, "/v1/analytics/load", token: token)
            #expect(load.status == .ok)
            #expect(load.json["computed_at"].string != nil)
            #expect(load.json["days"].array.count == 11, "\(load.text)")
            #expect(load.json["current"]["tsb_context"].string != nil)
            #expect(load.json["current"]["date"].string == "\(LocalDate(clock.now(), in: .gmt))")

            let paces = try await t.request(.GET, "/v1/analytics/paces", token: token)
            #expect(paces.json["source"]["kind"] == "race", "\(paces.text)")
            #expect(paces.json["source"]["activity_id"].string == raceID)
            #expect(paces.json["paces"].array.count == 7)
            #expect(paces.json["threshold_pace_source"] == "estimated")
            let vdot = try #require(paces.json["vdot"].double)
            #expect(abs(vdot - RunningFitness.vdot(distanceM: 10_000, timeS: 2_400)) < 0.1)

            let predictions = try await t.request(.GET, "/v1/analytics/predictions", token: token)
            let tenK = try #require(predictions.json["predictions"].array.first { $0["name"] == "10k" })
            #expect(abs((tenK["time_s"].double ?? 0) - 2_400) <= 24, "within 1 % of the race it came from: \(tenK)")
            #expect(tenK["time"] == "0:40:00" || abs((tenK["time_s"].double ?? 0) - 2_400) <= 24)
            #expect(tenK["riegel_time_s"].double != nil)

            let records = try await t.request(.GET, "/v1/analytics/records", token: token)
            let tenKRecord = try #require(records.json["records"].array.first { $0["category"] == "10k" }, "\(records.text)")
            #expect(tenKRecord["activity_id"].string == raceID)
            #expect(tenKRecord["pace"] == "4:00/km")

            // The athlete's units: the same figures as miles.
            _ = try await t.request(.PATCH, "/v1/athlete", json: ["units": "imperial"], token: token)
            let imperial = try await t.request(.GET, "/v1/analytics/records", token: token)
            let imperialTenK = try #require(imperial.json["records"].array.first { $0["category"] == "10k" })
            #expect(imperialTenK["pace"] == "6:26/mi", "\(imperialTenK)")
            #expect(imperialTenK["distance"] == "6.2 mi")
            #expect(imperialTenK["time_s"] == tenKRecord["time_s"])

            let summary = try await t.request(.GET, "/v1/activities/summary", token: token)
            #expect(summary.json["running"]["total_activities"] == 6, "\(summary.text)")
            #expect(summary.json["running"]["race_count"] == 1)
            // Σ time ÷ Σ distance in s/km (the original's was min/mile × 1.609).
            let expectedPace: Double = (2_400.0 + 40.0 * 330.0) / 50.0
            #expect(abs((summary.json["running"]["avg_pace_s_per_km"].double ?? 0) - expectedPace) < 0.1)
            #expect(summary.json["weekly"].array.count == 52)
            #expect(summary.json["periods"]["all_time"]["run_count"] == 6)
            #expect(summary.json["activities_by_sport"]["run"] == 6)

            let trends = try await t.request(.GET, "/v1/analytics/efficiency-trends?days=30", token: token)
            #expect(trends.status == .ok)
            #expect(trends.json["trend_analysis"]["period_days"] == 30)
            #expect(trends.json["summary"]["total_activities"].double == Double(trends.json["time_series"].array.count))
        }
    }

    @Test(arguments: TestBackend.available)
    func deleteAndEditRecomputeWhatDependsOnThem(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let token = s.accessToken
            let fast = try await t.request(
                .POST, "/v1/activities", json: Self.run(clock, daysAgo: 20, km: 5, paceSPerKm: 230), token: token)
            let slower = try await t.request(
                .POST, "/v1/activities", json: Self.run(clock, daysAgo: 12, km: 5, paceSPerKm: 250), token: token)
            let fastID = try #require(fast.json["id"].string)
            let slowerID = try #require(slower.json["id"].string)
            for daysAgo in [15, 8, 4] {
                _ = try await t.request(
                    .POST, "/v1/activities", json: Self.run(clock, daysAgo: daysAgo, km: 8, paceSPerKm: 330), token: token)
            }
            await Self.runJobs(t)
            func fiveK() async throws -> JSON? {
                try await t.request(.GET, "/v1/analytics/records", token: token).json["records"].array.first { $0["category"] == "5k" }
            }
            #expect(try await fiveK()?["activity_id"].string == fastID)
            let flags = try await AnalyticsStore.activityFlags(
                activityIDs: [UUID(uuidString: fastID)!, UUID(uuidString: slowerID)!], on: t.app.db)
            #expect(flags[UUID(uuidString: fastID)!]?.newRecords.contains("5k") == true, "flagged on its activity")
            #expect(flags[UUID(uuidString: slowerID)!]?.newRecords.contains("5k") == false, "not a record when run")
            let before = try await Self.dayRows(t, s)
            let fastDay = LocalDate(clock.now(), in: .gmt).adding(days: -20)

            // Delete the record run: the record falls back to the next best, and its day loses its load.
            #expect(try await t.request(.DELETE, "/v1/activities/\(fastID)", token: token).status == .noContent)
            await Self.runJobs(t)
            #expect(try await fiveK()?["activity_id"].string == slowerID)
            let afterDelete = try await Self.dayRows(t, s)
            #expect(afterDelete.first?.date == fastDay.adding(days: 5), "the series now starts at the first remaining run")
            #expect(afterDelete.count == before.count - 5)
            #expect(try await AnalyticsStore.activityFlags(activityIDs: [UUID(uuidString: fastID)!], on: t.app.db).isEmpty)
            #expect(
                try await AnalyticsStore.activityFlags(activityIDs: [UUID(uuidString: slowerID)!], on: t.app.db)
                    .first?.value.newRecords.contains("5k") == true, "the next best is flagged now")

            // Edit: a longer distance for the same time moves it out of the 5 km band; is_race is stored.
            let patch = try await t.request(
                .PATCH, "/v1/activities/\(slowerID)", json: ["distance_m": 5_600, "is_race": true], token: token)
            #expect(patch.status == .ok, "\(patch.text)")
            #expect(patch.json["is_race"] == true)
            let dayBefore = try #require(try await Self.dayRows(t, s).first { $0.date == fastDay.adding(days: 8) })
            await Self.runJobs(t)
            #expect(try await fiveK() == nil)
            let dayAfter = try #require(try await Self.dayRows(t, s).first { $0.date == fastDay.adding(days: 8) })
            #expect(dayAfter.distanceM == 5_600 && dayBefore.distanceM == 5_000)
            let paces = try await t.request(.GET, "/v1/analytics/paces", token: token)
            #expect(paces.json["source"]["activity_id"].string == slowerID && paces.json["source"]["kind"] == "race")
        }
    }

    @Test(arguments: TestBackend.available)
    func incrementalEqualsFullAndProfileChangesRecomputeEverything(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let token = s.accessToken
            let id = Self.athleteID(s)
            for daysAgo in stride(from: 60, through: 2, by: -1) where daysAgo % 3 != 0 {
                _ = try await t.request(
                    .POST, "/v1/activities",
                    json: Self.run(
                        clock, daysAgo: daysAgo, km: Double(6 + daysAgo % 5), paceSPerKm: Double(300 + daysAgo % 40),
                        avgHR: 140 + daysAgo % 20),
                    token: token)
            }
            await Self.runJobs(t)
            // One old run changed and one new run: recomputed from the old run's day only.
            let service = AnalyticsService(now: clock.now)
            let old = try #require(try await Activity.query(on: t.app.db).sort(\.$startTime).first())
            _ = try await t.request(.PATCH, "/v1/activities/\(old.id!)", json: ["avg_hr": 120], token: token)
            let middle = LocalDate(clock.now(), in: .gmt).adding(days: -30)
            let sql = t.app.db as! any SQLDatabase
            let middleID = try #require(
                try await Activity.query(on: t.app.db).all().first {
                    AnalyticsInputs.localDate($0.startTime, offsetS: $0.utcOffsetS) == middle.adding(days: 1)
                }?.id)
            try await sql.update("activities").set("distance_m", to: SQLBind(9_999.0)).where("id", .equal, SQLBind(middleID)).run()
            let outcome = try await service.recompute(athleteID: id, on: t.app.db)
            #expect(outcome.kind == .incremental)
            #expect(outcome.activitiesRecomputed == 2, "\(outcome)")
            let incremental = try await Self.dayRows(t, s)
            let full = try await service.recompute(athleteID: id, full: true, on: t.app.db)
            #expect(full.kind == .full)
            #expect(try await Self.dayRows(t, s) == incremental, "incremental equals full, bit for bit")
            // Nothing changed: nothing rewritten, the document's time included (the briefing fingerprints it).
            let computedAt = try #require(try await AnalyticsStore.latest(athleteID: id, on: t.app.db)).computedAt
            clock.advance(by: 1)
            let unchanged = try await service.recompute(athleteID: id, on: t.app.db)
            #expect(unchanged.kind == .unchanged && unchanged.daysWritten == 0, "\(unchanged)")
            #expect(try await AnalyticsStore.latest(athleteID: id, on: t.app.db)?.computedAt == computedAt)

            // A profile max HR (and resting HR) change: heart-rate loads everywhere, a full recompute.
            let patch = try await t.request(.PATCH, "/v1/athlete", json: ["max_hr": 190, "resting_hr": 50], token: token)
            #expect(patch.status == .ok && patch.json["max_hr"] == 190, "\(patch.text)")
            #expect(try await t.jobs(athleteID: s.athleteID, kind: .analytics).contains { $0.status == .queued })
            await Self.runJobs(t)
            let doc = try #require(try await AnalyticsStore.latest(athleteID: id, on: t.app.db))
            #expect(doc.heartRate.maxHR == 190 && doc.heartRate.maxHRSource == .profile)
            let flags = try await AnalyticsStore.activityFlags(
                activityIDs: try await Activity.query(on: t.app.db).all().map { try $0.requireID() }, on: t.app.db)
            #expect(flags.values.allSatisfy { $0.loadMethod == .heartRate })
            let afterProfile = try await Self.dayRows(t, s)
            #expect(afterProfile.first?.load != incremental.first?.load, "the first day's load changed too")
            #expect(try await service.recompute(athleteID: id, full: true, on: t.app.db).kind == .full)
            #expect(try await Self.dayRows(t, s) == afterProfile)
        }
    }

    @Test(arguments: TestBackend.available)
    func anotherAthleteCannotSeeOrPatch(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let owner = try await t.register()
            let other = try await t.register()
            let run = try await t.request(
                .POST, "/v1/activities", json: Self.run(clock, daysAgo: 3, km: 10, paceSPerKm: 250), token: owner.accessToken)
            let runID = try #require(run.json["id"].string)
            await Self.runJobs(t)
            let patch = try await t.request(.PATCH, "/v1/activities/\(runID)", json: ["is_race": true], token: other.accessToken)
            expectError(patch, .notFound, code: "not_found")
            #expect(try await t.request(.GET, "/v1/analytics/records", token: other.accessToken).json["records"].array.isEmpty)
            #expect(try await t.request(.GET, "/v1/analytics/load", token: other.accessToken).json["days"].array.isEmpty)
            #expect(!(try await t.request(.GET, "/v1/analytics/records", token: owner.accessToken).json["records"].array.isEmpty))
            #expect(try await t.request(.GET, "/v1/analytics/paces", token: owner.accessToken).status == .ok)
            expectError(try await t.request(.GET, "/v1/analytics/paces"), .unauthorized)
        }
    }

    @Test(arguments: TestBackend.available)
    func consentIsTheSameSwitchAndEveryPostIsAudited(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let token = s.accessToken
            let initial = try await t.request(.GET, "/v1/consent/ai", token: token)
            #expect(initial.json["ai_consent"] == false && initial.json["granted_at"] == .null && initial.json["revoked_at"] == .null)
            let grant = try await t.request(.POST, "/v1/consent/ai", json: ["granted": true], token: token)
            #expect(grant.status == .ok && grant.json["ai_consent"] == true && grant.json["granted_at"].string != nil, "\(grant.text)")
            #expect(try await t.request(.GET, "/v1/athlete", token: token).json["ai_consent"] == true, "the same switch")
            #expect(try await t.queued(s.athleteID).count == 1, "consent enables the briefing, in the same write")
            clock.advance(by: 60)
            let revoke = try await t.request(.POST, "/v1/consent/ai", json: ["granted": false, "source": "settings"], token: token)
            #expect(revoke.json["ai_consent"] == false && revoke.json["revoked_at"].string != nil)
            #expect(revoke.json["granted_at"] == grant.json["granted_at"], "a revocation keeps the grant's time")
            _ = try await t.request(.POST, "/v1/consent/ai", json: ["granted": false], token: token)
            let rows = try await (t.app.db as! any SQLDatabase).raw(
                "SELECT action, result FROM audit_log WHERE actor_id = \(bind: Self.athleteID(s)) ORDER BY created_at"
            ).all().map { (try $0.decode(column: "action", as: String.self), try $0.decode(column: "result", as: String.self)) }
            #expect(rows.map(\.0) == ["ai_consent_granted", "ai_consent_revoked", "ai_consent_revoked"], "\(rows)")
            #expect(rows.map(\.1) == ["consent_prompt", "settings", "consent_prompt"])
            // The source is an allow-list; granted is required.
            expectError(
                try await t.request(.POST, "/v1/consent/ai", json: ["granted": true, "source": "admin"], token: token),
                .unprocessableEntity, code: "validation_error")
            expectError(try await t.request(.POST, "/v1/consent/ai", json: ["source": "settings"], token: token), .unprocessableEntity)
        }
    }

    @Test(arguments: TestBackend.available)
    func badInputIsA422InTheOneShape(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let token = s.accessToken
            let run = try await t.request(
                .POST, "/v1/activities", json: Self.run(clock, daysAgo: 3, km: 10, paceSPerKm: 250), token: token)
            let runID = try #require(run.json["id"].string)
            for path in [
                "/v1/analytics/efficiency-trends?days=6", "/v1/analytics/efficiency-trends?days=366",
                "/v1/analytics/load?from=2026-13-01", "/v1/analytics/load?from=2026-02-01&to=2026-01-01",
                "/v1/analytics/load?from=2000-01-01&to=2026-01-01", "/v1/analytics/load?to=0001-01-01",
                "/v1/correlations/what-works?days=29",
                "/v1/correlations/what-doesnt-work?days=400", "/v1/activities/summary?days=0",
                "/v1/activities/summary?days=366",
            ] {
                expectError(try await t.request(.GET, path, token: token), .unprocessableEntity, code: "validation_error")
            }
            for body: JSON in [
                ["max_hr": 300], ["resting_hr": 10], ["threshold_pace_s_per_km": 60], ["max_hr": 150, "resting_hr": 130],
            ] {
                expectError(try await t.request(.PATCH, "/v1/athlete", json: body, token: token), .unprocessableEntity)
            }
            for body: JSON in [
                ["avg_hr": 500], ["distance_m": -1], ["sport": "flying"], ["is_race": "yes"], ["max_hr": 100],
                ["moving_time_s": 99_999],
            ] {
                expectError(try await t.request(.PATCH, "/v1/activities/\(runID)", json: body, token: token), .unprocessableEntity)
            }
            // Clearing is allowed, and a valid profile shows its anchors.
            let cleared = try await t.request(.PATCH, "/v1/activities/\(runID)", json: ["avg_hr": .null, "max_hr": .null], token: token)
            #expect(cleared.status == .ok && cleared.json["avg_hr"] == .null, "\(cleared.text)")
            let profile = try await t.request(
                .PATCH, "/v1/athlete", json: ["max_hr": 186, "resting_hr": 44, "threshold_pace_s_per_km": 255], token: token)
            #expect(profile.json["threshold_pace_s_per_km"] == 255, "\(profile.text)")
            let clearedProfile = try await t.request(.PATCH, "/v1/athlete", json: ["max_hr": .null], token: token)
            #expect(clearedProfile.json["max_hr"] == .null && clearedProfile.json["resting_hr"] == 44)
        }
    }

    @Test(arguments: TestBackend.available)
    func checkinsFeedTheRestingHeartRateAndEnqueueTheJob(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let token = s.accessToken
            let today = LocalDate(clock.now(), in: .gmt)
            for daysAgo in [6, 5, 4, 3, 2] {
                _ = try await t.request(
                    .POST, "/v1/activities", json: Self.run(clock, daysAgo: daysAgo, km: 8, paceSPerKm: 320, avgHR: 140, maxHR: 176),
                    token: token)
            }
            await Self.runJobs(t)
            #expect(try await t.request(.GET, "/v1/analytics/load", token: token).json["heart_rate"]["resting_hr"] == .null)
            for (daysAgo, resting) in [(3, 52), (2, 48), (1, 50)] {
                let reply = try await t.request(
                    .POST, "/v1/daily-checkin",
                    json: ["date": .string("\(today.adding(days: -daysAgo))"), "resting_hr": .number(Double(resting))],
                    token: token)
                #expect(reply.status.code < 300, "\(reply.text)")
            }
            #expect(try await t.jobs(athleteID: s.athleteID, kind: .analytics).contains { $0.status == .queued }, "a check-in enqueues it")
            await Self.runJobs(t)
            let heartRate = try await t.request(.GET, "/v1/analytics/load", token: token).json["heart_rate"]
            #expect(heartRate["resting_hr"] == 48 && heartRate["resting_hr_source"] == "estimated", "\(heartRate)")
            #expect(heartRate["max_hr"].double != nil && heartRate["max_hr_source"] == "estimated")
            let flags = try await AnalyticsStore.activityFlags(
                activityIDs: try await Activity.query(on: t.app.db).all().map { try $0.requireID() }, on: t.app.db)
            #expect(flags.count == 5 && flags.values.allSatisfy { $0.loadMethod == .heartRate }, "every load recomputed from heart rate")
        }
    }

    @Test(arguments: TestBackend.available)
    func importedFilesGiveBestEffortRecords(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let start = Date().addingTimeInterval(-3 * 86_400)
            let (body, type) = ImportTests.multipart([
                ("run.gpx", Data(ImportTests.gpx(start: start, seconds: 1_500, paceSPerKm: 300).utf8))
            ])
            let imported = try await ImportTests.upload(t, body, contentType: type, token: s.accessToken)
            #expect(imported.status == .created, "\(imported.text)")
            #expect(try await t.jobs(athleteID: s.athleteID, kind: .analytics).count == 1, "an import enqueues it")
            await Self.runJobs(t)
            let records = try await t.request(.GET, "/v1/analytics/records", token: s.accessToken).json["records"].array
            let kilometre = try #require(records.first { $0["category"] == "1k" }, "\(records)")
            #expect(kilometre["source"] == "best_effort")
            #expect(abs((kilometre["time_s"].double ?? 0) - 300) <= 2, "\(kilometre)")
        }
    }

    /// Date-dependent figures move without a write: the scheduler asks for one recompute a day per athlete with
    /// figures, and the series then runs through the new today.
    @Test(arguments: TestBackend.available)
    func theSchedulerRecomputesOnceADay(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.schedulerInterval = 900 }, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let reply = try await t.request(
                .POST, "/v1/activities", json: Self.run(clock, daysAgo: 3, km: 10, paceSPerKm: 300), token: s.accessToken)
            #expect(reply.status == .created, "\(reply.text)")
            await Self.runJobs(t)
            #expect(try await Self.trainingDays(t, s).last?.date == LocalDate(clock.now(), in: .gmt))
            // Within a day of the write's job: nothing to do.
            _ = try await t.services.scheduler.tickIfLeader()
            #expect(try await t.jobs(athleteID: s.athleteID, kind: .analytics).filter { $0.status == .queued }.isEmpty)
            clock.advance(by: 2 * 86400)
            _ = try await t.services.scheduler.tickIfLeader()
            let queued = try await t.jobs(athleteID: s.athleteID, kind: .analytics).filter { $0.status == .queued }
            #expect(queued.map(\.reason) == ["daily"])
            await Self.runJobs(t)
            #expect(try await Self.trainingDays(t, s).last?.date == LocalDate(clock.now(), in: .gmt))
            // The next tick, 15 minutes on, finds the day's job and asks for none.
            clock.advance(by: 901)
            _ = try await t.services.scheduler.tickIfLeader()
            #expect(try await t.jobs(athleteID: s.athleteID, kind: .analytics).filter { $0.status == .queued }.isEmpty)
        }
    }
}
