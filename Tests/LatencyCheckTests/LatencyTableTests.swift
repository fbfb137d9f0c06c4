import Foundation
import Testing

@testable import LatencyCheck

@Suite("Report formatting")
struct LatencyTableTests {
    @Test func measurementTable() {
        var health = endpoint("GET /v1/health", p95: 3.1)
        health.p50Ms = 1.94
        health.p99Ms = 4
        health.maxMs = 4
        let home = endpoint("GET /v1/home", p95: nil, successRate: 0, samples: 50)
        let lines = LatencyTable.measurement([health, home])
        #expect(
            lines == [
                "endpoint                 samples   ok %   p50 ms   p95 ms   p99 ms   max ms",
                "GET /v1/health                50  100.0      1.9      3.1      4.0      4.0",
                "GET /v1/home                  50    0.0        -        -        -        -",
            ])
    }

    @Test func title() {
        #expect(
            LatencyTable.title(baseURL: "http://127.0.0.1:8080", samples: 50, concurrency: 1)
                == "latency-check http://127.0.0.1:8080 — 50 samples per endpoint, concurrency 1")
    }

    @Test func failureLines() {
        var login = endpoint("POST /v1/auth/login", p95: 200)
        login.successes = 45
        login.failures = ["429": 3, "timeout": 1, "500": 1]
        #expect(
            LatencyTable.failures([endpoint("GET /v1/health", p95: 2), login])
                == ["POST /v1/auth/login: 5 failed (429 ×3, 500 ×1, timeout ×1)"])
    }

    @Test func comparisonTable() {
        let baseline = Baseline(
            baseURL: "http://x", takenAt: Date(), samples: 50, concurrency: 1,
            endpoints: [endpoint("GET /v1/health", p95: 3.1), endpoint("GET /v1/home", p95: 14.2)])
        let comparison = Comparison(
            baseline: baseline,
            current: [
                endpoint("GET /v1/health", p95: 3.4), endpoint("GET /v1/home", p95: 61.0), endpoint("GET /v1/new", p95: 1),
            ])
        #expect(
            LatencyTable.comparison(comparison) == [
                "endpoint              p95 base   p95 now    change   ok % base   ok % now   verdict",
                "GET /v1/health             3.1       3.4    +9.7 %       100.0      100.0   ok",
                "GET /v1/home              14.2      61.0  +329.6 %       100.0      100.0   REGRESSION: p95 +46.8 ms (+329.6 %)",
                "GET /v1/new                  -       1.0         -           -      100.0   no baseline",
            ])
        #expect(comparison.hasRegression)
    }
}
