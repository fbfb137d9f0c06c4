import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import StrideIQ

/// A Redis that is hung rather than down: `kill -STOP` leaves its socket open, so connects are accepted by the
/// kernel's listen backlog and commands on open connections are never answered. Requests must then fail fast
/// (tight command timeouts, then the client's circuit breaker) with exactly the statuses of a cache that is down
/// (see `RedisDownTests`): home answers with `briefing_state: missing`, login and `/v1/auth/me` work.
@Suite(
    "Hung cache",
    .serialized,
    .enabled(if: ChildRedisServer.executable != nil, "redis-server is not installed"))
struct HungCacheTests {
    @Test func requestsFailFastWhileRedisIsStopped() async throws {
        let redis = try await ChildRedisServer.start()
        defer { redis.stop() }
        // The default timeouts and failure threshold; a cool-down shorter than the default keeps the recovery quick.
        let useRedis: (inout AppConfig) -> Void = { config in
            config.redisURL = redis.url
            config.redisCircuitCooldown = .seconds(2)
        }
        let logs = LogCapture()
        try await TestApp.with(.sqlite, config: useRedis, logs: logs) { t in
            let commandTimeout = t.config.redisCommandTimeout
            let metrics = t.services.metrics
            func circuit(_ state: String) -> Bool { metrics.value("cache_circuit_state", ["state": state]) == 1 }
            let s = try await t.register()
            #expect(try await t.request(.PATCH, "/v1/athlete", json: ["ai_consent": true], token: s.accessToken).status == .ok)
            let login: JSON = ["email": "\(s.email)", "password": "\(s.password)"]
            // Healthy first, so the pool holds open connections that the stop will hang.
            #expect(try await t.home(s).status == .ok)
            #expect(try await t.request(.POST, "/v1/auth/login", json: login).status == .ok)
            #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok)
            #expect(circuit("closed"))

            redis.pause()
            var timings: [String: [Duration]] = [:]
            var slowWhileOpen: [String] = []
            let clock = ContinuousClock()
            for _ in 0..<20 {
                for endpoint in ["home", "login", "me"] {
                    let circuitWasOpen = !circuit("closed")
                    let start = clock.now
                    let reply: Reply
                    switch endpoint {
                    case "home": reply = try await t.home(s)
                    case "login": reply = try await t.request(.POST, "/v1/auth/login", json: login)
                    default: reply = try await t.request(.GET, "/v1/auth/me", token: s.accessToken)
                    }
                    let took = clock.now - start
                    timings[endpoint, default: []].append(took)
                    // The statuses of a cache that is down (`RedisDownTests`).
                    #expect(reply.status == .ok, "\(endpoint) while Redis is stopped: \(reply.status.code) \(reply.text)")
                    if endpoint == "home" { #expect(reply.json["briefing_state"].string == "missing") }
                    // Until the circuit opens a request may wait out one timeout per cache call, and no more than
                    // the threshold of them in a row (then it opens); once it is open, at most one (the probe
                    // after a cool-down). Plus room for a loaded test machine.
                    #expect(took < commandTimeout * t.config.redisCircuitFailures + .milliseconds(500), "\(endpoint) took \(took)")
                    if circuitWasOpen && took > commandTimeout + .milliseconds(300) { slowWhileOpen.append("\(endpoint) \(took)") }
                }
            }
            #expect(slowWhileOpen.isEmpty, "slow requests with the circuit open: \(slowWhileOpen)")
            for (endpoint, samples) in timings.sorted(by: { $0.key < $1.key }) {
                let sorted = samples.sorted()
                let p50 = sorted[sorted.count / 2]
                print("hung cache: \(endpoint) p50 \(p50) max \(sorted.last!) first \(samples[0])")
                #expect(p50 < .milliseconds(100), "\(endpoint) p50 \(p50) while Redis is stopped")
            }
            #expect(circuit("open") || circuit("half_open"))
            #expect(metrics.total("cache_fail_open_total", matching: ["check": "rate_limit"]) >= 1)

            // Resumed: after the cool-down the next cache call probes, succeeds and closes the circuit.
            redis.resume()
            let deadline = clock.now + .seconds(10)
            while clock.now < deadline, !circuit("closed") {
                _ = try await t.request(.GET, "/v1/auth/me", token: s.accessToken)
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(circuit("closed"), "the circuit closes once Redis answers again")
            // Transitions are logged once each, not per request or per probe.
            let messages = logs.all.map(\.message)
            let circuitLines = messages.filter { $0.hasPrefix("Redis circuit") }
            #expect(messages.filter { $0.hasPrefix("Redis circuit opened") }.count == 1, "\(circuitLines)")
            #expect(messages.filter { $0.hasPrefix("Redis circuit closed") }.count == 1)
        }
    }
}

@Suite("Redis client settings")
struct RedisClientSettingsTests {
    @Test func timeoutsAndBreakerComeFromTheEnvironment() throws {
        let defaults = try #require(try AppConfig.load(from: ["REDIS_URL": "redis://cache:6379/2"]).redisConfiguration())
        #expect(defaults.connectTimeout == .milliseconds(500))
        #expect(defaults.commandTimeout == .milliseconds(500))
        #expect(defaults.circuitBreaker?.failureThreshold == 5)
        #expect(defaults.circuitBreaker?.cooldown == .seconds(5))
        #expect(defaults.database == 2)
        #expect(try AppConfig.load(from: [:]).redisConfiguration() == nil)

        let tuned = try #require(
            try AppConfig.load(from: [
                "REDIS_URL": "redis://cache", "REDIS_CONNECT_TIMEOUT_MS": "150", "REDIS_COMMAND_TIMEOUT_MS": "80",
                "REDIS_CIRCUIT_FAILURES": "3", "REDIS_CIRCUIT_COOLDOWN_S": "30",
            ]).redisConfiguration())
        #expect(tuned.connectTimeout == .milliseconds(150))
        #expect(tuned.commandTimeout == .milliseconds(80))
        #expect(tuned.circuitBreaker?.failureThreshold == 3)
        #expect(tuned.circuitBreaker?.cooldown == .seconds(30))
        let off = try AppConfig.load(from: ["REDIS_URL": "redis://cache", "REDIS_CIRCUIT_FAILURES": "0"])
        #expect(try off.redisConfiguration()?.circuitBreaker == nil)

        let bad = #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.load(from: [
                "REDIS_CONNECT_TIMEOUT_MS": "0", "REDIS_COMMAND_TIMEOUT_MS": "fast", "REDIS_CIRCUIT_FAILURES": "-1",
                "REDIS_CIRCUIT_COOLDOWN_S": "0",
            ])
        }
        let problems = bad?.problems.joined(separator: "\n") ?? ""
        for name in ["REDIS_CONNECT_TIMEOUT_MS", "REDIS_COMMAND_TIMEOUT_MS", "REDIS_CIRCUIT_FAILURES", "REDIS_CIRCUIT_COOLDOWN_S"] {
            #expect(problems.contains(name), "\(name) not reported: \(problems)")
        }
    }
}
