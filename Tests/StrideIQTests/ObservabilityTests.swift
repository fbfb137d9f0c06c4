import AsyncHTTPClient
import Foundation
import LLM
import LLMFakeServer
import Logging
import NIOCore
import StrideIQCore
import Synchronization
import Testing
import Vapor

@testable import StrideIQ

/// `/metrics`, request ids and the per-request log line. Every metric is read the way Prometheus reads it:
/// by scraping `/metrics` and parsing the text.
@Suite("Operations: metrics and logs")
struct ObservabilityTests {
    @Test(arguments: TestBackend.available)
    func httpRequestsAreCountedByRouteTemplateAndStatus(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let first = try await t.request(.GET, "/metrics")
            #expect(first.status == .ok)
            #expect(first.headers.first(name: .contentType) == "text/plain; version=0.0.4; charset=utf-8")

            _ = try await t.request(.GET, "/ping")
            _ = try await t.request(.GET, "/ping")
            let probe = "probe-\(UUID().uuidString.prefix(8))"
            #expect(try await t.request(.GET, "/\(probe)").status == .notFound)
            let s = try await t.register()
            let activity = try await t.request(
                .POST, "/v1/activities",
                json: [
                    "sport": "run", "start_time": "2026-11-20T07:00:00Z", "duration_s": 1800, "distance_m": 5000,
                ], token: s.accessToken)
            #expect(activity.status == .created, "\(activity.text)")
            let id = try #require(activity.json["id"].string)
            #expect(try await t.request(.GET, "/v1/activities/\(id)", token: s.accessToken).status == .ok)
            #expect(try await t.request(.GET, "/v1/activities/\(UUID())", token: s.accessToken).status == .notFound)

            let scrape = try await t.scrape()
            let ping = ["method": "GET", "route": "/ping", "status": "200"]
            #expect(scrape.value("http_requests_total", ping) == 2)
            #expect(scrape.value("http_request_duration_seconds_count", ping) == 2)
            #expect(scrape.value("http_request_duration_seconds_sum", ping) > 0)
            #expect(scrape.value("http_request_duration_seconds_bucket", ping.merging(["le": "+Inf"]) { $1 }) == 2)
            #expect(scrape.value("http_requests_total", ["method": "GET", "route": "unmatched", "status": "404"]) == 1)
            #expect(scrape.value("http_requests_total", ["method": "POST", "route": "/v1/auth/register", "status": "201"]) == 1)
            // Ids never become label values: the route template does.
            let show = "/v1/activities/:activity_id"
            #expect(scrape.value("http_requests_total", ["method": "GET", "route": show, "status": "200"]) == 1)
            #expect(scrape.value("http_requests_total", ["method": "GET", "route": show, "status": "404"]) == 1)
            #expect(!scrape.text.contains(probe) && !scrape.text.contains(id))
            // The first scrape itself was counted.
            #expect(scrape.value("http_requests_total", ["method": "GET", "route": "/metrics", "status": "200"]) == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func briefingAndJobMetricsMoveWithTheirEvents(backend: TestBackend) async throws {
        let clock = TestClock()
        try await withFakeLLM { server in
            try await TestApp.with(backend, config: { $0.useFakeBriefingProvider(server) }, overrides: AppOverrides(now: clock.now)) { t in
                let s = try await t.registerWithConsent()  // the consent change enqueues a refresh
                let athleteID = UUID(uuidString: s.athleteID)!
                func refresh() async throws -> BriefingService.EnqueueOutcome {
                    try await t.services.briefings.requestRefresh(
                        athleteID: athleteID, priority: .trigger, reason: "test",
                        on: t.app.db, logger: t.app.logger)
                }
                // The consent change enqueued a refresh and started the 60 s cooldown: this one is deferred.
                #expect(try await refresh() == .cooldown)
                #expect(try await t.home(s).json["briefing_state"].string == "refreshing")

                // Queue gauges are read from the database at scrape time.
                clock.advance(by: 30)
                var scrape = try await t.scrape()
                let briefing = ["kind": "briefing"]
                #expect(scrape.value("jobs_queue_depth", briefing) == 1)
                #expect(scrape.value("jobs_running", briefing) == 0)
                #expect(abs(scrape.value("jobs_oldest_queued_age_seconds", briefing) - 30) < 1)
                #expect(scrape.value("briefing_enqueue_total", ["result": "enqueued", "reason": "profile_changed"]) == 1)
                #expect(scrape.value("briefing_enqueue_total", ["result": "cooldown", "reason": "test"]) == 1)
                #expect(scrape.value("briefing_state_served_total", ["state": "refreshing"]) == 1)

                // A successful job: outcome, duration, what it wrote, and the provider call behind it.
                await t.drainJobs()
                scrape = try await t.scrape()
                #expect(scrape.value("jobs_total", ["kind": "briefing", "outcome": "succeeded"]) == 1)
                #expect(scrape.value("job_duration_seconds_count", ["kind": "briefing", "outcome": "succeeded"]) == 1)
                #expect(scrape.value("job_results_total", ["kind": "briefing", "result": "llm"]) == 1)
                let call = ["purpose": "briefing", "provider": "openai", "model": "fake-model"]
                #expect(scrape.value("llm_requests_total", call.merging(["outcome": "ok"]) { $1 }) == 1)
                #expect(scrape.value("llm_request_duration_seconds_count", call.merging(["outcome": "ok"]) { $1 }) == 1)
                #expect(scrape.value("llm_time_to_first_token_seconds_count", call) == 1)
                #expect(scrape.value("jobs_queue_depth", briefing) == 0)
                #expect(scrape.value("jobs_oldest_queued_age_seconds", briefing) == 0)
                #expect(try await t.home(s).json["briefing_state"].string == "fresh")
                #expect(try await t.scrape().value("briefing_state_served_total", ["state": "fresh"]) == 1)

                // New data inside the cooldown: deferred. Once the cooldown is over, a trigger joins the queued job.
                let checkin = try await t.request(
                    .POST, "/v1/daily-checkin", json: ["date": "\(LocalDate(clock.now(), in: .gmt))", "sleep_h": 6],
                    token: s.accessToken)
                #expect(checkin.status == .created)
                clock.advance(by: 31)
                #expect(try await refresh() == .coalesced)
                // The deferred job became due when the cooldown ended, 1 s ago.
                let waited = try await t.scrape().value("jobs_oldest_queued_age_seconds", briefing)
                #expect(waited >= 0.5 && waited < 2, "waited \(waited) s")

                // The provider now fails every attempt: two retries, then the dead letter, and the circuit opens.
                server.setBehaviour(.failing(.serverError(status: 500, message: "upstream down")))
                for _ in 0..<6 {
                    await t.drainJobs()
                    clock.advance(by: 10)  // past any backoff (at most 2^2 × 1.5 s)
                }
                scrape = try await t.scrape()
                #expect(scrape.value("jobs_total", ["kind": "briefing", "outcome": "retrying"]) == 2)
                #expect(scrape.value("job_retries_total", briefing) == 2)
                #expect(scrape.value("jobs_total", ["kind": "briefing", "outcome": "dead"]) == 1)
                #expect(scrape.value("job_duration_seconds_count", ["kind": "briefing", "outcome": "dead"]) == 1)
                #expect(scrape.value("llm_errors_total", call.merging(["reason": "provider_error"]) { $1 }) == 3)
                #expect(scrape.value("llm_requests_total", call.merging(["outcome": "provider_error"]) { $1 }) == 3)
                #expect(scrape.value("llm_request_duration_seconds_count", call.merging(["outcome": "error"]) { $1 }) == 3)
                #expect(scrape.total("briefing_failures_total") == 3)
                #expect(scrape.value("briefing_enqueue_total", ["result": "cooldown", "reason": "checkin"]) == 1)
                #expect(scrape.value("briefing_enqueue_total", ["result": "coalesced", "reason": "test"]) == 1)
                #expect(try await refresh() == .circuitOpen)
                #expect(try await t.scrape().value("briefing_enqueue_total", ["result": "circuit_open", "reason": "test"]) == 1)
            }
        }
    }

