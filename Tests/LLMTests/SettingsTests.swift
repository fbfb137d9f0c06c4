import AsyncHTTPClient
import LLM
import NIOCore
import NIOPosix
import Testing

@Suite("Settings")
struct SettingsTests {
    @Test func defaultIsOffline() {
        for purpose in LLMPurpose.allCases {
            let (settings, problems) = LLMSettings.resolve(purpose: purpose, environment: [:])
            #expect(problems.isEmpty)
            #expect(settings.provider == .offline)
            #expect(settings.timeouts == LLMTimeouts.defaults(for: purpose))
        }
        #expect(LLMTimeouts.briefing.request == .seconds(12))
        #expect(LLMTimeouts.coach.request == .seconds(120))
    }

    @Test func purposesInheritTheGlobalSettings() {
        let environment = [
            "LLM_PROVIDER": "openai", "LLM_MODEL": "gpt-4o-mini", "LLM_API_KEY": "sk-global-key",
            "COACH_LLM_MODEL": "gpt-4o",
        ]
        let (briefing, briefingProblems) = LLMSettings.resolve(purpose: .briefing, environment: environment)
        let (coach, coachProblems) = LLMSettings.resolve(purpose: .coach, environment: environment)
        #expect(briefingProblems.isEmpty && coachProblems.isEmpty)
        #expect(briefing.provider == .openai && coach.provider == .openai)
        #expect(briefing.model == "gpt-4o-mini")
        #expect(coach.model == "gpt-4o")
        #expect(briefing.apiKey == "sk-global-key" && coach.apiKey == "sk-global-key")
        #expect(briefing.baseURL == "https://api.openai.com/v1")
    }

    @Test func perPurposeOverridesEverything() {
        let environment = [
            "LLM_PROVIDER": "openai", "LLM_MODEL": "llama3.2", "LLM_BASE_URL": "http://localhost:11434/v1/",
            "BRIEFING_LLM_PROVIDER": "anthropic", "BRIEFING_LLM_MODEL": "claude-sonnet-4-5",
            "BRIEFING_LLM_API_KEY": "sk-ant-xyz", "BRIEFING_LLM_BASE_URL": "",
        ]
        let (briefing, problems) = LLMSettings.resolve(purpose: .briefing, environment: environment)
        #expect(problems.isEmpty)
        #expect(briefing.provider == .anthropic)
        #expect(briefing.model == "claude-sonnet-4-5")
        // An empty per-purpose value counts as unset: the global base URL is inherited.
        #expect(briefing.baseURL == "http://localhost:11434/v1")
        let (coach, _) = LLMSettings.resolve(purpose: .coach, environment: environment)
        #expect(coach.provider == .openai)
        #expect(coach.apiKey == nil)  // local servers need no key
        #expect(coach.baseURL == "http://localhost:11434/v1")
    }

    @Test func defaultBaseURLs() {
        let (anthropic, problems) = LLMSettings.resolve(
            purpose: .coach, environment: ["LLM_PROVIDER": "ANTHROPIC", "LLM_MODEL": "claude-haiku-4-5", "LLM_API_KEY": "k-123456"]
        )
        #expect(problems.isEmpty)
        #expect(anthropic.provider == .anthropic)
        #expect(anthropic.baseURL == "https://api.anthropic.com")
    }

    @Test func timeoutsFromEnvironment() {
        let (briefing, problems) = LLMSettings.resolve(
            purpose: .briefing,
            environment: [
                "BRIEFING_PROVIDER_TIMEOUT_S": "9.5", "LLM_IDLE_TIMEOUT_S": "4", "BRIEFING_LLM_FIRST_TOKEN_TIMEOUT_S": "6",
                "COACH_STREAM_TIMEOUT_S": "60",
            ]
        )
        #expect(problems.isEmpty)
        #expect(briefing.timeouts.request == .milliseconds(9500))
        #expect(briefing.timeouts.idle == .seconds(4))
        #expect(briefing.timeouts.firstToken == .seconds(6))
        #expect(briefing.timeouts.connect == LLMTimeouts.briefing.connect)
        let (coach, _) = LLMSettings.resolve(purpose: .coach, environment: ["COACH_STREAM_TIMEOUT_S": "60"])
        #expect(coach.timeouts.request == .seconds(60))
    }

