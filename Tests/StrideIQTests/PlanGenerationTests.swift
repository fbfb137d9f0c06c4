import Foundation
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

@Suite("Plan generation: POST /v1/plans/generate and …/preview")
struct PlanGenerationTests {
    /// Today (UTC, the test athletes' zone) and the Sunday that ends the 16th plan week (the plan starts on this
    /// week's Monday).
    struct Days {
        let today: LocalDate
        let monday: LocalDate
        let sixteenthSunday: LocalDate

        init(_ clock: TestClock) {
            today = LocalDate(clock.now(), in: .gmt)
            monday = today.adding(days: -today.weekdayIndexFromMonday)
            sixteenthSunday = monday.adding(days: 15 * 7 + 6)
        }
    }

    static func half(_ days: Days) -> JSON {
        [
            "race_name": "City Half", "race_date": "\(days.sixteenthSunday)", "race_distance": "half_marathon",
            "goal_time_seconds": 6300, "days_per_week": 5, "long_run_day": "sunday", "unavailable_days": ["friday"],
            "current_weekly_distance_m": 35_000,
        ]
    }

    static func run(_ clock: TestClock, daysAgo: Int, distanceM: Double, timeS: Int, sport: String = "run") -> JSON {
        let start = clock.now().addingTimeInterval(-Double(daysAgo) * 86_400)
        return [
            "start_time": "\(JSONCoding.formatTimestamp(start))", "distance_m": .number(distanceM), "moving_time_s": .number(Double(timeS)),
            "sport": "\(sport)",
        ]
    }

    // MARK: generate