    @Test func coachStreamMetricsMove() async throws {
        let tokens = FakeBehaviour.words(6)
        try await TestApp.withCoach(.sqlite, FakeBehaviour(tokens: tokens, tokenDelay: .milliseconds(100))) { t, fake in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let openDuringStream = Mutex<Double?>(nil)
                let result = try await live.stream(
                    token: s.accessToken,
                    onFrame: { frame in
                        guard frame.event == "delta", openDuringStream.withLock({ $0 }) == nil else { return }
                        openDuringStream.withLock { $0 = t.app.metrics.value("coach_streams_open") }
                    })
                #expect(result.done["finish_reason"].string == "stop")
                #expect(openDuringStream.withLock { $0 } == 1)
                #expect(await t.waitForNoOpenStreams())
                var scrape = try await t.scrape()
                #expect(scrape.value("coach_streams_open") == 0)
                #expect(scrape.value("coach_streams_finished_total", ["finish_reason": "stop"]) == 1)
                #expect(scrape.value("coach_time_to_first_delta_seconds_count") == 1)
                let call = ["purpose": "coach", "provider": "openai", "model": "fake"]
                #expect(scrape.value("llm_requests_total", call.merging(["outcome": "ok"]) { $1 }) == 1)
                #expect(scrape.value("llm_time_to_first_token_seconds_count", call) == 1)

                // The client leaves mid-answer: the stream ends as cancelled, and so does the provider call.
                _ = try await live.stream(token: s.accessToken, stopAfter: { frames in frames.contains { $0.event == "delta" } })
                #expect(await t.waitForNoOpenStreams())
                #expect(await fake.waitForClientClose(ofRequest: 1) != nil)
                try await waitUntil {
                    (try? await t.scrape().value("llm_requests_total", call.merging(["outcome": "cancelled"]) { $1 })) == 1
                }
                scrape = try await t.scrape()
                #expect(scrape.value("coach_streams_finished_total", ["finish_reason": "cancelled"]) == 1)
                #expect(scrape.value("llm_errors_total", call.merging(["reason": "cancelled"]) { $1 }) == 1)
            }
        }
    }

    @Test func loginAttemptsAreCountedByResult() async throws {
        try await TestApp.with(.sqlite, config: { $0.loginMaxFailures = 2 }) { t in
            let s = try await t.register()
            let good: JSON = ["email": .string(s.email), "password": .string(s.password)]
            let bad: JSON = ["email": .string(s.email), "password": "not-the-password-1"]
            #expect(try await t.request(.POST, "/v1/auth/login", json: good).status == .ok)
            #expect(try await t.request(.POST, "/v1/auth/login", json: bad).status == .unauthorized)
            #expect(try await t.request(.POST, "/v1/auth/login", json: bad).status == .tooManyRequests)  // second failure locks
            #expect(try await t.request(.POST, "/v1/auth/login", json: good).status == .tooManyRequests)
            let scrape = try await t.scrape()
            #expect(scrape.value("auth_login_attempts_total", ["result": "ok"]) == 1)
            #expect(scrape.value("auth_login_attempts_total", ["result": "invalid"]) == 2)
            #expect(scrape.value("auth_login_attempts_total", ["result": "locked"]) == 1)
        }
    }

    @Test func metricsTokenGuardsTheEndpoint() async throws {
        let token = "metrics-token-0123456789"
        try await TestApp.with(.sqlite, config: { $0.metricsToken = token }) { t in
            let none = try await t.request(.GET, "/metrics")
            expectError(none, .unauthorized, code: "not_authenticated")
            #expect(none.headers.first(name: .wwwAuthenticate) == "Bearer")
            expectError(try await t.request(.GET, "/metrics", token: token + "x"), .unauthorized, code: "not_authenticated")
            let ok = try await t.request(.GET, "/metrics", token: token)
            #expect(ok.status == .ok)
            #expect(ok.text.contains("http_requests_total"))
        }
    }

    @Test func metricsPortServesOnlyMetrics() async throws {
        try await TestApp.with(.sqlite, config: { $0.metricsPort = 9 }) { t in
            // With a metrics port, the main port does not serve /metrics.
            expectError(try await t.request(.GET, "/metrics"), .notFound)
            _ = try await t.request(.GET, "/ping")
            let server = MetricsServer(host: "127.0.0.1", port: 0)
            try await server.start(t.app)
            let port = try #require(server.boundPort)
            do {
                let metrics = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(port)/metrics").get()
                #expect(metrics.status == .ok)
                let text = String(buffer: metrics.body ?? ByteBuffer())
                #expect(
                    PrometheusSamples(text: text).value("http_requests_total", ["method": "GET", "route": "/ping", "status": "200"]) == 1)
                #expect(text.contains("jobs_queue_depth{kind=\"briefing\"}"))
                let other = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(port)/ping").get()
                #expect(other.status == .notFound)
                #expect(try JSON(data: Data(buffer: other.body ?? ByteBuffer()))["code"].string == "not_found")
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    @Test func requestIDsAreAcceptedWhenSaneAndReturned() async throws {
        try await TestApp.with(.sqlite) { t in
            let echoed = try await t.request(.GET, "/ping", headers: [("X-Request-Id", "edge-7f3a:01.b_c")])
            #expect(echoed.headers.first(name: .xRequestId) == "edge-7f3a:01.b_c")
            for hostile in ["has spaces", "line\u{0}break", String(repeating: "a", count: 129), "quote\"d"] {
                let replaced = try await t.request(.GET, "/ping", headers: [("X-Request-Id", hostile)])
                let id = try #require(replaced.headers.first(name: .xRequestId))
                #expect(id != hostile && UUID(uuidString: id) != nil, "\(hostile.prefix(20)) → \(id)")
            }
            let a = try await t.request(.GET, "/ping").headers.first(name: .xRequestId)
            let b = try await t.request(.GET, "/v1/nothing-here").headers.first(name: .xRequestId)
            #expect(a != nil && b != nil && a != b)
        }
    }

    @Test func oneLogLinePerRequestAndNoSecretsInAnyLine() async throws {
        let logs = LogCapture()
        let apiKey = "sk-test-never-log-me-4f9c2a"
        try await withFakeLLM(.failing(.serverError(status: 500, message: "upstream down"))) { server in
            try await TestApp.with(
                .sqlite,
                config: { config in
                    config.useFakeCoach(server)
                    config.coachLLM.apiKey = apiKey
                    config.useFakeBriefingProvider(server)
                    config.briefingLLM.apiKey = apiKey
                }, logs: logs
            ) { t in
                var n = 0
                func call(_ method: HTTPMethod, _ path: String, json: JSON? = nil, token: String? = nil) async throws -> Reply {
                    n += 1
                    return try await t.request(method, path, json: json, token: token, headers: [("X-Request-Id", "test-\(n)")])
                }
                let password = "my-secret-pass-9QxZ"
                let register = try await call(
                    .POST, "/v1/auth/register", json: ["email": "logs@example.com", "password": .string(password)])
                let access = try #require(register.json["access_token"].string)
                _ = try await call(.PATCH, "/v1/athlete", json: ["ai_consent": true], token: access)
                let login = try await call(.POST, "/v1/auth/login", json: ["email": "logs@example.com", "password": .string(password)])
                let refresh = try #require(login.json["refresh_token"].string)
                _ = try await call(.POST, "/v1/auth/login", json: ["email": "logs@example.com", "password": "wrong-\(password)"])
                let refreshed = try await call(.POST, "/v1/auth/refresh", json: ["refresh_token": .string(refresh)])
                let newAccess = try #require(refreshed.json["access_token"].string)
                let newRefresh = try #require(refreshed.json["refresh_token"].string)
                _ = try await call(.POST, "/v1/coach/chat", json: ["message": "How was my week?"], token: newAccess)
                _ = try await call(.GET, "/v1/home", token: newAccess)
                _ = try await call(.GET, "/v1/activities/\(UUID())", token: newAccess)
                _ = try await call(.POST, "/v1/auth/logout", json: ["refresh_token": .string(newRefresh)], token: newAccess)
                await t.drainJobs()  // the briefing job fails against the provider and logs why

                let lines = logs.all
                for i in 1...n {
                    let mine = lines.filter { $0.message == "request" && $0.metadata["request-id"] == "test-\(i)" }
                    #expect(mine.count == 1, "request test-\(i): \(mine.count) request lines")
                    guard let line = mine.first else { continue }
                    #expect(line.metadata["route"]?.hasPrefix("/") == true)
                    #expect(Int(line.metadata["status"] ?? "") != nil)
                    #expect(Double(line.metadata["duration_ms"] ?? "").map { $0 >= 0 } == true)
                }
                let routes = lines.filter { $0.message == "request" }.compactMap { $0.metadata["route"] }
                #expect(routes.contains("/v1/activities/:activity_id"))
                // The coach turn (its own task) logs with the id of the request that started it.
                #expect(lines.contains { $0.message == "coach turn ended" && $0.metadata["request-id"] == "test-6" })
                #expect(lines.contains { $0.text.contains("provider") && $0.level >= .warning }, "the provider failures were logged")
                for secret in [password, access, refresh, newAccess, newRefresh, apiKey, TestApp.testSecret] {
                    let leaks = lines.filter { $0.text.contains(secret) }
                    #expect(leaks.isEmpty, "secret \(secret.prefix(6))… logged: \(leaks.map(\.text))")
                }
            }
        }
    }

    @Test func jsonLogLinesCarryTheRequestFields() async throws {
        let written = Mutex<[Data]>([])
        var logger = Logger(label: "strideiq") { label in
            JSONLogHandler(label: label, write: { data in written.withLock { $0.append(data) } })
        }
        logger.logLevel = .info
        try await TestApp.with(.sqlite) { t in
            t.app.logger = logger
            _ = try await t.request(.GET, "/ping", headers: [("X-Request-Id", "json-1")])
        }
        #expect(
            written.withLock { $0 }.contains { String(decoding: $0, as: UTF8.self).contains(#""route":"/ping""#) }, "paths are not escaped")
        let objects = written.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: String] }
        #expect(written.withLock { $0 }.allSatisfy { $0.last == 0x0A && $0.dropLast().contains(0x0A) == false }, "one line per entry")
        let line = try #require(objects.first { $0["msg"] == "request" && $0["request-id"] == "json-1" })
        #expect(line["route"] == "/ping")
        #expect(line["status"] == "200")
        #expect(line["method"] == "GET")
        #expect(line["level"] == "info")
        #expect(Double(line["duration_ms"] ?? "") != nil)
        #expect(line["ts"].flatMap { try? Date($0, strategy: .iso8601) } != nil)
    }
}

extension TestApp {
    /// GET /metrics through the whole stack, as Prometheus would.
    func scrape(sourceLocation: SourceLocation = #_sourceLocation) async throws -> PrometheusSamples {
        let reply = try await request(.GET, "/metrics", token: config.metricsToken)
        #expect(reply.status == .ok, sourceLocation: sourceLocation)
        return PrometheusSamples(text: reply.text)
    }
}

/// Polls `condition` until it holds (or fails the test after `timeout`).
func waitUntil(
    timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within \(timeout)", sourceLocation: sourceLocation)
}
