import Fluent
import Foundation
import LLM
import LLMFakeServer
import SQLKit
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

@Suite("Durable job queue, worker and scheduler")
struct JobQueueTests {
    @Test(arguments: TestBackend.available)
    func everyTriggerEnqueuesWithItsWrite(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.accessTokenTTL = 3600 }, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.registerWithConsent()
            let token = s.accessToken
            let today = LocalDate(clock.now(), in: .gmt)
            let plan = try await t.request(.POST, "/v1/plans", json: PlanTests.plan, token: token)
            let planID = try #require(plan.json["id"].string)
            let workout = try await t.request(
                .POST, "/v1/plans/\(planID)/workouts", json: ["scheduled_date": "\(today)", "workout_type": "easy", "title": "Easy"],
                token: token)
            let workoutID = try #require(workout.json["id"].string)
            let activity = try await t.request(
                .POST, "/v1/activities",
                json: ["start_time": "\(JSONCoding.formatTimestamp(clock.now().addingTimeInterval(-7200)))", "distance_m": 6000],
                token: token)
            let activityID = try #require(activity.json["id"].string)
            let writes: [(String, HTTPMethod, String, JSON?)] = [
                ("checkin", .POST, "/v1/daily-checkin", ["date": "\(today)", "sleep_h": 7]),
                (
                    "activity_created", .POST, "/v1/activities",
                    ["start_time": "\(JSONCoding.formatTimestamp(clock.now().addingTimeInterval(-30000)))", "distance_m": 3000]
                ),
                ("activity_deleted", .DELETE, "/v1/activities/\(activityID)", nil),
                ("plan_changed", .PATCH, "/v1/plans/\(planID)", ["goal_race_date": "2027-05-02"]),
                ("workout_changed", .PATCH, "/v1/plans/\(planID)/workouts/\(workoutID)", ["title": "Easy 6 km"]),
                ("workout_changed", .DELETE, "/v1/plans/\(planID)/workouts/\(workoutID)", nil),
                ("plan_changed", .DELETE, "/v1/plans/\(planID)", nil),
                ("profile_changed", .PATCH, "/v1/athlete", ["units": "imperial"]),
            ]
            for (reason, method, path, body) in writes {
                try await t.clearJobs()
                let reply = try await t.request(method, path, json: body, token: token)
                #expect(reply.status.code < 300, "\(method) \(path): \(reply.text)")
                let jobs = try await t.jobs(athleteID: s.athleteID)
                #expect(jobs.count == 1 && jobs.first?.reason == reason && jobs.first?.status == .queued, "\(reason): \(jobs)")
                #expect(jobs.first?.priority == JobQueue.Priority.trigger.rawValue)
            }
            // Refused writes enqueue nothing.
            try await t.clearJobs()
            expectError(
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "\(today)", "sleep_h": 99], token: token),
                .unprocessableEntity)
            _ = try await t.request(.POST, "/v1/plans", json: PlanTests.plan, token: token)
            try await t.clearJobs()
            expectError(try await t.request(.POST, "/v1/plans", json: PlanTests.plan, token: token), .conflict)
            #expect(try await t.jobs(athleteID: s.athleteID).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func aRolledBackWriteLeavesNoJob(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.registerWithConsent()
            try await t.clearJobs()
            struct Boom: Error {}
            let briefings = t.services.briefings
            let logger = t.app.logger
            let id = UUID(uuidString: s.athleteID)!
            await #expect(throws: Boom.self) {
                try await t.app.db.write(athlete: id) { db in
                    try await briefings.requestRefresh(athleteID: id, priority: .trigger, reason: "checkin", on: db, logger: logger)
                    throw Boom()
                }
            }
            #expect(try await t.jobs().isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func coalescingPrioritiesAndExactlyOneFollowUp(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.registerWithConsent()
            try await t.clearJobs()
            let queue = t.services.jobQueue
            let id = UUID(uuidString: s.athleteID)!
            #expect(try await queue.enqueue(.briefing, athleteID: id, priority: .scheduled, reason: "scheduled", on: t.app.db) == .enqueued)
            #expect(try await queue.enqueue(.briefing, athleteID: id, priority: .pageView, reason: "page_view", on: t.app.db) == .coalesced)
            #expect(try await queue.enqueue(.briefing, athleteID: id, priority: .trigger, reason: "checkin", on: t.app.db) == .coalesced)
            let queued = try await t.queued(s.athleteID)
            #expect(queued.count == 1)
            #expect(queued.first?.priority == JobQueue.Priority.pageView.rawValue, "a merged job keeps the highest priority")

            // A page-view refresh for another athlete goes before a scheduled one.
            let other = try await t.registerWithConsent()
            try await t.clearJobs()
            let otherID = UUID(uuidString: other.athleteID)!
            try await queue.enqueue(.briefing, athleteID: id, priority: .scheduled, reason: "scheduled", on: t.app.db)
            try await queue.enqueue(.briefing, athleteID: otherID, priority: .pageView, reason: "page_view", on: t.app.db)
            let first = try await queue.claim(worker: "w1", limit: 1, lease: 60, on: t.app.db)
            #expect(first.map(\.athleteID) == [otherID])

            // While the athlete's job runs, triggers schedule exactly one follow-up, which waits for the run to end.
            let running = try await queue.claim(worker: "w1", limit: 1, lease: 60, on: t.app.db)
            #expect(running.map(\.athleteID) == [id])
            for _ in 0..<3 { try await queue.enqueue(.briefing, athleteID: id, priority: .trigger, reason: "checkin", on: t.app.db) }
            #expect(try await t.queued(s.athleteID).count == 1)
            #expect(try await queue.claim(worker: "w2", limit: 5, lease: 60, on: t.app.db).isEmpty, "never two at once for one athlete")
            try await queue.complete(running[0], worker: "w1", on: t.app.db)
            let followUp = try await queue.claim(worker: "w2", limit: 5, lease: 60, on: t.app.db)
            #expect(followUp.map(\.athleteID) == [id])
            #expect(followUp.first?.id != running.first?.id)
        }
    }

    @Test(arguments: TestBackend.available)
    func anExpiredLeaseRunsTheJobAgain(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.registerWithConsent()
            let queue = t.services.jobQueue
            // Worker A claims and then "dies" (never finishes or heartbeats).
            let claimed = try await queue.claim(worker: "dead-worker", limit: 1, lease: 30, on: t.app.db)
            #expect(claimed.count == 1)
            #expect(try await queue.claim(worker: "w2", limit: 1, lease: 30, on: t.app.db).isEmpty, "leased")
            clock.advance(by: 31)
            let again = try await queue.claim(worker: "w2", limit: 1, lease: 30, on: t.app.db)
            #expect(again.map(\.id) == claimed.map(\.id))
            #expect(again.first?.attempt == 2)
            // The dead worker's late completion is ignored; the live one's counts.
            try await queue.complete(claimed[0], worker: "dead-worker", on: t.app.db)
            #expect(try await t.jobs(athleteID: s.athleteID).first?.status == .running)
            try await queue.complete(again[0], worker: "w2", on: t.app.db)
            #expect(try await t.jobs(athleteID: s.athleteID).first?.status == .succeeded)
        }
    }

    @Test(arguments: TestBackend.available)
    func aDeadWorkersLockDoesNotBlockTheNextJob(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.registerWithConsent()
            let id = UUID(uuidString: s.athleteID)!
            let queue = t.services.jobQueue
            // A worker claimed the job, took the athlete's lock (120 s) and was killed.
            let dead = try #require(try await queue.claim(worker: "killed", limit: 1, lease: 5, on: t.app.db).first)
            let cache = BriefingCache(cache: t.app.cache, now: clock.now)
            #expect(try await cache.acquireLock(id, holder: dead.id.uuidString))
            clock.advance(by: 6)  // lease gone, lock (120 s) still there
            await t.drainJobs()
            let row = try #require(try await t.jobs(athleteID: s.athleteID).first)
            #expect(row.status == .succeeded, "the lock of a job that is no longer running is taken over: \(row)")
            #expect(row.attempts == 2)
        }
    }

    @Test(arguments: TestBackend.available)
    func retriesBackOffThenTheJobIsDeadWithItsError(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.registerWithConsent()
            let queue = t.services.jobQueue
            for attempt in 1...3 {
                let job = try #require(try await queue.claim(worker: "w", limit: 1, lease: 60, on: t.app.db).first)
                #expect(job.attempt == attempt)
                let outcome = try await queue.fail(job, worker: "w", error: "provider_timeout_deadline (attempt \(attempt))", on: t.app.db)
                let row = try #require(try await t.jobs(athleteID: s.athleteID).first)
                if attempt < 3 {
                    #expect(outcome == .retrying)
                    let delay = row.runAt.timeIntervalSince(clock.now())
                    let base = pow(2, Double(attempt))
                    #expect(delay >= base * 0.5 - 0.01 && delay < base * 1.5 + 0.01, "backoff \(delay) for attempt \(attempt)")
                    #expect(try await queue.claim(worker: "w", limit: 1, lease: 60, on: t.app.db).isEmpty, "not before its backoff")
                    clock.advance(by: base * 1.5 + 0.1)
                } else {
                    #expect(outcome == .dead)
                    #expect(row.status == .dead)
                    #expect(row.lastError == "provider_timeout_deadline (attempt 3)")
                }
            }
            clock.advance(by: 3600)
            #expect(try await queue.claim(worker: "w", limit: 1, lease: 60, on: t.app.db).isEmpty, "dead jobs stay dead")
        }
    }

    @Test(arguments: TestBackend.available)
    func circuitOpensAfterThreeFailuresAndClosesAfterFifteenMinutes(backend: TestBackend) async throws {
        let clock = TestClock()
        try await withFakeLLM(FakeBehaviour(fault: .serverError(status: 500, message: "overloaded"))) { server in
            try await TestApp.with(
                backend,
                config: {
                    $0.useFakeBriefingProvider(server)
                    $0.accessTokenTTL = 7200
                },
                overrides: AppOverrides(now: clock.now)
            ) { t in
                let s = try await t.registerWithConsent()
                let id = UUID(uuidString: s.athleteID)!
                let briefings = t.services.briefings
                for _ in 0..<3 {
                    await t.drainJobs()
                    clock.advance(by: 61)
                    try await briefings.requestRefresh(
                        athleteID: id, priority: .trigger, reason: "checkin", on: t.app.db, logger: t.app.logger)
                }
                #expect(server.requestCount == 3)
                let home = try await t.home(s)
                #expect(home.json["briefing_source"].string == "deterministic")
                #expect(home.json["briefing_is_interim"].bool == true)
                #expect(home.json["fallback_reason"].string == "provider_provider_error")
                // Open: the next enqueue says so and its job makes no provider call.
                clock.advance(by: 61)
                #expect(
                    try await briefings.requestRefresh(
                        athleteID: id, priority: .trigger, reason: "checkin", on: t.app.db, logger: t.app.logger) == .circuitOpen)
                await t.drainJobs()
                #expect(server.requestCount == 3)
                #expect(try await t.home(s).json["fallback_reason"].string == "circuit_open")
                // Fifteen minutes after the last failure it closes; a healthy provider is called again.
                server.setBehaviour(.answer(validBriefingAnswer))
                clock.advance(by: 15 * 60)
                try await t.clearJobs()
                #expect(
                    try await briefings.requestRefresh(
                        athleteID: id, priority: .trigger, reason: "checkin", on: t.app.db, logger: t.app.logger) == .enqueued)
                await t.drainJobs()
                #expect(server.requestCount == 4)
                let healed = try await t.home(s)
                #expect(healed.json["briefing_source"].string == "llm")
                #expect(healed.json["briefing_state"].string == "fresh")
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func twoSchedulersEnqueueOncePerAthletePerTick(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.schedulerInterval = 900 }, overrides: AppOverrides(now: clock.now)) { t in
            var active: [TestApp.Session] = []
            for _ in 0..<3 { active.append(try await t.registerWithConsent()) }
            let idle = try await t.registerWithConsent()
            let noConsent = try await t.register()
            _ = noConsent
            // "Active" = used the app or recorded an activity in the last 24 h. Make `idle` last seen 2 days ago.
            try await (t.app.db as! any SQLDatabase).update("athletes").set(
                "last_seen_at", to: SQLBind(clock.now().addingTimeInterval(-2 * 86400))
            )
            .where("id", .equal, SQLBind(UUID(uuidString: idle.athleteID)!)).run()
            try await t.clearJobs()
            let second = BriefingScheduler(
                interval: 900, database: { t.app.db }, briefings: t.services.briefings, now: clock.now, logger: t.app.logger)
            async let a = t.services.scheduler.tickIfLeader()
            async let b = second.tickIfLeader()
            let results = try await [a, b]
            #expect(results.compactMap { $0 } == [3], "exactly one scheduler ticks: \(results)")
            let jobs = try await t.jobs()
            #expect(jobs.count == 3)
            #expect(Set(jobs.map(\.reason)) == ["scheduled"])
            #expect(try await t.jobs(athleteID: idle.athleteID).isEmpty)
            // Not due again until the interval has passed, whoever asks.
            #expect(try await t.services.scheduler.tickIfLeader() == nil)
            #expect(try await second.tickIfLeader() == nil)
            clock.advance(by: 901)
            let next = try await [t.services.scheduler.tickIfLeader(), second.tickIfLeader()]
            #expect(next.compactMap { $0 } == [3])
        }
    }

    @Test(arguments: TestBackend.available)
    func workerShutdownReleasesWhatItHolds(backend: TestBackend) async throws {
        try await withFakeLLM(FakeBehaviour(fault: .neverAnswer)) { server in
            try await TestApp.with(backend, config: { $0.useFakeBriefingProvider(server, providerTimeout: 20, jobTimeout: 30) }) { t in
                let s = try await t.registerWithConsent()
                let worker = JobWorker(
                    settings: .init(concurrency: 2, jobDeadline: .seconds(30), drain: .milliseconds(300)),
                    database: { t.app.db }, queue: t.services.jobQueue, metrics: t.services.metrics,
                    logger: t.app.logger
                ) { job, db in
                    try await t.services.briefingGenerator.run(
                        athleteID: job.athleteID, jobID: job.id, queue: t.services.jobQueue, db: db, logger: t.app.logger
                    ).rawValue
                }
                #expect(await worker.pollOnce() == 1)
                #expect(await server.waitForRequests(1))
                let clock = ContinuousClock()
                let start = clock.now
                await worker.stop()
                #expect(clock.now - start < .seconds(2), "bounded drain")
                let row = try #require(try await t.jobs(athleteID: s.athleteID).first)
                #expect(row.status == .queued, "released for another worker")
                #expect(row.attempts == 0, "a release does not count as an attempt")
                #expect(await worker.pollOnce() == 0, "a stopped worker claims nothing")
            }
        }
    }
}
