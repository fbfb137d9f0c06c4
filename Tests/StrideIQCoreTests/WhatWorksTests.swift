import Foundation
import Testing

@testable import StrideIQCore

@Suite("What works: check-ins against the next run, Spearman with ties, Benjamini–Hochberg")
struct WhatWorksTests {
    /// SplitMix64: a small seeded generator so the noise tests are reproducible.
    struct SeededRNG: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let day0 = LocalDate("2026-01-05")!

    // MARK: The statistics

    @Test func averageRanksShareTiedRanks() {
        #expect(Statistics.averageRanks([1, 2, 2, 3, 4, 4, 4, 5]) == [1, 2.5, 2.5, 4, 6, 6, 6, 8])
        #expect(Statistics.averageRanks([30, 10, 20]) == [3, 1, 2])
        #expect(Statistics.averageRanks([]) == [])
    }

    /// By hand: ranks x = 1, 2.5, 2.5, 4, 6, 6, 6, 8 and y = 2, 1, 3.5, 3.5, 6, 5, 7.5, 7.5 (mean 4.5 both);
    /// Σdx·dy = 36.25, Σdx² = 39.5, Σdy² = 41, so ρ = 36.25 ÷ √(39.5 × 41) = 0.900777…;
    /// t = ρ·√(6 ÷ (1 − ρ²)) = 5.08 on 6 df, p = 0.00226.
    @Test func spearmanWithTiesMatchesTheHandComputation() throws {
        let x: [Double] = [1, 2, 2, 3, 4, 4, 4, 5]
        let y: [Double] = [2, 1, 3, 3, 5, 4, 6, 6]
        let rho = try #require(Statistics.spearman(x, y))
        #expect(abs(rho - 36.25 / (39.5 * 41).squareRoot()) < 1e-15)
        #expect(abs(rho - 0.9007775105401477) < 1e-12)
        #expect(abs(Statistics.correlationPValue(r: rho, n: 8) - 0.0022640090646742616) < 1e-10)
        // Order-preserving transforms do not change it; reversing one side flips its sign.
        #expect(abs(try #require(Statistics.spearman(x.map { exp($0) }, y)) - rho) < 1e-15)
        #expect(abs(try #require(Statistics.spearman(x.map { -$0 }, y)) + rho) < 1e-15)
        #expect(Statistics.spearman([1, 1, 1], [1, 2, 3]) == nil, "a constant side has no ranks to correlate")
        #expect(Statistics.correlationPValue(r: 1, n: 12) == 0)
    }

