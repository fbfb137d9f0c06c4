import Foundation
import Testing

@testable import LatencyCheck

/// The whole command against `FakeStrideIQServer` on loopback. Serialized so the runs do not compete with
/// each other for the two cores; assertions use wide margins (60 ms against a 30 ms threshold, a 1.5 s
/// pause against a 1 s window) rather than tight timings.
@Suite("End to end", .serialized)
struct EndToEndTests {
    func arguments(_ server: FakeStrideIQServer, password: String = "correct horse", _ extra: [String]) -> [String] {
        ["--base-url", server.baseURL, "--email", "runner@example.com", "--password", password] + extra
    }

    @Test func cleanRunWritesBaselineAndLogsEverySessionOut() async throws {
        let server = try await FakeStrideIQServer.start()
        let out = temporaryPath("baseline.json")
        defer { try? FileManager.default.removeItem(atPath: out) }

        let run = await runLatencyCheck(arguments(server, ["--samples", "10", "--concurrency", "2", "--out", out]))
        let seen = server.observations
        await server.shutdown()

        #expect(run.code == 0, "\(run.output.text)\n\(run.errors.text)")
        #expect(run.output.all.contains("latency-check \(server.baseURL) — 10 samples per endpoint, concurrency 2"))
        #expect(run.output.all.contains { $0.hasPrefix("endpoint                 samples   ok %") })
        #expect(run.output.all.contains { $0.hasPrefix("GET /v1/home                  10  100.0") })
        #expect(run.output.all.last == "verdict: clean — all 30 samples succeeded; baseline written to \(out)")
        #expect(!run.output.text.contains("waiting"))

        let baseline = try Baseline.load(path: out)
        #expect(baseline.endpoints.map(\.name) == ["GET /v1/health", "POST /v1/auth/login", "GET /v1/home"])
        #expect(baseline.endpoints.allSatisfy { $0.samples == 10 && $0.successes == 10 && $0.durationsMs.count == 10 })
        #expect(baseline.samples == 10 && baseline.concurrency == 2)

        // 2 warm-up logins + 10 measured ones, each logged out again; home was asked 2 + 10 times.
        #expect(seen.successfulLogins == 12)
        #expect(seen.logouts == 12)
        #expect(seen.homeRequests == 12)
        #expect(run.output.all.contains("sessions: 12 opened, 12 logged out"))
    }

    @Test func passwordFromTheEnvironment() async throws {
        let server = try await FakeStrideIQServer.start()
        let run = await runLatencyCheck(
            ["--base-url", server.baseURL, "--email", "runner@example.com", "--samples", "3"],
            environment: ["LATENCY_CHECK_PASSWORD": "correct horse"])
        let seen = server.observations
        await server.shutdown()
        #expect(run.code == 0, "\(run.output.text)\n\(run.errors.text)")
        #expect(seen.successfulLogins == 5)
    }

