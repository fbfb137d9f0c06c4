import Foundation
import Testing
import Vapor

@testable import StrideIQ

@Suite("Training plans and workouts")
struct PlanTests {
    static let plan: JSON = [
        "name": "Spring marathon", "status": "active", "goal_race_name": "City Marathon", "goal_race_date": "2027-04-18",
        "goal_race_distance_m": 42195, "goal_time_seconds": 11700, "plan_start_date": "2026-12-07",
        "plan_end_date": "2027-04-18", "total_weeks": 19,
    ]

    /// A workout removed while its plan is being deleted: the route has loaded both, then the plan goes (another
    /// request), then the removal runs. It must be the 404 of a workout never there, not a 500 from the removal's
    /// history row pointing at a deleted plan (the API fuzzer found that interleaving).
    @Test(arguments: TestBackend.available)
    func removingAWorkoutOfAPlanDeletedMeanwhileIsA404(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let planID = try #require(try await t.request(.POST, "/v1/plans", json: Self.plan, token: s.accessToken).json["id"].string)
            let workout: JSON = ["scheduled_date": "2026-12-08", "week_number": 1, "workout_type": "easy", "title": "Easy 8 km"]
            let created = try await t.request(.POST, "/v1/plans/\(planID)/workouts", json: workout, token: s.accessToken)
            let workoutID = try #require(created.json["id"].string.flatMap(UUID.init(uuidString:)))
            // What the route holds after loading them.
            let service = PlanService(trigger: BriefingTrigger(briefings: t.app.briefings, logger: t.app.logger))
            let athlete = try #require(try await Athlete.find(UUID(uuidString: s.athleteID), on: t.app.db))
            let plan = try await service.owned(try #require(UUID(uuidString: planID)), athleteID: athlete.requireID(), on: t.app.db)
            let loaded = try await service.ownedWorkout(workoutID, in: plan, on: t.app.db)

            #expect(try await t.request(.DELETE, "/v1/plans/\(planID)", token: s.accessToken).status == .noContent)
            await #expect {
                try await service.delete(loaded, of: plan, athlete: athlete, on: t.app.db)
            } throws: { error in
                (error as? APIError)?.status == .notFound
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func planLifecycleWithWorkouts(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let created = try await t.request(.POST, "/v1/plans", json: Self.plan, token: s.accessToken)
            #expect(created.status == .created, "\(created.text)")
            let planID = try #require(created.json["id"].string)
            #expect(created.json["goal_race_distance_m"].double == 42195)
            // At most one active plan.
            let second = try await t.request(.POST, "/v1/plans", json: Self.plan.setting("name", "Another"), token: s.accessToken)
            expectError(second, .conflict, code: "active_plan_exists")
            #expect(
                try await t.request(.POST, "/v1/plans", json: Self.plan.setting("status", "draft"), token: s.accessToken).status == .created
            )
            #expect(try await t.request(.GET, "/v1/plans", token: s.accessToken).json["plans"].array.count == 2)

            let workout: JSON = [
                "scheduled_date": "2026-12-08", "week_number": 1, "workout_type": "easy", "title": "Easy 8 km",
                "phase": "base", "target_distance_m": 8000, "target_pace_min_s_per_km": 330, "target_pace_max_s_per_km": 360,
            ]
            let w = try await t.request(.POST, "/v1/plans/\(planID)/workouts", json: workout, token: s.accessToken)
            #expect(w.status == .created, "\(w.text)")
            let workoutID = try #require(w.json["id"].string)
            expectError(
                try await t.request(.POST, "/v1/plans/\(planID)/workouts", json: workout.setting("title", "Again"), token: s.accessToken),
                .conflict, code: "workout_date_taken")
            expectError(
                try await t.request(
                    .POST, "/v1/plans/\(planID)/workouts",
                    json: workout.setting("scheduled_date", "2026-12-09").setting("target_pace_min_s_per_km", 400), token: s.accessToken),
                .unprocessableEntity)
            expectError(
                try await t.request(
                    .POST, "/v1/plans/\(planID)/workouts",
                    json: workout.setting("scheduled_date", "2026-12-09").setting("workout_type", "jogging"), token: s.accessToken),
                .unprocessableEntity)
            expectError(
                try await t.request(.POST, "/v1/plans/\(planID)/workouts", json: ["scheduled_date": "2026-12-10"], token: s.accessToken),
                .unprocessableEntity)

            let patched = try await t.request(
                .PATCH, "/v1/plans/\(planID)/workouts/\(workoutID)",
                json: ["title": "Easy 10 km", "target_distance_m": 10000, "coach_notes": nil], token: s.accessToken)
            #expect(patched.status == .ok)
            #expect(patched.json["title"].string == "Easy 10 km")
            #expect(patched.json["workout_type"].string == "easy")
            #expect(patched.json["target_pace_min_s_per_km"].int == 330)
            // A patch that would make the pace range inverted is refused and changes nothing.
            expectError(
                try await t.request(
                    .PATCH, "/v1/plans/\(planID)/workouts/\(workoutID)", json: ["target_pace_max_s_per_km": 300], token: s.accessToken),
                .unprocessableEntity)

            let shown = try await t.request(.GET, "/v1/plans/\(planID)", token: s.accessToken)
            #expect(shown.json["workouts"].array.count == 1)
            #expect(shown.json["workouts"][0]["target_pace_max_s_per_km"].int == 360)

            let renamed = try await t.request(
                .PATCH, "/v1/plans/\(planID)", json: ["goal_race_date": "2027-04-25", "goal_time_seconds": nil], token: s.accessToken)
            #expect(renamed.json["goal_race_date"].string == "2027-04-25")
            #expect(renamed.json["goal_time_seconds"].isNull)
            expectError(
                try await t.request(.PATCH, "/v1/plans/\(planID)", json: ["plan_end_date": "2026-12-01"], token: s.accessToken),
                .unprocessableEntity)
            expectError(
                try await t.request(.PATCH, "/v1/plans/\(planID)", json: ["goal_race_distance_m": 50], token: s.accessToken),
                .unprocessableEntity)

            #expect(try await t.request(.DELETE, "/v1/plans/\(planID)/workouts/\(workoutID)", token: s.accessToken).status == .noContent)
            expectError(try await t.request(.DELETE, "/v1/plans/\(planID)/workouts/\(workoutID)", token: s.accessToken), .notFound)
            #expect(try await t.request(.DELETE, "/v1/plans/\(planID)", token: s.accessToken).status == .noContent)
            expectError(try await t.request(.GET, "/v1/plans/\(planID)", token: s.accessToken), .notFound)
            // With the active plan gone, another may be activated.
            #expect(try await t.request(.POST, "/v1/plans", json: Self.plan, token: s.accessToken).status == .created)
        }
    }

