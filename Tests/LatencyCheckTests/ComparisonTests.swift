import Foundation
import Testing

@testable import LatencyCheck

@Suite("Comparison verdicts")
struct ComparisonTests {
    let defaults = Comparison.Thresholds()  // 25 %, 20 ms

    func verdict(base: Double?, now: Double?, baseRate: Double = 1, nowRate: Double = 1) -> Comparison.Verdict {
        Comparison.verdict(
            base: endpoint("GET /v1/home", p95: base, successRate: baseRate),
            now: endpoint("GET /v1/home", p95: now, successRate: nowRate),
            thresholds: defaults)
    }

    @Test func exactlyTwentyFivePercentIsNotARegression() {
        #expect(verdict(base: 100, now: 125) == .ok)
    }

    @Test func justAboveTwentyFivePercentAndTwentyMillisecondsIs() {
        let result = verdict(base: 100, now: 125.1)
        #expect(result.isRegression)
        #expect(result.text == "REGRESSION: p95 +25.1 ms (+25.1 %)")
    }

    @Test func doubledButOnlyTenMillisecondsIsNotARegression() {
        #expect(verdict(base: 10, now: 20) == .ok)
    }

    @Test func exactlyTheMinimumMillisecondsIsNotARegression() {
        #expect(verdict(base: 40, now: 60) == .ok)  // +50 % but exactly +20 ms
        #expect(verdict(base: 40, now: 60.1).isRegression)
    }

    @Test func fasterIsFine() {
        #expect(verdict(base: 100, now: 50) == .ok)
    }

    @Test func successRateDropIsARegression() {
        let result = verdict(base: 10, now: 10, baseRate: 1, nowRate: 0.98)
        #expect(result.isRegression)
        #expect(result.text.contains("success rate 100.0 % → 98.0 %"))
    }

    @Test func unchangedImperfectSuccessRateIsNot() {
        #expect(verdict(base: 10, now: 10, baseRate: 0.98, nowRate: 0.98) == .ok)
    }

    @Test func noSuccessfulSampleNowIsARegression() {
        let result = verdict(base: 10, now: nil, baseRate: 1, nowRate: 0)
        #expect(result.isRegression)
        #expect(result.text.contains("no successful sample"))
    }

    @Test func endpointMissingFromBaselineIsNoBaseline() {
        let baseline = Baseline(
            baseURL: "http://x", takenAt: Date(), samples: 50, concurrency: 1,
            endpoints: [endpoint("GET /v1/health", p95: 3)])
        let comparison = Comparison(
            baseline: baseline,
            current: [
                endpoint("GET /v1/health", p95: 3.2),
                endpoint("GET /v1/home", p95: 500),
            ])
        #expect(comparison.rows.map(\.verdict) == [.ok, .noBaseline])
        #expect(comparison.rows[1].verdict.text == "no baseline")
        #expect(!comparison.hasRegression)
    }

    @Test func customThresholds() {
        let strict = Comparison.Thresholds(maxP95IncreasePercent: 10, minP95IncreaseMs: 1)
        let result = Comparison.verdict(base: endpoint("a", p95: 10), now: endpoint("a", p95: 11.5), thresholds: strict)
        #expect(result.isRegression)
    }
}
