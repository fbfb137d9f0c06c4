import Foundation
import Testing

@testable import StrideIQ

@Suite("Configuration")
struct ConfigTests {
    @Test func defaultsAreTheEmbeddedMode() throws {
        let config = try AppConfig.load(from: [:])
        #expect(config.mode == .development)
        #expect(config.host == "127.0.0.1" && config.port == 8080)
        #expect(config.database == .sqlite(path: "./data/strideiq.sqlite"))
        #expect(config.secretKey == nil)
        #expect(config.bcryptCost == 12)
        #expect(config.authRateLimitPerMinute == 60)
    }

    @Test func refreshReuseGraceIsReadOnItsOwn() throws {
        #expect(try AppConfig.load(from: [:]).refreshReuseGraceSeconds == 10)
        #expect(try AppConfig.load(from: ["REFRESH_REUSE_GRACE_SECONDS": "3"]).refreshReuseGraceSeconds == 3)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["REFRESH_REUSE_GRACE_SECONDS": "61"]) }
    }

    @Test func metricsSettings() throws {
        let plain = try AppConfig.load(from: [:])
        #expect(plain.metricsPort == nil && plain.metricsHost == nil && plain.metricsToken == nil)
        let own = try AppConfig.load(from: ["METRICS_PORT": "9090", "METRICS_HOST": "0.0.0.0", "METRICS_TOKEN": "0123456789abcdef"])
        #expect(own.metricsPort == 9090 && own.metricsHost == "0.0.0.0" && own.metricsToken == "0123456789abcdef")
        let bad = #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.load(from: ["PORT": "8080", "METRICS_PORT": "8080", "METRICS_TOKEN": "short-token"])
        }
        #expect(bad?.problems.count == 2, "\(bad?.problems ?? [])")
        #expect(bad?.problems.contains { $0.contains("METRICS_PORT must differ from PORT") } == true)
        #expect(bad?.problems.contains { $0.contains("METRICS_TOKEN must be at least 16 bytes") } == true)
        #expect(bad?.description.contains("short-token") == false, "the token is never echoed")
        let range = #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["METRICS_PORT": "70000"]) }
        #expect(range?.problems == ["METRICS_PORT must be an integer between 1 and 65535 (got 70000)"])
    }

    @Test func shutdownBounds() throws {
        let plain = try AppConfig.load(from: [:])
        #expect(plain.shutdownTimeout == 30 && plain.workerDrain == 20)
        let set = try AppConfig.load(from: ["SHUTDOWN_TIMEOUT_S": "10", "WORKER_DRAIN_S": "3"])
        #expect(set.shutdownTimeout == 10 && set.workerDrain == 3)
        // The worker's drain is one step of the shutdown, so it must fit inside the whole.
        let bad = #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.load(from: ["SHUTDOWN_TIMEOUT_S": "10", "WORKER_DRAIN_S": "10"])
        }
        #expect(bad?.problems == ["WORKER_DRAIN_S (10 s) must be shorter than SHUTDOWN_TIMEOUT_S (10 s)"])
        let range = #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["SHUTDOWN_TIMEOUT_S": "0"]) }
        #expect(range?.problems.first == "SHUTDOWN_TIMEOUT_S must be an integer between 1 and 600 (got 0)")
    }

    @Test func productionRefusesWeakOrMissingSecretsAndListsEveryProblem() throws {
        let missing = #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["STRIDEIQ_ENV": "production"]) }
        #expect(missing?.problems.count == 1)
        #expect(missing?.problems.first?.contains("SECRET_KEY") == true)

        let several = #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.load(from: [
                "STRIDEIQ_ENV": "production", "SECRET_KEY": "short", "PORT": "99999",
                "DATABASE_URL": "mysql://x", "TRUSTED_PROXIES": "10.0.0.0/8,banana", "LOG_LEVEL": "loud",
            ])
        }
        let problems = several?.problems ?? []
        #expect(problems.count == 5, "\(problems)")
        for name in ["SECRET_KEY", "PORT", "DATABASE_URL", "TRUSTED_PROXIES", "LOG_LEVEL"] {
            #expect(problems.contains { $0.contains(name) }, "missing \(name) in \(problems)")
        }
        // A secret is never echoed back.
        #expect(!(several?.description.contains("short") ?? true) || several?.description.contains("SECRET_KEY must") == true)

        let strong = try AppConfig.load(from: [
            "STRIDEIQ_ENV": "production", "SECRET_KEY": String(repeating: "k", count: 32),
            "DATABASE_URL": "postgres://u:p@db:5432/strideiq",
        ])
        #expect(strong.mode == .production)
        #expect(strong.autoMigrate == false)
        #expect(strong.database == .postgres(url: "postgres://u:p@db:5432/strideiq"))
    }

    @Test func llmFallbackSettings() throws {
        let local = ["LLM_PROVIDER": "openai", "LLM_BASE_URL": "http://127.0.0.1:11434/v1", "LLM_MODEL": "llama3.2"]
        let none = try AppConfig.load(from: local)
        #expect(none.briefingLLMFallback == nil && none.coachLLMFallback == nil)

        // `LLM_FALLBACK_*` serves both purposes, as `LLM_*` does; a per-purpose value wins, `none` opts out.
        let both = try AppConfig.load(
            from: local.merging([
                "LLM_FALLBACK_PROVIDER": "anthropic", "LLM_FALLBACK_API_KEY": "sk-ant-fallback-key", "LLM_FALLBACK_MODEL": "claude-haiku",
                "COACH_LLM_FALLBACK_MODEL": "claude-sonnet",
            ]) { $1 })
        let briefing = try #require(both.briefingLLMFallback)
        #expect(briefing.provider == .anthropic && briefing.model == "claude-haiku" && briefing.apiKey == "sk-ant-fallback-key")
        #expect(briefing.baseURL == "https://api.anthropic.com")
        #expect(briefing.timeouts == both.briefingLLM.timeouts, "the purpose's timeouts, inside its one deadline")
        #expect(both.coachLLMFallback?.model == "claude-sonnet")
        #expect(both.coachLLMFallback?.timeouts == both.coachLLM.timeouts)
        #expect(both.allLLMSettings.count == 4)

        let coachOnly = try AppConfig.load(
            from: local.merging([
                "LLM_FALLBACK_PROVIDER": "openai", "LLM_FALLBACK_BASE_URL": "http://10.0.0.2:11434/v1/", "LLM_FALLBACK_MODEL": "llama3.2",
                "BRIEFING_LLM_FALLBACK_PROVIDER": "none", "LLM_API_KEY": "sk-primary-key",
            ]) { $1 })
        #expect(coachOnly.briefingLLMFallback == nil)
        #expect(coachOnly.coachLLMFallback?.baseURL == "http://10.0.0.2:11434/v1")
        #expect(coachOnly.coachLLMFallback?.apiKey == nil, "nothing is inherited from the primary")
    }

    @Test func llmFallbackProblemsAreReportedWithTheRest() throws {
        let bad = #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.load(from: [
                "PORT": "0",
                "COACH_LLM_PROVIDER": "openai", "COACH_LLM_BASE_URL": "http://127.0.0.1:11434/v1", "COACH_LLM_MODEL": "llama3.2",
                "COACH_LLM_FALLBACK_PROVIDER": "anthropic", "COACH_LLM_FALLBACK_BASE_URL": "ftp://nowhere",
                "BRIEFING_LLM_FALLBACK_PROVIDER": "openai", "BRIEFING_LLM_FALLBACK_MODEL": "gpt-4o-mini",
                "BRIEFING_LLM_FALLBACK_API_KEY": "sk-secret-fallback-key",
            ])
        }
        let problems = bad?.problems ?? []
        #expect(problems.contains { $0.hasPrefix("PORT") }, "\(problems)")
        #expect(
            problems.contains(
                "COACH_LLM_FALLBACK_BASE_URL: \"ftp://nowhere\" is not an http(s) URL with a host (e.g. https://api.openai.com/v1)"))
        #expect(
            problems.contains(
                "COACH_LLM_FALLBACK_MODEL (or LLM_FALLBACK_MODEL) is required when the coach fallback provider is anthropic"))
        #expect(
            problems.contains(
                "COACH_LLM_FALLBACK_API_KEY (or LLM_FALLBACK_API_KEY) is required when the coach fallback provider is anthropic"))
        let offlinePrimary = "BRIEFING_LLM_FALLBACK_PROVIDER is set but the briefing provider is offline"
        #expect(problems.contains { $0.hasPrefix(offlinePrimary) }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("BRIEFING_LLM_FALLBACK_API_KEY") } == false, "hosted OpenAI with a key is fine")
        #expect(problems.count == 5, "\(problems)")
        #expect(bad?.description.contains("sk-secret-fallback-key") == false, "a key is never echoed")

        for value in ["offline", "gemini"] {
            let wrong = #expect(throws: AppConfig.Invalid.self) {
                try AppConfig.load(from: [
                    "LLM_PROVIDER": "openai", "LLM_BASE_URL": "http://127.0.0.1:1/v1", "LLM_MODEL": "m",
                    "LLM_FALLBACK_PROVIDER": value,
                ])
            }
            // One problem, though both purposes inherit it.
            let expected = "LLM_FALLBACK_PROVIDER: \"\(value)\" cannot be a fallback (expected openai, anthropic, or none for no fallback)"
            #expect(wrong?.problems == [expected])
        }
        let stray = #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["COACH_LLM_FALLBACK_MODEL": "x"]) }
        #expect(stray?.problems == ["COACH_LLM_FALLBACK_MODEL is set but COACH_LLM_FALLBACK_PROVIDER (or LLM_FALLBACK_PROVIDER) is not"])
    }

    @Test func databaseURLs() {
        #expect(AppConfig.parseDatabaseURL("sqlite://./data/x.sqlite") == .sqlite(path: "./data/x.sqlite"))
        #expect(AppConfig.parseDatabaseURL("sqlite:///var/lib/strideiq/db.sqlite") == .sqlite(path: "/var/lib/strideiq/db.sqlite"))
        #expect(AppConfig.parseDatabaseURL("postgresql://u:p@localhost:5433/db") == .postgres(url: "postgresql://u:p@localhost:5433/db"))
        #expect(AppConfig.parseDatabaseURL("sqlite://") == nil)
        #expect(AppConfig.parseDatabaseURL("postgres://") == nil)
        #expect(AppConfig.parseDatabaseURL("redis://x") == nil)
    }

    @Test func cidrMatching() throws {
        let v4 = try #require(CIDR("10.0.0.0/8"))
        #expect(v4.contains("10.255.1.2"))
        #expect(!v4.contains("11.0.0.1"))
        #expect(v4.contains("::ffff:10.1.2.3"))
        let v6 = try #require(CIDR("2001:db8::/32"))
        #expect(v6.contains("2001:db8:1::1"))
        #expect(!v6.contains("2001:db9::1"))
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("nonsense") == nil)
        #expect(CIDR("192.168.1.7")?.contains("192.168.1.7") == true)
    }
}