    @Test(arguments: TestBackend.available)
    func anotherAthletesPlanIsNotFound(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let owner = try await t.register()
            let intruder = try await t.register()
            let planID = try #require(try await t.request(.POST, "/v1/plans", json: Self.plan, token: owner.accessToken).json["id"].string)
            let w = try await t.request(
                .POST, "/v1/plans/\(planID)/workouts", json: ["scheduled_date": "2026-12-08", "workout_type": "long", "title": "Long run"],
                token: owner.accessToken)
            let workoutID = try #require(w.json["id"].string)
            expectError(try await t.request(.GET, "/v1/plans/\(planID)", token: intruder.accessToken), .notFound)
            expectError(try await t.request(.PATCH, "/v1/plans/\(planID)", json: ["name": "mine"], token: intruder.accessToken), .notFound)
            expectError(try await t.request(.DELETE, "/v1/plans/\(planID)", token: intruder.accessToken), .notFound)
            expectError(
                try await t.request(
                    .POST, "/v1/plans/\(planID)/workouts", json: ["scheduled_date": "2026-12-09", "workout_type": "easy", "title": "x"],
                    token: intruder.accessToken), .notFound)
            expectError(
                try await t.request(.PATCH, "/v1/plans/\(planID)/workouts/\(workoutID)", json: ["title": "x"], token: intruder.accessToken),
                .notFound)
            expectError(try await t.request(.DELETE, "/v1/plans/\(planID)/workouts/\(workoutID)", token: intruder.accessToken), .notFound)
            // The intruder's own active plan is unaffected by the owner's.
            #expect(try await t.request(.POST, "/v1/plans", json: Self.plan, token: intruder.accessToken).status == .created)
            #expect(try await t.request(.GET, "/v1/plans/\(planID)", token: owner.accessToken).json["name"].string == "Spring marathon")
        }
    }
}
