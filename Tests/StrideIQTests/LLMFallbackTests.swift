import Foundation
import LLM
import LLMFakeServer
import Testing

@testable import StrideIQ

/// `BRIEFING_LLM_FALLBACK_*` / `COACH_LLM_FALLBACK_*` wired end to end: the second provider answers when the first
/// fails before its first token, and home, the coach's frames and `/metrics` say which one answered.
@Suite("LLM fallback provider")
struct LLMFallbackTests {
    /// How the primary fails before its first token.
    enum PrimaryFailure: String, CaseIterable, CustomTestStringConvertible {
        case serverError, refusesConnections
        var testDescription: String { rawValue }
        /// The `llm_requests_total` outcome of the failed attempt.
        var outcome: String { self == .serverError ? "provider_error" : "transport_connect_failed" }
    }

    @Test(arguments: TestBackend.available, PrimaryFailure.allCases)
    func briefingFromTheFallbackWhenThePrimaryFails(backend: TestBackend, failure: PrimaryFailure) async throws {
        try await withPrimaryAndFallback(failure, fallback: .answer(validBriefingAnswer)) { primaryURL, primary, fallback in
            try await TestApp.with(
                backend,
                config: { config in
                    config.useFakeBriefingProvider(fallback, providerTimeout: 2, jobTimeout: 4)
                    config.briefingLLMFallback = config.briefingLLM
                    config.briefingLLMFallback?.model = "fake-fallback"
                    config.briefingLLM.baseURL = primaryURL
                }
            ) { t in
                let s = try await t.registerWithConsent()
                await t.drainJobs()
                let home = try await t.home(s)
                #expect(home.json["briefing_state"].string == "fresh")
                #expect(home.json["briefing_source"].string == "llm")
                #expect(home.json["briefing_source_model"].string == "fake-fallback")
                #expect(home.json["briefing_is_interim"].bool == false)
                #expect(home.json["fallback_reason"].isNull)
                if let primary { #expect(primary.requestCount == 1) }
                #expect(fallback.requestCount == 1)

                // Each attempt is counted under the provider that was called.
                let scrape = try await t.scrape()
                let first = ["purpose": "briefing", "provider": "openai", "model": "fake-model"]
                let second = ["purpose": "briefing", "provider": "openai", "model": "fake-fallback"]
                #expect(scrape.value("llm_requests_total", first.merging(["outcome": failure.outcome]) { $1 }) == 1)
                #expect(scrape.value("llm_errors_total", first.merging(["reason": failure.outcome]) { $1 }) == 1)
                #expect(scrape.value("llm_requests_total", first.merging(["outcome": "ok"]) { $1 }) == 0)
                #expect(scrape.value("llm_requests_total", second.merging(["outcome": "ok"]) { $1 }) == 1)
                #expect(scrape.total("llm_errors_total", matching: second) == 0)
                #expect(scrape.value("job_results_total", ["kind": "briefing", "result": "llm"]) == 1)
                #expect(scrape.total("briefing_failures_total") == 0)
            }
        }
    }

    @Test(arguments: PrimaryFailure.allCases)
    func coachStreamFromTheFallbackWhenThePrimaryFails(failure: PrimaryFailure) async throws {
        let tokens = ["From", " the", " fallback"]
        try await withPrimaryAndFallback(failure, fallback: FakeBehaviour(tokens: tokens)) { primaryURL, _, fallback in
            try await coachStream(primary: primaryURL, fallback: fallback) { t, result in
                // `meta` comes before any provider is asked: it names the configured chain.
                #expect(result.meta["provider"].string == "openai")
                #expect(result.meta["model"].string == "fake")
                #expect(result.meta["fallback_provider"].string == "openai")
                #expect(result.meta["fallback_model"].string == "fake-fallback")
                // `done` names the one that answered.
                #expect(result.text == tokens.joined())
                #expect(result.done["finish_reason"].string == "stop")
                #expect(result.done["error"].bool == false)
                #expect(result.done["provider"].string == "openai")
                #expect(result.done["model"].string == "fake-fallback")
                #expect(!result.events.contains("error"))

                let scrape = try await t.scrape()
                let first = ["purpose": "coach", "provider": "openai", "model": "fake"]
                let second = ["purpose": "coach", "provider": "openai", "model": "fake-fallback"]
                #expect(scrape.value("llm_requests_total", first.merging(["outcome": failure.outcome]) { $1 }) == 1)
                #expect(scrape.value("llm_requests_total", second.merging(["outcome": "ok"]) { $1 }) == 1)
                #expect(scrape.value("llm_time_to_first_token_seconds_count", second) == 1)
                // The chain stops reading once the answer is done: that is not a cancelled call.
                #expect(scrape.total("llm_errors_total", matching: second) == 0)
                #expect(scrape.total("llm_requests_total", matching: second) == 1)
                #expect(scrape.value("coach_streams_finished_total", ["finish_reason": "stop"]) == 1)
            }
        }
    }

    @Test func noFallbackOnceThePrimaryHasSentAToken() async throws {
        // A clean close mid-answer, not a reset: an RST lets the kernel drop the tokens before the client reads
        // them. The pause between tokens makes sure "Half" is read well before the connection breaks.
        let broken = FakeBehaviour(
            tokens: ["Half", " an", " answer", " never", " ends"], tokenDelay: .milliseconds(100), fault: .closeEarly(afterTokens: 2))
        try await withFakeLLM(broken) { primary in
            try await withFakeLLM(FakeBehaviour(tokens: ["Fallback"])) { fallback in
                try await coachStream(primary: primary.openAIBaseURL, fallback: fallback) { t, result in
                    #expect(result.meta["fallback_model"].string == "fake-fallback")
                    // The error stands: the partial answer is not mixed with another model's.
                    // Only the primary's words, never the fallback's. The HTTP client may drop the last chunk
                    // that arrives together with the broken end of the body, so "Half" alone is also honest.
                    #expect(["Half", "Half an"].contains(result.text))
                    #expect(result.events.contains("error"))
                    #expect(result.done["error"].bool == true)
                    #expect(result.done["finish_reason"].string == "error")
                    #expect(result.done["model"].string == "fake")
                    #expect(fallback.requestCount == 0)
                    let scrape = try await t.scrape()
                    let second = ["purpose": "coach", "provider": "openai", "model": "fake-fallback"]
                    #expect(scrape.total("llm_requests_total", matching: second) == 0)
                    #expect(scrape.total("llm_errors_total", matching: ["purpose": "coach", "model": "fake"]) == 1)
                }
            }
        }
    }

    @Test func withoutAFallbackTheMetaFrameSaysNone() async throws {
        try await TestApp.withCoach(.sqlite, FakeBehaviour(tokens: ["Hi"])) { t, _ in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let result = try await live.stream(token: s.accessToken)
                #expect(result.meta.object.keys.contains("fallback_provider"))
                #expect(result.meta["fallback_provider"].isNull)
                #expect(result.meta["fallback_model"].isNull)
                #expect(result.done["model"].string == "fake")
            }
        }
    }