    @Test(arguments: TestBackend.available)
    func aSixteenWeekHalfIsSavedAsTheActivePlan(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.accessTokenTTL = 3600 }, overrides: AppOverrides(now: clock.now)) { t in
            let days = Days(clock)
            let s = try await t.registerWithConsent()
            try await t.clearJobs()
            let reply = try await t.request(.POST, "/v1/plans/generate", json: Self.half(days), token: s.accessToken)
            #expect(reply.status == .created, "\(reply.text)")
            let body = reply.json
            let planID = try #require(body["plan_id"].string)
            let plan = body["plan"]
            #expect(plan["id"].string == planID)
            #expect(plan["status"] == "active")
            #expect(plan["name"].string?.isEmpty == false)
            #expect(plan["goal_race_name"] == "City Half")
            #expect(plan["goal_race_date"].string == "\(days.sixteenthSunday)")
            #expect(plan["goal_race_distance_m"].double == 21_097.5)
            #expect(plan["goal_time_seconds"].int == 6300)
            #expect(plan["plan_start_date"].string == "\(days.monday)")
            #expect(plan["plan_end_date"].string == "\(days.sixteenthSunday)")
            #expect(plan["total_weeks"].int == 16)

            // The weeks as built.
            let weeks = body["weeks"].array
            #expect(weeks.count == 16)
            #expect(weeks.first?["start_date"].string == "\(days.monday)")
            #expect(weeks.map { $0["week"].int } == Array(1...16).map { $0 })
            let generated = weeks.flatMap { $0["workouts"].array }
            #expect(generated.count > 60, "16 weeks at 5 days: \(generated.count)")
            #expect(generated.allSatisfy { $0["date"].string.flatMap(LocalDate.init).map { $0 >= days.today } == true })
            #expect(generated.allSatisfy { $0["why"].string?.isEmpty == false })
            #expect(!generated.contains { $0["date"].string.flatMap(LocalDate.init)?.weekdayIndexFromMonday == 4 }, "Friday is unavailable")
            let race = try #require(generated.last)
            #expect(race["workout_type"] == "race" && race["date"].string == "\(days.sixteenthSunday)")
            #expect(Set(weeks.map { $0["phase"].string ?? "" }).isSuperset(of: ["build", "taper"]))
            #expect(body["race"]["name"] == "City Half" && body["race"]["distance_m"].double == 21_097.5)
            #expect(body["race"]["date"].string == "\(days.sixteenthSunday)" && body["race"]["goal_time_seconds"].int == 6300)
            #expect(body["current_weekly_distance_m"].double == 35_000)
            #expect(body["fitness"]["source"] == "goal_time")
            let vdot = RunningFitness.vdot(distanceM: 21_097.5, timeS: 6300)
            #expect(body["fitness"]["vdot"].double == (vdot * 10).rounded() / 10)
            for zone in ["easy", "long", "recovery", "marathon", "threshold", "interval", "repetition"] {
                let pace = body["fitness"]["paces"][zone]
                #expect(
                    (pace["fast_s_per_km"].int ?? 0) > 0 && (pace["fast_s_per_km"].int ?? 0) <= (pace["slow_s_per_km"].int ?? 0), "\(zone)")
            }

            // The saved workouts: one per generated session, with the why as the description.
            let stored = plan["workouts"].array
            #expect(stored.count == generated.count)
            let shown = try await t.request(.GET, "/v1/plans/\(planID)", token: s.accessToken)
            #expect(shown.status == .ok)
            let workouts = shown.json["workouts"].array
            #expect(workouts.count == generated.count)
            for (row, session) in zip(workouts, generated) {
                #expect(row["scheduled_date"] == session["date"])
                #expect(row["workout_type"] == session["workout_type"])
                #expect(row["title"] == session["title"])
                #expect(row["description"] == session["why"])
                #expect(row["phase"] == session["phase"])
                #expect(row["target_distance_m"] == session["distance_m"])
                #expect(row["target_duration_s"] == session["duration_s"])
                #expect(row["target_pace_min_s_per_km"] == session["pace_fast_s_per_km"])
                #expect(row["target_pace_max_s_per_km"] == session["pace_slow_s_per_km"])
                #expect(row["week_number"].int != nil)
            }
            #expect(workouts.last?["workout_type"] == "race" && workouts.last?["scheduled_date"].string == "\(days.sixteenthSunday)")

            // The briefing refresh was enqueued with the write, like any plan write.
            let jobs = try await t.jobs(athleteID: s.athleteID)
            #expect(jobs.count == 1 && jobs.first?.reason == "plan_changed" && jobs.first?.status == .queued, "\(jobs)")

            // Home's today follows the plan.
            let home = try await t.request(.GET, "/v1/home", token: s.accessToken)
            #expect(home.status == .ok)
            if let todays = workouts.first(where: { $0["scheduled_date"].string == "\(days.today)" }) {
                #expect(home.json["today"]["has_workout"] == true)
                #expect(home.json["today"]["workout_id"] == todays["id"])
                #expect(home.json["today"]["workout_type"] == todays["workout_type"])
            } else {
                #expect(home.json["today"]["has_workout"] == false)
            }
            #expect(home.json["race_countdown"]["race_date"].string == "\(days.sixteenthSunday)", "\(home.json["race_countdown"])")

            // A second plan while this one is active: 409, nothing written, nothing enqueued.
            try await t.clearJobs()
            expectError(
                try await t.request(.POST, "/v1/plans/generate", json: Self.half(days), token: s.accessToken), .conflict,
                code: "active_plan_exists")
            #expect(try await t.request(.GET, "/v1/plans", token: s.accessToken).json["plans"].array.count == 1)
            #expect(try await t.jobs(athleteID: s.athleteID).isEmpty)

            // The generated plan is a normal plan: editable with the plan endpoints.
            let edited = try await t.request(
                .PATCH, "/v1/plans/\(planID)/workouts/\(workouts[0]["id"].string ?? "")", json: ["title": "Easy, my way"],
                token: s.accessToken)
            #expect(edited.status == .ok && edited.json["title"] == "Easy, my way")

            // Another athlete sees none of it.
            let other = try await t.register()
            expectError(try await t.request(.GET, "/v1/plans/\(planID)", token: other.accessToken), .notFound)
            #expect(try await t.request(.GET, "/v1/plans", token: other.accessToken).json["plans"].array.isEmpty)
            #expect(try await t.request(.GET, "/v1/home", token: other.accessToken).json["today"]["has_workout"] == false)
            // … and may generate their own.
            #expect(try await t.request(.POST, "/v1/plans/generate", json: Self.half(days), token: other.accessToken).status == .created)

            // With the active plan cancelled, a new one can be generated.
            _ = try await t.request(.PATCH, "/v1/plans/\(planID)", json: ["status": "cancelled"], token: s.accessToken)
            #expect(try await t.request(.POST, "/v1/plans/generate", json: Self.half(days), token: s.accessToken).status == .created)
        }
    }

    @Test(arguments: TestBackend.available)
    func previewComputesTheSamePlanAndStoresNothing(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.accessTokenTTL = 3600 }, overrides: AppOverrides(now: clock.now)) { t in
            let days = Days(clock)
            let s = try await t.registerWithConsent()
            try await t.clearJobs()
            let preview = try await t.request(.POST, "/v1/plans/generate/preview", json: Self.half(days), token: s.accessToken)
            #expect(preview.status == .ok, "\(preview.text)")
            #expect(preview.json["plan_id"].isNull && preview.json.object.keys.contains("plan_id"))
            #expect(preview.json["plan"].isNull && preview.json.object.keys.contains("plan"))
            #expect(preview.json["weeks"].array.count == 16)
            #expect(try await t.request(.GET, "/v1/plans", token: s.accessToken).json["plans"].array.isEmpty)
            #expect(try await t.jobs(athleteID: s.athleteID).isEmpty)

            // The same request saved gives the same weeks.
            let saved = try await t.request(.POST, "/v1/plans/generate", json: Self.half(days), token: s.accessToken)
            #expect(saved.status == .created)
            #expect(saved.json["weeks"] == preview.json["weeks"])
            #expect(saved.json["fitness"] == preview.json["fitness"])
            // A preview with an active plan is still a preview.
            let again = try await t.request(.POST, "/v1/plans/generate/preview", json: Self.half(days), token: s.accessToken)
            #expect(again.status == .ok && again.json["plan_id"].isNull)
            #expect(try await t.request(.GET, "/v1/plans", token: s.accessToken).json["plans"].array.count == 1)
        }
    }

    // MARK: volume and fitness from the athlete's runs

    @Test(arguments: TestBackend.available)
    func volumeAndFitnessComeFromRecentRuns(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.accessTokenTTL = 3600 }, overrides: AppOverrides(now: clock.now)) { t in
            let days = Days(clock)
            let s = try await t.register()
            // 16 runs of 10 km in 60 min within the last 8 weeks: 20 km a week.
            for day in (0..<16).map({ 1 + $0 * 3 }) {
                let reply = try await t.request(
                    .POST, "/v1/activities", json: Self.run(clock, daysAgo: day, distanceM: 10_000, timeS: 3600), token: s.accessToken)
                #expect(reply.status == .created, "\(reply.text)")
            }
            // Not counted in the volume: a fast 5 km 10 weeks ago (it sets the fitness), a ride, a run 13 weeks ago.
            for body in [
                Self.run(clock, daysAgo: 70, distanceM: 5_000, timeS: 1200),
                Self.run(clock, daysAgo: 5, distanceM: 50_000, timeS: 6000, sport: "cycling"),
                Self.run(clock, daysAgo: 92, distanceM: 5_000, timeS: 1000),
                // Too short to judge fitness, however fast.
                Self.run(clock, daysAgo: 75, distanceM: 1_500, timeS: 240),
            ] {
                #expect(try await t.request(.POST, "/v1/activities", json: body, token: s.accessToken).status == .created)
            }
            var request = Self.half(days)
            request = request.setting("current_weekly_distance_m", nil).setting("goal_time_seconds", nil)
            let reply = try await t.request(.POST, "/v1/plans/generate/preview", json: request, token: s.accessToken)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json["current_weekly_distance_m"].double == 20_000)
            #expect(reply.json["notes"].array.contains { $0.string?.contains("last 8 weeks") == true }, "\(reply.json["notes"])")
            #expect(reply.json["fitness"]["source"] == "recent_run")
            let vdot = RunningFitness.vdot(distanceM: 5_000, timeS: 1200)
            #expect(reply.json["fitness"]["vdot"].double == (vdot * 10).rounded() / 10)

            // A goal time takes precedence over the runs; a given volume over the average.
            let goal = try await t.request(
                .POST, "/v1/plans/generate/preview",
                json: request.setting("goal_time_seconds", 5400).setting("current_weekly_distance_m", 42_000), token: s.accessToken)
            #expect(goal.json["fitness"]["source"] == "goal_time")
            #expect(goal.json["fitness"]["vdot"].double == (RunningFitness.vdot(distanceM: 21_097.5, timeS: 5400) * 10).rounded() / 10)
            #expect(goal.json["current_weekly_distance_m"].double == 42_000)
            // Explicit nulls mean "not given".
            let nulls = try await t.request(
                .POST, "/v1/plans/generate/preview",
                json: request.setting("goal_time_seconds", .null).setting("current_weekly_distance_m", .null)
                    .setting("race_name", .null).setting("unavailable_days", .null).setting("race_distance_m", .null),
                token: s.accessToken)
            #expect(nulls.status == .ok, "\(nulls.text)")
            #expect(nulls.json["current_weekly_distance_m"].double == 20_000 && nulls.json["race"]["name"].isNull)

            // A new athlete: no runs, no goal → the default fitness and a conservative start, both noted.
            let fresh = try await t.register()
            let first = try await t.request(.POST, "/v1/plans/generate/preview", json: request, token: fresh.accessToken)
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.json["fitness"]["source"] == "default")
            #expect(first.json["current_weekly_distance_m"].double == PlanGenerationService.conservativeWeeklyM)
            #expect(first.json["notes"].array.contains { $0.string?.contains("conservative") == true }, "\(first.json["notes"])")
        }
    }

    // MARK: refusals

    @Test(arguments: TestBackend.available)
    func aRaceTooCloseIsRefusedWithTheMinimumStated(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.accessTokenTTL = 3600 }, overrides: AppOverrides(now: clock.now)) { t in
            let days = Days(clock)
            let s = try await t.registerWithConsent()
            try await t.clearJobs()
            let minimum = PlanBuilder.minimumWeeks(raceDistanceM: 21_097.5)
            let close = Self.half(days).setting("race_date", "\(days.today.adding(days: 20))")
            for path in ["/v1/plans/generate", "/v1/plans/generate/preview"] {
                let reply = try await t.request(.POST, path, json: close, token: s.accessToken)
                expectError(reply, .unprocessableEntity, code: "plan_too_short")
                let detail = reply.json["detail"].string ?? ""
                #expect(detail.contains("half marathon plan needs at least \(minimum) weeks"), "\(detail)")
                #expect(reply.json["errors"][0]["field"] == "race_date")
            }
            let odd = try await t.request(
                .POST, "/v1/plans/generate/preview",
                json: close.setting("race_distance", nil).setting("race_distance_m", 8_000).setting("goal_time_seconds", nil),
                token: s.accessToken)
            if odd.status == .unprocessableEntity {
                #expect(odd.json["detail"].string?.hasPrefix("An 8 km plan needs at least") == true, "\(odd.text)")
            }
            #expect(try await t.request(.GET, "/v1/plans", token: s.accessToken).json["plans"].array.isEmpty)
            #expect(try await t.jobs(athleteID: s.athleteID).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func everyBadFieldIsListed(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.accessTokenTTL = 3600 }, overrides: AppOverrides(now: clock.now)) { t in
            let days = Days(clock)
            let s = try await t.register()
            func fields(_ body: JSON, path: String = "/v1/plans/generate") async throws -> [String] {
                let reply = try await t.request(.POST, path, json: body, token: s.accessToken)
                expectError(reply, .unprocessableEntity, code: "validation_error")
                return reply.json["errors"].array.compactMap { $0["field"].string }
            }
            #expect(try await fields([:]) == ["race_date", "race_distance", "days_per_week", "long_run_day"])
            let bad: JSON = [
                "race_name": "", "race_date": "2027-02-30", "race_distance": "ultra", "goal_time_seconds": 10,
                "days_per_week": 9, "long_run_day": "funday", "unavailable_days": ["monday", "someday", "monday"],
                "current_weekly_distance_m": -5, "peak_weekly_distance_min_m": 90_000, "peak_weekly_distance_max_m": 60_000,
            ]
            #expect(
                try await fields(bad) == [
                    "race_name", "race_date", "race_distance", "goal_time_seconds", "days_per_week", "long_run_day",
                    "unavailable_days[1]", "unavailable_days[2]", "current_weekly_distance_m", "peak_weekly_distance_max_m",
                ])
            let good = Self.half(days)
            #expect(try await fields(good.setting("race_distance_m", 21_097.5)) == ["race_distance_m"])
            #expect(try await fields(good.setting("race_distance", nil).setting("race_distance_m", 500)) == ["race_distance_m"])
            #expect(try await fields(good.setting("race_distance", nil).setting("race_distance_m", 150_000)) == ["race_distance_m"])
            #expect(try await fields(good.setting("unavailable_days", ["sunday"])) == ["unavailable_days"])
            #expect(try await fields(good.setting("unavailable_days", ["monday", "tuesday", "wednesday"])) == ["unavailable_days"])
            #expect(try await fields(good.setting("race_date", "\(days.today)")) == ["race_date"])
            #expect(
                try await fields(good.setting("race_date", "\(days.today.adding(days: -3))"), path: "/v1/plans/generate/preview") == [
                    "race_date"
                ])
            #expect(try await fields(good.setting("race_date", "\(days.today.adding(days: 800))")) == ["race_date"])
            #expect(try await fields(good.setting("goal_time_seconds", 600)) == ["goal_time_seconds"], "a 10-minute half is not a goal")
            #expect(try await fields(good.setting("days_per_week", nil).setting("plan", "x")) == ["plan"])
            #expect(try await fields(good.setting("days_per_week", .null)) == ["days_per_week"])
            #expect(try await t.request(.GET, "/v1/plans", token: s.accessToken).json["plans"].array.isEmpty)
            expectError(try await t.request(.POST, "/v1/plans/generate", json: good), .unauthorized)
            expectError(try await t.request(.POST, "/v1/plans/generate", raw: "{", token: s.accessToken), .badRequest, code: "invalid_json")
        }
    }

    // MARK: the document

    @Test func bothOperationsAreDocumentedAndTheirResponsesConform() async throws {
        let clock = TestClock()
        try await TestApp.with(.sqlite, config: { $0.accessTokenTTL = 3600 }, overrides: AppOverrides(now: clock.now)) { t in
            let document = try await OpenAPITests.served(t)
            for (path, id) in [("/v1/plans/generate", "generatePlan"), ("/v1/plans/generate/preview", "previewGeneratedPlan")] {
                let operation = document["paths"][path]["post"]
                #expect(operation["operationId"].string == id)
                #expect(
                    operation["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/PlanGenerateRequest")
            }
            #expect(
                document["paths"]["/v1/plans/generate"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
                    == "#/components/schemas/PlanGeneration")
            let conformance = Conformance(document: document)
            func call(_ path: String, _ body: JSON?, token: String?, sourceLocation: SourceLocation = #_sourceLocation) async throws
                -> Reply
            {
                let reply = try await t.request(.POST, path, json: body, token: token)
                conformance.expect(reply, .POST, path, sourceLocation: sourceLocation)
                return reply
            }
            let days = Days(clock)
            let s = try await t.register()
            let token = s.accessToken
            // Runs, so the fitness and volume come from them.
            for day in [2, 9, 16] {
                _ = try await t.request(
                    .POST, "/v1/activities", json: Self.run(clock, daysAgo: day, distanceM: 8_000, timeS: 2800), token: token)
            }
            let fromRuns = Self.half(days).setting("goal_time_seconds", nil).setting("current_weekly_distance_m", nil).setting(
                "race_name", nil)
            #expect(try await call("/v1/plans/generate/preview", fromRuns, token: token).status == .ok)
            #expect(try await call("/v1/plans/generate/preview", Self.half(days), token: token).status == .ok)
            #expect(try await call("/v1/plans/generate", Self.half(days), token: token).status == .created)
            #expect(try await call("/v1/plans/generate", Self.half(days), token: token).status == .conflict)
            let tooShort = Self.half(days).setting("race_date", "\(days.today.adding(days: 10))")
            #expect(try await call("/v1/plans/generate", tooShort, token: token).json["code"] == "plan_too_short")
            #expect(try await call("/v1/plans/generate/preview", tooShort, token: token).json["code"] == "plan_too_short")
            #expect(try await call("/v1/plans/generate", ["days_per_week": 2], token: token).status == .unprocessableEntity)
            #expect(try await call("/v1/plans/generate/preview", nil, token: token).status == .unprocessableEntity)
            #expect(try await call("/v1/plans/generate", Self.half(days), token: nil).status == .unauthorized)
            let fresh = try await t.register()
            #expect(try await call("/v1/plans/generate", fromRuns, token: fresh.accessToken).status == .created)
            #expect(conformance.checked.count == 10)
        }
    }
}
