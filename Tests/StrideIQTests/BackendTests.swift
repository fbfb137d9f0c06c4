import Foundation
import Testing

@testable import StrideIQ

/// Makes the Postgres half of the integration suite visible: without `POSTGRES_URL` this reports itself
/// skipped with the reason; with it, it proves the server answers and migrations apply.
@Suite(
    "Postgres backend",
    .enabled(
        if: TestBackend.postgresURL != nil,
        "POSTGRES_URL is not set: the integration suite runs on SQLite only (.ci/run sets it)"))
struct PostgresBackendTests {
    @Test func postgresAnswersAndMigrates() async throws {
        try await TestApp.with(.postgres) { t in
            let health = try await t.request(.GET, "/health")
            #expect(health.json["checks"]["database"]["backend"].string == "postgres")
            #expect(health.status == .ok)
        }
    }
}

@Suite(
    "Redis backend",
    .enabled(
        if: TestBackend.postgresURL != nil && TestBackend.redisURL != nil,
        "POSTGRES_URL and REDIS_URL are not both set: the Postgres runs use the in-memory cache"))
struct RedisBackendTests {
    @Test func postgresRunsUseRedis() async throws {
        try await TestApp.with(.postgres) { t in
            let health = try await t.request(.GET, "/health")
            #expect(health.json["checks"]["cache"]["backend"].string == "redis")
            #expect(health.status == .ok)
        }
    }
}

@Suite("Redis down")
struct RedisDownTests {
    /// Nothing listens on port 1. Home still answers, login still works (checks fail open and are counted),
    /// readiness names the cache.
    @Test func theAppDegradesInsteadOfFailing() async throws {
        try await TestApp.with(.sqlite, config: { $0.redisURL = "redis://127.0.0.1:1/0" }) { t in
            let s = try await t.register()
            #expect(try await t.request(.PATCH, "/v1/athlete", json: ["ai_consent": true], token: s.accessToken).status == .ok)
            let home = try await t.home(s)
            #expect(home.status == .ok)
            #expect(home.json["briefing_state"].string == "missing")
            #expect(home.json["week"]["days"].array.count == 7)
            let login = try await t.request(.POST, "/v1/auth/login", json: ["email": "\(s.email)", "password": "\(s.password)"])
            #expect(login.status == .ok)
            #expect(t.services.metrics.total("cache_fail_open_total", matching: ["check": "login_lockout"]) >= 1)
            #expect(t.services.metrics.total("cache_fail_open_total", matching: ["check": "rate_limit"]) >= 1)
            let health = try await t.request(.GET, "/health")
            #expect(health.status == .serviceUnavailable)
            #expect(health.json["checks"]["cache"]["status"].string == "failed")
            #expect(health.json["checks"]["cache"]["backend"].string == "redis")
        }
    }
}
