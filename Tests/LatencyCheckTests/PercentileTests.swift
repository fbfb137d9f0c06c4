import Testing

@testable import LatencyCheck

@Suite("percentile (nearest rank) and LatencyStats")
struct PercentileTests {
    @Test func oneToHundred() {
        let values = (1...100).map(Double.init)
        #expect(percentile(values, 50) == 50)
        #expect(percentile(values, 95) == 95)
        #expect(percentile(values, 99) == 99)
        #expect(percentile(values, 100) == 100)
        #expect(percentile(values, 0) == 1)
    }

    @Test func singleValueIsEveryPercentile() {
        #expect(percentile([7.5], 50) == 7.5)
        #expect(percentile([7.5], 95) == 7.5)
        #expect(percentile([7.5], 99) == 7.5)
    }

    @Test func emptyIsNil() {
        #expect(percentile([], 50) == nil)
        #expect(percentile([], 99) == nil)
    }

    @Test func fiftyValuesP99IsTheMaximum() {
        let values = (1...50).map { Double($0) * 1.5 }
        #expect(percentile(values, 99) == values.last)
        #expect(percentile(values, 95) == values[47])  // rank ⌈47.5⌉ = 48
        #expect(percentile(values, 50) == values[24])  // rank 25
    }

    @Test func statsCoverSuccessfulSamplesOnly() {
        let stats = LatencyStats(durationsMs: [5, 1000, 3, 4, 2], successes: [true, false, true, true, true])
        #expect(stats.samples == 5)
        #expect(stats.successes == 4)
        #expect(stats.successRate == 0.8)
        #expect(stats.p50Ms == 3)
        #expect(stats.p95Ms == 5)
        #expect(stats.maxMs == 5)
    }

    @Test func statsWithoutSuccessHaveNoPercentiles() {
        let stats = LatencyStats(samples: [Sample(durationMs: 10_000, failure: "timeout")])
        #expect(stats.successRate == 0)
        #expect(stats.p50Ms == nil && stats.p95Ms == nil && stats.p99Ms == nil && stats.maxMs == nil)
    }
}
