import Foundation
import LLM
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

/// What a scrape shows before anything happened, and the `process_*` metrics every role exports.
@Suite("Operations: metrics from the start")
struct MetricsFromTheStartTests {
    @Test func everyFamilyIsExportedWithZeroSeriesBeforeAnyEvent() async throws {
        try await TestApp.with(.sqlite) { t in
            let scrape = try await t.scrape()
            for family in Metrics.Name.fromTheStart {
                #if !os(Linux)
                    if family.hasPrefix("process_") { continue }  // read from /proc
                #endif
                #expect(scrape.text.contains("# TYPE \(family) "), "\(family) is exported from the start")
            }
            // Label sets known in advance start at zero.
            func zero(_ name: String, _ labels: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) {
                let series = scrape.series.first { $0.name == name && $0.labels == labels }
                #expect(series?.value == 0, "\(name)\(labels): \(series.map { "\($0.value)" } ?? "absent")", sourceLocation: sourceLocation)
            }
            zero("coach_streams_open")
            for reason in ["stop", "length", "timeout", "cancelled", "error", "shutting_down"] {
                zero("coach_streams_finished_total", ["finish_reason": reason])
            }
            zero("coach_time_to_first_delta_seconds_count")
            for code in ["coach_busy", "coach_budget_exhausted", "ai_consent_required", "shutting_down"] {
                zero("coach_refused_total", ["code": code])
            }
            zero("coach_save_failures_total")
            for state in ["fresh", "stale", "missing", "refreshing", "consent_required"] {
                zero("briefing_state_served_total", ["state": state])
            }
            for result in ["enqueued", "coalesced", "cooldown", "circuit_open"] {
                for reason in ["page_view", "checkin", "activity_created", "scheduled", "profile_changed"] {
                    zero("briefing_enqueue_total", ["result": result, "reason": reason])
                }
            }
            for outcome in ["succeeded", "retrying", "dead", "superseded", "released", "fail_unrecorded"] {
                zero("jobs_total", ["kind": "briefing", "outcome": outcome])
                zero("job_duration_seconds_count", ["kind": "briefing", "outcome": outcome])
            }
            zero("job_retries_total", ["kind": "briefing"])
            for result in ["llm", "deterministic", "unchanged", "restamped", "kept_previous", "skipped"] {
                zero("job_results_total", ["kind": "briefing", "result": result])
            }
            zero("briefing_failures_total", ["reason": "provider_timeout_deadline"])
            zero("briefing_failures_total", ["reason": "job_deadline"])
            for result in ["ok", "invalid", "locked"] { zero("auth_login_attempts_total", ["result": result]) }
            for check in ["rate_limit", "login_lockout", "login_failure_count"] { zero("cache_fail_open_total", ["check": check]) }
            zero("metrics_scrape_errors_total", ["source": "job_queue"])
            // The configured providers (offline here), for each purpose.
            for purpose in ["briefing", "coach"] {
                let call = ["purpose": purpose, "provider": "offline", "model": OfflineProvider.modelName]
                for outcome in ["ok", "provider_error", "timeout_first_token", "transport_connect_failed", "cancelled"] {
                    zero("llm_requests_total", call.merging(["outcome": outcome]) { $1 })
                }
                zero("llm_errors_total", call.merging(["reason": "rate_limited"]) { $1 })
                zero("llm_request_duration_seconds_count", call.merging(["outcome": "error"]) { $1 })
                zero("llm_time_to_first_token_seconds_count", call)
            }
            // HTTP series start with the first request (route × status is not known in advance).
            #expect(!scrape.text.contains("http_requests_total"))
        }
    }