    /// Benjamini & Hochberg (1995), the 15 p-values of their worked example: at q = 0.05 the four smallest are
    /// rejected. Adjusted values: min over j ≥ i of p(j)·15/j.
    @Test func benjaminiHochbergMatchesTheTextbookExample() {
        let p = [
            0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528,
            0.7590, 1.000,
        ]
        let expected = [
            0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571428571, 0.0638571428571, 0.0645, 0.0765, 0.486,
            0.581181818182, 0.714875, 0.753230769231, 0.813214285714, 1,
        ]
        // Shuffled input: the adjustment must follow each value, not its position.
        let order = [7, 3, 14, 0, 9, 12, 1, 5, 11, 2, 13, 6, 10, 4, 8]
        let q = Statistics.benjaminiHochberg(order.map { p[$0] })
        for (k, i) in order.enumerated() { #expect(abs(q[k] - expected[i]) < 1e-9, "p \(p[i])") }
        #expect(q.filter { $0 <= 0.05 }.count == 4)
        #expect(Statistics.benjaminiHochberg([]) == [])
    }

    // MARK: Pairing

    static func checkin(
        _ offset: Int, sleep: Double? = nil, quality: Int? = nil, soreness: Int? = nil, stress: Int? = nil, readiness: Int? = nil
    )
        -> CheckinInputs
    {
        CheckinInputs(
            date: day0.adding(days: offset), sleepHours: sleep, sleepQuality: quality, soreness: soreness, stress: stress,
            readiness: readiness)
    }

    static func outcome(_ offset: Int, efficiency: Double? = nil, pace: Double? = nil, at second: Double? = nil) -> RunOutcome {
        RunOutcome(
            date: day0.adding(days: offset), startTime: second.map { Date(timeIntervalSince1970: $0) }, efficiency: efficiency,
            paceVsPlanPercent: pace)
    }

    @Test func aCheckinPairsWithTheFirstRunThatDayElseTheNextDay() {
        let checkins = [Self.checkin(0, sleep: 7), Self.checkin(2, sleep: 8), Self.checkin(3, sleep: 6), Self.checkin(5, sleep: 9)]
        let runs = [
            // Day 0: two runs; the earlier one (by start time, not array order) is paired.
            Self.outcome(0, efficiency: 0.022, at: 2_000), Self.outcome(0, efficiency: 0.020, at: 1_000),
            // Day 2 has no run; day 3 has one but also its own check-in, so day 2 stays unpaired.
            Self.outcome(3, efficiency: 0.021),
            // Day 5 has no run: the run of day 6 (no check-in of its own) is paired with it.
            Self.outcome(6, efficiency: 0.023),
            // Day 8: no check-in on 7 or 8.
            Self.outcome(8, efficiency: 0.019),
        ]
        let sorted = runs.sorted { ($0.date, $0.startTime ?? .distantPast) < ($1.date, $1.startTime ?? .distantPast) }
        let pairs = WhatWorks.pairs(input: .sleepHours, output: .efficiency, checkins: checkins, runs: sorted)
        #expect(pairs.map(\.0) == [7, 6, 9])
        #expect(pairs.map(\.1) == [0.020, 0.021, 0.023])
        // Runs without the outcome are skipped for it: day 0's first run with a pace is the later one.
        let paced = [Self.outcome(0, efficiency: 0.02, at: 1), Self.outcome(0, pace: 3, at: 2)]
        #expect(WhatWorks.pairs(input: .sleepHours, output: .paceVsPlan, checkins: checkins, runs: paced).map(\.1) == [3])
    }

    @Test func strengthWords() {
        #expect(
            [0.1, -0.29, 0.3, -0.69, 0.7, -1].map { WhatWorks.strength(rho: $0) } == [
                "weak", "weak", "moderate", "moderate", "strong", "strong",
            ])
    }

    @Test func paceAgainstPlanIsPercentSlowerThanPlanned() {
        #expect(RunOutcome.paceVsPlanPercent(actualSPerKm: 315, plannedSPerKm: 300) == 5)
        #expect(RunOutcome.paceVsPlanPercent(actualSPerKm: 285, plannedSPerKm: 300) == -5)
        #expect(RunOutcome.paceVsPlanPercent(actualSPerKm: 300, plannedSPerKm: 0) == nil)
        #expect(WhatWorks.Output.efficiency.higherIsBetter && !WhatWorks.Output.paceVsPlan.higherIsBetter)
    }

    // MARK: The analysis

    @Test func belowTheMinimumNothingIsClaimedAndTheShortfallIsSaid() {
        // A perfect relationship on 11 days: still nothing.
        let checkins = (0..<11).map { Self.checkin($0, sleep: 5 + Double($0) * 0.3) }
        let runs = (0..<11).map { Self.outcome($0, efficiency: 0.018 + Double($0) * 0.0004) }
        let report = WhatWorks.analyse(checkins: checkins, outcomes: runs)
        #expect(report.findings.isEmpty)
        #expect(report.pairs == 11 && report.pairsNeeded == 1 && report.minSampleSize == 12)
        #expect(report.falseDiscoveryRate == 0.05)
        // The twelfth day makes it claimable.
        let more = WhatWorks.analyse(
            checkins: checkins + [Self.checkin(11, sleep: 9)], outcomes: runs + [Self.outcome(11, efficiency: 0.0228)])
        #expect(more.pairsNeeded == 0 && more.pairs == 12)
        #expect(more.findings.map(\.input) == ["sleep_hours"])
        let empty = WhatWorks.analyse(checkins: [], outcomes: [])
        #expect(empty.findings.isEmpty && empty.pairs == 0 && empty.pairsNeeded == 12)
    }