    /// One coach stream from an app whose coach asks `primary` (model `fake`), then `fallback` (model
    /// `fake-fallback`); `check` sees the well-formed result once the turn has ended.
    private func coachStream(
        primary: String, fallback: FakeLLMServer,
        _ check: (TestApp, CoachStreamResult) async throws -> Void
    ) async throws {
        try await TestApp.with(
            .sqlite,
            config: { config in
                config.useFakeCoach(fallback)
                config.coachLLMFallback = config.coachLLM
                config.coachLLMFallback?.model = "fake-fallback"
                config.coachLLM.baseURL = primary
            }
        ) { t in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let result = try await live.stream(token: s.accessToken)
                expectWellFormed(result)
                #expect(await t.waitForNoOpenStreams())
                try await check(t, result)
            }
        }
    }

    /// Runs `body` with a primary that fails as `failure` says (its base URL, and its server when it has one)
    /// and a fallback server answering with `fallback`.
    private func withPrimaryAndFallback(
        _ failure: PrimaryFailure, fallback behaviour: FakeBehaviour,
        _ body: (String, FakeLLMServer?, FakeLLMServer) async throws -> Void
    ) async throws {
        try await withFakeLLM(behaviour) { fallback in
            switch failure {
            case .serverError:
                try await withFakeLLM(.failing(.serverError(status: 500, message: "upstream down"))) { primary in
                    try await body(primary.openAIBaseURL, primary, fallback)
                }
            case .refusesConnections:
                // A port that was just listening and no longer is: connections are refused.
                let gone = try await FakeLLMServer.start()
                let url = gone.openAIBaseURL
                await gone.shutdown()
                try await body(url, nil, fallback)
            }
        }
    }
}
