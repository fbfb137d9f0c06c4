import Foundation
import LLM
import LLMFakeServer
import SQLKit
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

@Suite("Home and the precomputed briefing")
struct HomeTests {
    @Test(arguments: TestBackend.available)
    func homeIsTheDeterministicPayloadPlusBriefingFields(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let reply = try await t.home(s)
            #expect(reply.status == .ok)
            for key in [
                "today", "yesterday", "week", "race_countdown", "checkin_needed", "today_checkin", "last_run",
                "has_any_activities", "total_activities", "coach_briefing", "briefing_state", "briefing_is_interim",
                "briefing_last_updated_at", "briefing_source",
            ] {
                #expect(reply.json.object.keys.contains(key), "missing \(key)")
            }
            // No AI consent: no briefing, no job.
            #expect(reply.json["briefing_state"].string == "consent_required")
            #expect(reply.json["week"]["days"].array.count == 7)
            #expect(reply.json["week"]["status"].string == "no_plan")
            #expect(try await t.jobs().isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func briefingFlowsFromTriggerThroughWorkerToFresh(backend: TestBackend) async throws {
        let clock = TestClock()
        try await withFakeLLM { server in
            try await TestApp.with(backend, config: { $0.useFakeBriefingProvider(server) }, overrides: AppOverrides(now: clock.now)) { t in
                let s = try await t.registerWithConsent()
                await t.drainJobs()
                let checkin = try await t.request(
                    .POST, "/v1/daily-checkin", json: ["date": "\(LocalDate(Date(), in: .gmt))", "sleep_h": 7.5], token: s.accessToken)
                #expect(checkin.status == .created)
                // The check-in enqueued a refresh in its transaction: home says so without waiting.
                #expect(try await t.home(s).json["briefing_state"].string == "refreshing")
                // Inside the athlete's 60 s cooldown the job waits (deferred, not dropped) …
                await t.drainJobs()
                #expect(try await t.queued(s.athleteID).count == 1)
                // … and runs when it ends.
                clock.advance(by: 61)
                await t.drainJobs()
                let home = try await t.home(s)
                #expect(home.json["briefing_state"].string == "fresh")
                #expect(home.json["briefing_source"].string == "llm")
                #expect(home.json["briefing_is_interim"].bool == false)
                #expect(home.json["coach_briefing"]["morning_voice"].string?.contains("24.3 km") == true)
                #expect(home.json["fallback_reason"].isNull)
                // The same data and a fresh model briefing: a refresh makes no model call.
                let calls = server.requestCount
                try await t.services.briefings.requestRefresh(
                    athleteID: UUID(uuidString: s.athleteID)!, priority: .trigger, reason: "test", on: t.app.db, logger: t.app.logger)
                clock.advance(by: 61)
                await t.drainJobs()
                #expect(server.requestCount == calls)
                #expect(t.services.metrics.value("job_results_total", ["kind": "briefing", "result": "unchanged"]) == 1)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func homeAnswersWhileTheProviderHangs(backend: TestBackend) async throws {
        try await withFakeLLM(FakeBehaviour(fault: .neverAnswer)) { server in
            try await TestApp.with(backend, config: { $0.useFakeBriefingProvider(server, providerTimeout: 3, jobTimeout: 4) }) { t in
                let s = try await t.registerWithConsent()
                // Only the briefing job: the analytics job the consent's write also queued would share the poll
                // (and the machine) with it, and this test times the provider, not the figures.
                try await (t.app.db as! any SQLDatabase).raw("DELETE FROM jobs WHERE kind = 'analytics'").run()
                // A job is in flight against a provider that never answers (3 s provider timeout).
                #expect(await t.services.worker.pollOnce() == 1)
                #expect(await server.waitForRequests(1))
                let clock = ContinuousClock()
                let start = clock.now
                let home = try await t.home(s)
                #expect(clock.now - start < .milliseconds(1500), "home does not wait for the 3 s provider")
                #expect(home.status == .ok)
                #expect(home.json["briefing_state"].string == "refreshing")
                #expect(home.json["week"]["days"].array.count == 7)
                // The job ends at its deadline and leaves the deterministic briefing, marked interim.
                while t.services.worker.inFlightCount > 0 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(clock.now - start < .seconds(5))
                let after = try await t.home(s)
                #expect(after.json["briefing_source"].string == "deterministic")
                #expect(after.json["briefing_is_interim"].bool == true)
                #expect(after.json["fallback_reason"].string?.hasPrefix("provider_timeout") == true)
                #expect(try await t.jobs(athleteID: s.athleteID).first?.lastError?.contains("timeout") == true)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func homeAnswersWhenTheJobsTableAndCacheAreUnavailable(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.registerWithConsent()
            try await (t.app.db as! any SQLDatabase).raw("DROP TABLE jobs").run()
            let home = try await t.home(s)
            #expect(home.status == .ok)
            #expect(home.json["briefing_state"].string == "missing")
            #expect(home.json["total_activities"].int == 0)
        }
        try await TestApp.with(.sqlite, overrides: AppOverrides(cache: BrokenCache())) { t in
            let s = try await t.register()
            _ = try await t.request(.PATCH, "/v1/athlete", json: ["ai_consent": true], token: s.accessToken)
            let home = try await t.home(s)
            #expect(home.status == .ok)
            #expect(home.json["briefing_state"].string == "missing")
        }
    }

    @Test(arguments: TestBackend.available)
    func stateBoundariesAndFingerprint(backend: TestBackend) async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_795_953_600))  // 2026-11-29 12:00 UTC
        try await TestApp.with(backend, config: { $0.accessTokenTTL = 3600 }, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.registerWithConsent()
            await t.drainJobs()  // offline provider: a deterministic, non-interim briefing for the current data
            try await t.clearJobs()
            func state() async throws -> String? {
                let reply = try await t.request(.GET, "/v1/home/briefing", token: s.accessToken)
                let state = reply.json["briefing_state"].string
                try await t.clearJobs()  // the read may have asked for a refresh; forget it for the next step
                return state
            }
            #expect(try await state() == "fresh")
            clock.advance(by: 14 * 60 + 59)
            #expect(try await state() == "fresh")
            clock.advance(by: 1)  // 15:00
            #expect(try await state() == "refreshing", "a stale entry asks for a refresh")
            #expect(t.services.metrics.value("briefing_enqueue_total", ["reason": "page_view", "result": "enqueued"]) >= 1)
        }
        // Pure boundaries (no refresh side effects).
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        let entry = BriefingEntry(
            payload: .init(
                morningVoice: "a", coachNoticed: "b", todayContext: "c", weekAssessment: "d",
                checkinReaction: nil, raceAssessment: nil, workoutWhy: nil),
            generatedAt: t0, sourceModel: "m", briefingSource: .llm, isInterim: false, dataFingerprint: "fp")
        func state(after seconds: TimeInterval, fingerprint: String = "fp", pending: Bool = false) -> BriefingState {
            BriefingFreshness.state(
                entry: entry, currentFingerprint: fingerprint, jobPending: pending, consent: true,
                now: t0.addingTimeInterval(seconds)
            ).0
        }
        #expect(state(after: 14 * 60 + 59) == .fresh)
        #expect(state(after: 15 * 60) == .stale)
        #expect(state(after: 59 * 60 + 59) == .stale)
        #expect(state(after: 60 * 60) == .missing)
        #expect(state(after: 60, fingerprint: "newer") == .stale, "a newer fingerprint is never fresh")
        #expect(state(after: 60, pending: true) == .fresh, "a pending job does not make a fresh entry less fresh")
        #expect(state(after: 16 * 60, pending: true) == .refreshing)
        #expect(state(after: 60, fingerprint: "newer", pending: true) == .refreshing)
    }