    @Test func plantedRelationshipsAreFoundWithTheRightPolarity() throws {
        var rng = SeededRNG(state: 42)
        var checkins: [CheckinInputs] = []
        var runs: [RunOutcome] = []
        for d in 0..<40 {
            let sleep = Double.random(in: 5...9, using: &rng)
            let soreness = Int.random(in: 1...5, using: &rng)
            checkins.append(
                Self.checkin(
                    d, sleep: sleep, quality: Int.random(in: 1...5, using: &rng), soreness: soreness,
                    stress: Int.random(in: 1...5, using: &rng), readiness: Int.random(in: 1...5, using: &rng)))
            // More sleep → more efficient; more soreness → slower than planned. Plus noise.
            let efficiency = 0.018 + 0.0008 * sleep + Double.random(in: -0.0006...0.0006, using: &rng)
            let pace = 2.0 * Double(soreness) + Double.random(in: -2...2, using: &rng)
            runs.append(Self.outcome(d, efficiency: efficiency, pace: pace))
        }
        let report = WhatWorks.analyse(checkins: checkins, outcomes: runs)
        #expect(report.pairs == 40 && report.pairsNeeded == 0)
        let sleep = try #require(report.findings.first { $0.input == "sleep_hours" && $0.output == "efficiency" })
        #expect(sleep.rho > 0.6 && sleep.n == 40 && sleep.higherInputIsBetter)
        #expect(sleep.qValue <= 0.05 && sleep.pValue <= sleep.qValue)
        #expect(sleep.sentence.hasPrefix("On days with more sleep, your next run was more efficient (ρ = 0."))
        #expect(sleep.sentence.hasSuffix(", n = 40)."))
        let sore = try #require(report.findings.first { $0.input == "soreness" && $0.output == "pace_vs_plan" })
        // A positive ρ against an outcome where lower is better: soreness goes with worse runs.
        #expect(sore.rho > 0.6 && !sore.higherInputIsBetter)
        #expect(sore.sentence.hasPrefix("On days with more soreness, your next run was slower against your planned pace"))
        #expect(report.findings.count == 2, "\(report.findings.map { ($0.input, $0.output, $0.rho) })")
        #expect(abs(report.findings[0].rho) >= abs(report.findings[1].rho), "strongest first")
    }

    /// Pure noise: all five inputs and both outcomes independent. Under no true effect BH bounds the chance of
    /// any claim by q = 5 %: over 400 seeded athletes (measured: 4.6 % over 1 000) at most 7.5 % may get one.
    /// Without the adjustment (raw p < 0.05 and |ρ| ≥ 0.3 over ten tests) 18 % did (measured).
    @Test func pureNoiseClaimsNothing() {
        let athletes = 400
        var athletesWithAClaim = 0
        for seed in 0..<athletes {
            var rng = SeededRNG(state: UInt64(seed) &* 7_919)
            var checkins: [CheckinInputs] = []
            var runs: [RunOutcome] = []
            for d in 0..<60 {
                checkins.append(
                    Self.checkin(
                        d, sleep: Double.random(in: 5...9, using: &rng), quality: Int.random(in: 1...5, using: &rng),
                        soreness: Int.random(in: 1...5, using: &rng), stress: Int.random(in: 1...5, using: &rng),
                        readiness: Int.random(in: 1...5, using: &rng)))
                runs.append(
                    Self.outcome(
                        d, efficiency: Double.random(in: 0.018...0.024, using: &rng),
                        pace: Double.random(in: -8...8, using: &rng)))
            }
            let report = WhatWorks.analyse(checkins: checkins, outcomes: runs)
            if !report.findings.isEmpty { athletesWithAClaim += 1 }
            if seed == 0 { #expect(report.findings.isEmpty && report.pairs == 60) }
        }
        #expect(athletesWithAClaim * 1_000 <= athletes * 75, "\(athletesWithAClaim) of \(athletes) noise athletes got a claim")
    }
}