    @Test func everyProblemIsReportedTogether() {
        let (settings, problems) = LLMSettings.resolve(
            purpose: .coach,
            environment: ["COACH_LLM_PROVIDER": "gpt", "LLM_IDLE_TIMEOUT_S": "soon"]
        )
        #expect(settings.provider == .offline)
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains("COACH_LLM_PROVIDER") && $0.contains("\"gpt\"") && $0.contains("openai") })
        #expect(problems.contains { $0.contains("LLM_IDLE_TIMEOUT_S") })

        let (_, urlProblems) = LLMSettings.resolve(
            purpose: .briefing,
            environment: [
                "LLM_PROVIDER": "openai", "LLM_MODEL": "m", "LLM_API_KEY": "k-123456", "BRIEFING_LLM_BASE_URL": "localhost:11434",
            ]
        )
        #expect(urlProblems.count == 1)
        #expect(urlProblems.first?.contains("BRIEFING_LLM_BASE_URL") == true)

        let (_, modelProblems) = LLMSettings.resolve(
            purpose: .briefing, environment: ["LLM_PROVIDER": "openai", "LLM_BASE_URL": "http://localhost:11434/v1"])
        #expect(modelProblems == ["BRIEFING_LLM_MODEL (or LLM_MODEL) is required when the briefing provider is openai"])

        let (fallback, keyProblems) = LLMSettings.resolve(
            purpose: .coach, environment: ["LLM_PROVIDER": "anthropic", "LLM_MODEL": "claude"])
        #expect(keyProblems == ["COACH_LLM_API_KEY (or LLM_API_KEY) is required when the coach provider is anthropic"])
        #expect(fallback.provider == .offline)
    }

    @Test func keyNeverShown() {
        let key = "sk-live-DO-NOT-LEAK-123456"
        let (settings, _) = LLMSettings.resolve(
            purpose: .coach, environment: ["LLM_PROVIDER": "openai", "LLM_MODEL": "gpt-4o", "LLM_API_KEY": key]
        )
        #expect(settings.apiKey == key)
        var dumped = ""
        dump(settings, to: &dumped)
        for text in [settings.description, String(reflecting: settings), "\(settings)", dumped] {
            #expect(!text.contains(key))
        }
        #expect(settings.description.contains("apiKey: set"))
    }

    @Test func factoryAndClientConfiguration() async throws {
        let briefing = LLMSettings(provider: .openai, baseURL: "http://127.0.0.1:9/v1", apiKey: nil, model: "m", timeouts: .briefing)
        let coach = LLMSettings(provider: .anthropic, baseURL: "http://127.0.0.1:9", apiKey: "k-123456", model: "c", timeouts: .coach)
        let configuration = LLMSettings.httpClientConfiguration(for: [briefing, coach])
        #expect(configuration.timeout.connect == .seconds(3))
        #expect(configuration.timeout.read == .seconds(121))
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        #expect(LLMProviderFactory.make(settings: briefing, httpClient: client).descriptor.kind == .openai)
        #expect(LLMProviderFactory.make(settings: coach, httpClient: client).descriptor.kind == .anthropic)
        #expect(LLMProviderFactory.make(settings: .offline(purpose: .coach), httpClient: client).descriptor.kind == .offline)
        let chain = LLMProviderFactory.makeChain(primary: briefing, offlineLast: true, httpClient: client)
        #expect(chain.providers.map(\.descriptor.kind) == [.openai, .offline])
        try await client.shutdown()
    }
}

@Suite("Settings: hosted providers need keys")
struct HostedKeyTests {
    @Test func openAIHostedWithoutKeyIsAProblem() {
        let (_, problems) = LLMSettings.resolve(purpose: .briefing, environment: ["LLM_PROVIDER": "openai", "LLM_MODEL": "gpt-4o-mini"])
        #expect(problems.count == 1)
        #expect(problems.first?.contains("api.openai.com") == true)
        let (_, gemini) = LLMSettings.resolve(
            purpose: .briefing,
            environment: [
                "LLM_PROVIDER": "openai", "LLM_MODEL": "gemini-2.5-flash",
                "LLM_BASE_URL": "https://generativelanguage.googleapis.com/v1beta/openai",
            ]
        )
        #expect(gemini.count == 1)
        let (local, none) = LLMSettings.resolve(
            purpose: .briefing, environment: ["LLM_PROVIDER": "openai", "LLM_MODEL": "qwen2.5", "LLM_BASE_URL": "http://127.0.0.1:8081/v1"]
        )
        #expect(none.isEmpty)
        #expect(local.provider == .openai)
    }
}