    @Test(arguments: TestBackend.available)
    func newerDataMakesTheBriefingNotFresh(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.registerWithConsent()
            await t.drainJobs()
            #expect(try await t.home(s).json["briefing_state"].string == "fresh")
            try await t.clearJobs()
            _ = try await t.request(
                .POST, "/v1/activities",
                json: ["start_time": "\(JSONCoding.formatTimestamp(Date().addingTimeInterval(-3600)))", "distance_m": 5000],
                token: s.accessToken)
            let home = try await t.home(s)
            #expect(home.json["briefing_state"].string != "fresh")
            #expect(home.json["coach_briefing"].isNull == false, "the previous briefing still shows while it refreshes")
            clock.advance(by: 61)
            await t.drainJobs()
            let refreshed = try await t.home(s)
            #expect(refreshed.json["briefing_state"].string == "fresh")
            #expect(refreshed.json["coach_briefing"]["coach_noticed"].string?.contains("5.0 km") == true)
        }
    }

    @Test(arguments: TestBackend.available)
    func briefingEndpointHasAnETag(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.registerWithConsent()
            await t.drainJobs()
            let first = try await t.request(.GET, "/v1/home/briefing", token: s.accessToken)
            #expect(first.status == .ok)
            let etag = try #require(first.headers.first(name: .eTag))
            #expect(first.json["briefing_state"].string == "fresh")
            #expect(first.json["today"].isNull && first.json.object["today"] == nil, "only the briefing fields")
            let again = try await t.request(.GET, "/v1/home/briefing", token: s.accessToken, headers: [("If-None-Match", etag)])
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)
            let other = try await t.request(.GET, "/v1/home/briefing", token: s.accessToken, headers: [("If-None-Match", "\"nope\"")])
            #expect(other.status == .ok)
        }
    }

    /// The write that asks for a briefing also queues the analytics job. The briefing job runs that recompute
    /// itself when it is still pending, so the briefing cites figures that include the write.
    @Test(arguments: TestBackend.available)
    func theBriefingRefreshesTheFiguresItCites(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.registerWithConsent()
            await t.drainJobs()
            let today = LocalDate(Date(), in: .gmt)
            let created = try await t.request(
                .POST, "/v1/activities",
                json: ["start_time": "\(today)T00:00:00Z", "sport": "run", "distance_m": 10000, "moving_time_s": 3000],
                token: s.accessToken)
            #expect(created.status == .created)
            #expect(try await t.jobs(athleteID: s.athleteID, kind: .analytics).contains { $0.status == .queued })
            // The briefing job alone (the worker is not polled, so the analytics job stays queued).
            let outcome = try await t.services.briefingGenerator.run(
                athleteID: UUID(uuidString: s.athleteID)!, jobID: UUID(), queue: t.services.jobQueue, db: t.app.db,
                logger: t.app.logger)
            #expect(outcome == .deterministic)
            let home = try await t.home(s)
            #expect(home.json["week"]["tsb_context"].string != nil, "the figures were computed")
            let voice = home.json["coach_briefing"]["morning_voice"].string ?? ""
            #expect(voice.hasPrefix("You're") && voice.contains("(form "), "the briefing leads with them: \(voice)")
        }
    }

    /// A stored document this build cannot read (another version of its type) shows no figures; home and the
    /// coach's context still answer.
    @Test(arguments: TestBackend.available)
    func anUnreadableAnalyticsDocumentShowsNoFigures(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            try await (t.app.db as! any SQLDatabase).raw(
                """
                INSERT INTO athlete_analytics (athlete_id, document, computed_at, inputs_fingerprint)
                VALUES (\(bind: UUID(uuidString: s.athleteID)!), '{"version": 99}', \(bind: Date()), 'x')
                """
            ).run()
            let home = try await t.home(s)
            #expect(home.status == .ok)
            #expect(home.json["week"]["tsb_context"].isNull && home.json["coach_noticed"].isNull)
            let context = try await t.request(.GET, "/v1/coach/context", token: s.accessToken)
            #expect(context.status == .ok)
            #expect(context.json["context"].string?.contains("- none yet") == true)
        }
    }

    @Test(arguments: TestBackend.available)
    func adminRefreshIsForAdminsAndAudited(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let athlete = try await t.registerWithConsent()
            let admin = try await t.register()
            try await t.setRole("admin", athleteID: admin.athleteID)
            try await t.clearJobs()
            expectError(
                try await t.request(.POST, "/v1/home/admin/briefing-refresh/\(admin.athleteID)", token: athlete.accessToken), .forbidden,
                code: "forbidden")
            let accepted = try await t.request(.POST, "/v1/home/admin/briefing-refresh/\(athlete.athleteID)", token: admin.accessToken)
            #expect(accepted.status == .accepted)
            #expect(accepted.json["status"].string == "enqueued")
            #expect(accepted.json["athlete_id"].string == athlete.athleteID)
            #expect(try await t.queued(athlete.athleteID).count == 1)
            expectError(try await t.request(.POST, "/v1/home/admin/briefing-refresh/\(UUID())", token: admin.accessToken), .notFound)
            let audit = try await (t.app.db as! any SQLDatabase).raw(
                "SELECT actor_id, target_id, result FROM audit_log WHERE action = 'home_briefing.admin_refresh' ORDER BY created_at"
            ).all()
            let results = try audit.map { try $0.decode(column: "result", as: String.self) }
            #expect(results.count == 3 && results.contains("forbidden") && results.contains("not_found"))
            #expect(results.contains { ["enqueued", "cooldown"].contains($0) }, "the accepted call records its enqueue result")
            let actors = try Set(audit.map { try $0.decode(column: "actor_id", as: UUID.self).uuidString })
            #expect(actors == [athlete.athleteID, admin.athleteID])
        }
    }
}