    @Test func compareFlagsHomeRegressionOnly() async throws {
        let server = try await FakeStrideIQServer.start()
        let out = temporaryPath("baseline.json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        // 20 samples put p95 at rank 19, so one stray scheduling hiccup cannot decide a verdict.
        let common = ["--samples", "20", "--min-p95-increase-ms", "30"]

        let before = await runLatencyCheck(arguments(server, common + ["--out", out]))
        #expect(before.code == 0, "\(before.output.text)\n\(before.errors.text)")

        server.update { $0.homeDelay = .milliseconds(60) }
        let slow = await runLatencyCheck(arguments(server, common + ["--compare", out]))
        #expect(slow.code == 1, "\(slow.output.text)")
        let verdictLines = slow.output.all.filter { $0.contains("REGRESSION") }
        #expect(verdictLines.count == 2, "\(slow.output.text)")  // the table row and the final verdict
        #expect(verdictLines.allSatisfy { $0.contains("GET /v1/home") })
        #expect(slow.output.all.contains { $0.hasPrefix("GET /v1/health") && $0.hasSuffix("   ok") })
        #expect(slow.output.all.contains { $0.hasPrefix("POST /v1/auth/login") && $0.hasSuffix("   ok") })
        #expect(slow.output.all.last?.hasPrefix("verdict: REGRESSION — GET /v1/home: p95 +") == true)

        server.update { $0.homeDelay = .zero }
        let same = await runLatencyCheck(arguments(server, common + ["--compare", out]))
        await server.shutdown()
        #expect(same.code == 0, "\(same.output.text)")
        #expect(!same.output.text.contains("REGRESSION"))
        #expect(same.output.all.last == "verdict: ok — no regression against \(out)")
    }

    @Test func rateLimitPauseIsTakenAndNotMeasured() async throws {
        // The 5th login (the 3rd measured one) reports Remaining 0, Reset 1; the server then answers
        // 429 to auth requests for one second.
        let server = try await FakeStrideIQServer.start(.init(exhaustOnLogin: 5))
        let out = temporaryPath("baseline.json")
        defer { try? FileManager.default.removeItem(atPath: out) }

        let run = await runLatencyCheck(arguments(server, ["--samples", "6", "--out", out]))
        let seen = server.observations
        await server.shutdown()

        #expect(run.code == 0, "\(run.output.text)")
        let waits = run.output.all.filter { $0.hasPrefix("waiting ") }
        #expect(waits.count == 1)
        #expect(waits.first?.contains("for the auth rate limit (X-RateLimit-Remaining: 0, X-RateLimit-Reset: 1)") == true)
        #expect(seen.rateLimited == 0, "the pause must outlast the server's window")
        #expect(seen.loginRequests == 8)
        let gap = seen.loginArrivals[5] - seen.loginArrivals[4]
        #expect(gap >= .seconds(1), "gap \(gap)")

        let login = try #require(try Baseline.load(path: out).endpoint(named: "POST /v1/auth/login"))
        #expect(login.successes == 6)
        // The pause (≥ 1.5 s) would dominate any sample that included it.
        #expect(try #require(login.maxMs) < 1_000)
        #expect(seen.logouts == 8)
    }

    @Test func concurrentWorkersStayWithinARealRateLimit() async throws {
        // 10 auth requests per 2 s window (Reset has whole seconds, so a window shorter than 2 s could not
        // be told from the next); 9 logins and 9 logouts need two windows.
        let server = try await FakeStrideIQServer.start(.init(authLimit: (requests: 10, window: .seconds(2))))
        let run = await runLatencyCheck(arguments(server, ["--samples", "8", "--warmup", "1", "--concurrency", "3"]))
        let seen = server.observations
        await server.shutdown()

        #expect(run.code == 0, "\(run.output.text)")
        #expect(seen.rateLimited == 0, "\(run.output.text)")
        #expect(run.output.all.contains { $0.hasPrefix("waiting ") })
        #expect(seen.successfulLogins == 9)
        #expect(seen.logouts == 9)
    }

    @Test func wrongPasswordFailsLoginsAndHomeExitThree() async throws {
        let server = try await FakeStrideIQServer.start()
        let out = temporaryPath("baseline.json")
        defer { try? FileManager.default.removeItem(atPath: out) }

        let run = await runLatencyCheck(arguments(server, password: "wrong", ["--samples", "10", "--out", out]))
        let seen = server.observations
        await server.shutdown()

        #expect(run.code == 3)
        #expect(run.output.all.contains("POST /v1/auth/login: 10 failed (401 ×10)"))
        #expect(run.output.all.contains("GET /v1/home: 10 failed (no access token ×10)"))
        #expect(run.output.all.contains("GET /v1/home was not measured: no login succeeded, so there was no access token"))
        #expect(run.output.all.last?.hasPrefix("verdict: NOT CLEAN — 20 of 30 samples failed") == true)
        #expect(seen.homeRequests == 0)
        #expect(seen.logouts == 0)

        // Written anyway, for the operator to look at.
        let baseline = try Baseline.load(path: out)
        #expect(baseline.endpoint(named: "POST /v1/auth/login")?.failures == ["401": 10])
        #expect(baseline.endpoint(named: "GET /v1/home")?.p95Ms == nil)
        #expect(baseline.endpoint(named: "GET /v1/health")?.successes == 10)
    }

    @Test func hungHealthCheckTimesOut() async throws {
        let server = try await FakeStrideIQServer.start(.init(hangHealth: true))
        let out = temporaryPath("baseline.json")
        defer { try? FileManager.default.removeItem(atPath: out) }

        let clock = ContinuousClock()
        let start = clock.now
        let run = await runLatencyCheck(arguments(server, ["--samples", "2", "--warmup", "0", "--timeout", "1", "--out", out]))
        let elapsed = clock.now - start
        await server.shutdown()

        #expect(run.code == 3)
        #expect(run.output.all.contains("GET /v1/health: 2 failed (timeout ×2)"))
        #expect(elapsed < .seconds(20), "took \(elapsed)")
        let baseline = try Baseline.load(path: out)
        #expect(baseline.endpoint(named: "GET /v1/health")?.failures == ["timeout": 2])
        #expect(baseline.endpoint(named: "GET /v1/home")?.successes == 2)
    }

    @Test func serverThatIsDownEndsTheRunEarly() async throws {
        let server = try await FakeStrideIQServer.start()
        await server.shutdown()  // its port is now closed: connections are refused

        let clock = ContinuousClock()
        let start = clock.now
        let run = await runLatencyCheck(arguments(server, ["--samples", "20", "--timeout", "2"]))
        let elapsed = clock.now - start

        #expect(run.code == 3)
        #expect(run.output.all.contains("GET /v1/health: 20 failed (connection refused ×20)"), "\(run.output.text)")
        // Refusals fail at once, not after a connect timeout each (60+ requests × 2 s).
        #expect(elapsed < .seconds(15), "took \(elapsed)")
    }
}