    @Test func everyConfiguredProviderStartsAtZeroAndEventsAddToTheZeroSeries() async throws {
        try await withFakeLLM { server in
            try await TestApp.with(
                .sqlite,
                config: { config in
                    config.useFakeBriefingProvider(server)
                    config.briefingLLMFallback = LLMSettings(
                        provider: .anthropic, baseURL: server.anthropicBaseURL, apiKey: "key-1234",
                        model: "fake-fallback", timeouts: config.briefingLLM.timeouts)
                }
            ) { t in
                var scrape = try await t.scrape()
                let primary = ["purpose": "briefing", "provider": "openai", "model": "fake-model"]
                let fallback = ["purpose": "briefing", "provider": "anthropic", "model": "fake-fallback"]
                for call in [primary, fallback] {
                    let ok = scrape.series.first { $0.name == "llm_requests_total" && $0.labels == call.merging(["outcome": "ok"]) { $1 } }
                    #expect(ok?.value == 0, "\(call)")
                }
                // An event moves its zero series (same labels, same order): no second series appears.
                _ = try await t.request(.POST, "/v1/auth/login", json: ["email": "nobody@example.com", "password": "wrong-password-1"])
                scrape = try await t.scrape()
                #expect(scrape.value("auth_login_attempts_total", ["result": "invalid"]) == 1)
                #expect(scrape.series.filter { $0.name == "auth_login_attempts_total" }.count == 3)
            }
        }
    }

    #if os(Linux)
        @Test func processMetricsArePlausibleAndCPUMoves() async throws {
            try await TestApp.with(.sqlite) { t in
                let first = try await t.scrape()
                let cpu = first.value("process_cpu_seconds_total")
                #expect(cpu > 0)
                #expect(first.value("process_max_fds") >= 64)
                #expect(first.value("process_resident_memory_bytes") > 1_048_576)
                #expect(first.value("process_virtual_memory_bytes") >= first.value("process_resident_memory_bytes"))
                #expect(first.value("process_open_fds") >= 3)
                #expect(first.value("process_open_fds") <= first.value("process_max_fds"))
                let start = first.value("process_start_time_seconds")
                let now = Date().timeIntervalSince1970
                #expect(start <= now + 1, "not in the future: \(start) vs \(now)")
                #expect(start > now - 3600, "started within the last hour: \(now - start) s ago")

                // Busy work on this thread: the next scrape reports more CPU time.
                let busyUntil = ContinuousClock.now + .milliseconds(300)
                var spin = 0.0
                while ContinuousClock.now < busyUntil { spin += Double(spin.bitPattern % 7).squareRoot() }
                let second = try await t.scrape()
                #expect(second.value("process_cpu_seconds_total") >= cpu + 0.1, "spun for 0.3 s (\(spin))")
                #expect(second.series.filter { $0.name == "process_cpu_seconds_total" }.count == 1)
                #expect(second.value("process_start_time_seconds") == start, "fixed for the life of the process")
            }
        }

        @Test func procStatFieldsAreCountedFromTheLastParenthesis() throws {
            // A command name with a space and a parenthesis, as a process may call itself.
            let line =
                "4242 (strideiq (w) x) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 25 0 0 20 0 9 0 123456 987654321 4321 "
                + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
            let fields = try #require(ProcessStats.StatFields(line))
            #expect(fields.userTicks == 150 && fields.systemTicks == 25)
            #expect(fields.startTicks == 123456)
            #expect(fields.virtualBytes == 987_654_321 && fields.residentPages == 4321)
            #expect(ProcessStats.StatFields("4242 (truncated) S 1 2") == nil)
        }
    #endif

    @Test(arguments: ProcessRole.allCases)
    func everyRoleExportsProcessMetrics(role: ProcessRole) async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        do {
            let schema = "role_" + UUID().uuidString.prefix(8).lowercased()
            try await configure(app, config: TestApp.baseConfig(.sqlite, schema: schema), role: role)
            let samples = app.metrics.samples
            #if os(Linux)
                #expect(samples.value("process_cpu_seconds_total") > 0, "\(role)")
                #expect(samples.text.contains("# TYPE process_cpu_seconds_total counter"))
                #expect(samples.value("process_resident_memory_bytes") > 1_048_576, "\(role)")
                #expect(samples.value("process_open_fds") >= 3, "\(role)")
            #endif
            #expect(samples.text.contains("# TYPE coach_streams_open gauge"), "\(role)")
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
