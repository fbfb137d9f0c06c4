import Foundation

/// One day's check-in, reduced to the inputs the what-works analysis tests. Scales as stored: sleep in hours,
/// the others 1–5 (soreness and stress: 5 = worst; sleep quality and readiness: 5 = best).
public struct CheckinInputs: Codable, Sendable, Equatable {
    public var date: LocalDate
    public var sleepHours: Double?
    public var sleepQuality: Int?
    public var soreness: Int?
    public var stress: Int?
    public var readiness: Int?

    public init(date: LocalDate, sleepHours: Double?, sleepQuality: Int?, soreness: Int?, stress: Int?, readiness: Int?) {
        self.date = date
        self.sleepHours = sleepHours
        self.sleepQuality = sleepQuality
        self.soreness = soreness
        self.stress = stress
        self.readiness = readiness
    }
}

/// One run's outcomes, on its local day.
public struct RunOutcome: Codable, Sendable, Equatable {
    public var date: LocalDate
    /// Orders several runs on one day (the first is the one paired); `nil` keeps the order given.
    public var startTime: Date?
    /// `EfficiencyPoint.efficiency` when the run is a comparable easy run, else `nil`. Higher is better.
    public var efficiency: Double?
    /// How much slower than the planned pace the run was, in percent of the planned pace:
    /// (actual s/km − planned s/km) ÷ planned s/km × 100 (see `paceVsPlanPercent(actualSPerKm:plannedSPerKm:)`).
    /// Positive = slower than planned; LOWER is better. `nil` when the run had no planned workout with a pace.
    public var paceVsPlanPercent: Double?

    public init(date: LocalDate, startTime: Date? = nil, efficiency: Double?, paceVsPlanPercent: Double?) {
        self.date = date
        self.startTime = startTime
        self.efficiency = efficiency
        self.paceVsPlanPercent = paceVsPlanPercent
    }

    /// The one definition of `paceVsPlanPercent`; `nil` unless both paces are positive.
    public static func paceVsPlanPercent(actualSPerKm: Double, plannedSPerKm: Double) -> Double? {
        guard actualSPerKm > 0, plannedSPerKm > 0, actualSPerKm.isFinite, plannedSPerKm.isFinite else { return nil }
        return (actualSPerKm - plannedSPerKm) / plannedSPerKm * 100
    }
}

/// Which check-in inputs go with better or worse runs.
///
/// Pairing: the check-in of day D is paired with the first run on day D (a check-in describes the night before
/// and the day itself); when there is no run on D, with the first run on D + 1, unless that run has its own
/// check-in for the same input (then it belongs to that one: no run is counted twice for one input). For each
/// outcome only runs that have that outcome are considered.
///
/// Statistics: Spearman's rank correlation (average ranks for ties) per (input, outcome) with at least
/// `minSampleSize` pairs, its two-sided p-value by the t approximation, and Benjamini–Hochberg adjustment across
/// every tested pair. A finding is claimed when its adjusted p-value is at most `falseDiscoveryRate` and
/// |ρ| ≥ `minAbsRho`.
public enum WhatWorks {
    /// Fewer pairs than this: nothing is tested, nothing is claimed.
    public static let minSampleSize = 12
    /// Benjamini–Hochberg false-discovery rate.
    public static let falseDiscoveryRate = 0.05
    /// Weaker correlations are not claimed even when significant (a large sample makes a trivial effect
    /// significant; below 0.3 it is too weak to act on).
    public static let minAbsRho = 0.3

    /// The original's strength words for |ρ|: below 0.3 "weak", below 0.7 "moderate", else "strong".
    public static func strength(rho: Double) -> String {
        abs(rho) < 0.3 ? "weak" : abs(rho) < 0.7 ? "moderate" : "strong"
    }

    /// A tested check-in input.
    public enum Input: String, CaseIterable, Sendable {
        case sleepHours = "sleep_hours"
        case sleepQuality = "sleep_quality"
        case soreness
        case stress
        case readiness

        func value(_ c: CheckinInputs) -> Double? {
            switch self {
            case .sleepHours: c.sleepHours
            case .sleepQuality: c.sleepQuality.map(Double.init)
            case .soreness: c.soreness.map(Double.init)
            case .stress: c.stress.map(Double.init)
            case .readiness: c.readiness.map(Double.init)
            }
        }

        /// "On days with <phrase>, …": what a higher value means.
        var higherPhrase: String {
            switch self {
            case .sleepHours: "more sleep"
            case .sleepQuality: "better sleep quality"
            case .soreness: "more soreness"
            case .stress: "more stress"
            case .readiness: "higher readiness"
            }
        }
    }

    /// A run outcome the inputs are tested against.
    public enum Output: String, CaseIterable, Sendable {
        case efficiency
        case paceVsPlan = "pace_vs_plan"

        func value(_ r: RunOutcome) -> Double? {
            switch self {
            case .efficiency: r.efficiency
            case .paceVsPlan: r.paceVsPlanPercent
            }
        }

        /// Whether a higher value of the outcome is better: efficiency (speed per heartbeat) yes; pace against
        /// plan (percent slower than planned) no.
        public var higherIsBetter: Bool {
            switch self {
            case .efficiency: true
            case .paceVsPlan: false
            }
        }

        /// How the next run went when the outcome was better or worse.
        func phrase(better: Bool) -> String {
            switch self {
            case .efficiency: better ? "more efficient" : "less efficient"
            case .paceVsPlan: better ? "faster against your planned pace" : "slower against your planned pace"
            }
        }
    }

    public static func analyse(checkins: [CheckinInputs], outcomes: [RunOutcome]) -> WhatWorksReport {
        // Runs in order: by day, then start time when known, then as given.
        let runs = outcomes.enumerated().sorted { l, r in
            if l.element.date != r.element.date { return l.element.date < r.element.date }
            if let a = l.element.startTime, let b = r.element.startTime, a != b { return a < b }
            return l.offset < r.offset
        }.map(\.element)

        struct Candidate {
            var input: Input
            var output: Output
            var rho: Double
            var n: Int
            var pValue: Double
        }
        var tested: [Candidate] = []
        var mostPairs = 0
        for input in Input.allCases {
            for output in Output.allCases {
                let pairs = self.pairs(input: input, output: output, checkins: checkins, runs: runs)
                mostPairs = max(mostPairs, pairs.count)
                guard pairs.count >= minSampleSize,
                    let rho = Statistics.spearman(pairs.map(\.0), pairs.map(\.1))
                else { continue }
                tested.append(
                    Candidate(
                        input: input, output: output, rho: rho, n: pairs.count,
                        pValue: Statistics.correlationPValue(r: rho, n: pairs.count)))
            }
        }
        let qValues = Statistics.benjaminiHochberg(tested.map(\.pValue))
        var findings: [CorrelationFinding] = []
        for (candidate, q) in zip(tested, qValues) where q <= falseDiscoveryRate && abs(candidate.rho) >= minAbsRho {
            let higherInputIsBetter = (candidate.rho > 0) == candidate.output.higherIsBetter
            findings.append(
                CorrelationFinding(
                    input: candidate.input.rawValue, output: candidate.output.rawValue, rho: candidate.rho,
                    n: candidate.n, pValue: candidate.pValue, qValue: q, higherInputIsBetter: higherInputIsBetter,
                    sentence: sentence(
                        input: candidate.input, output: candidate.output, rho: candidate.rho, n: candidate.n,
                        better: higherInputIsBetter)))
        }
        findings.sort { abs($0.rho) != abs($1.rho) ? abs($0.rho) > abs($1.rho) : ($0.input, $0.output) < ($1.input, $1.output) }
        return WhatWorksReport(
            minSampleSize: minSampleSize, pairs: mostPairs, pairsNeeded: max(0, minSampleSize - mostPairs),
            falseDiscoveryRate: falseDiscoveryRate, findings: findings)
    }

    /// (input value, outcome value) pairs for one input and one outcome; `runs` sorted in run order.
    static func pairs(input: Input, output: Output, checkins: [CheckinInputs], runs: [RunOutcome]) -> [(Double, Double)] {
        var firstRunByDay: [LocalDate: Double] = [:]
        for run in runs {
            guard let value = output.value(run), value.isFinite, firstRunByDay[run.date] == nil else { continue }
            firstRunByDay[run.date] = value
        }
        var inputByDay: [LocalDate: Double] = [:]
        for checkin in checkins {
            guard let value = input.value(checkin), value.isFinite else { continue }
            inputByDay[checkin.date] = value
        }
        var result: [(Double, Double)] = []
        for day in inputByDay.keys.sorted() {
            let value = inputByDay[day]!
            if let outcome = firstRunByDay[day] {
                result.append((value, outcome))
            } else {
                let next = day.adding(days: 1)
                if inputByDay[next] == nil, let outcome = firstRunByDay[next] { result.append((value, outcome)) }
            }
        }
        return result
    }

    /// E.g. "On days with more sleep, your next run was more efficient (ρ = 0.52, n = 34)." The numbers are rounded here, for reading; the finding keeps them exact.
    static func sentence(input: Input, output: Output, rho: Double, n: Int, better: Bool) -> String {
        let shown = String(format: "%.2f", rho)
        return "On days with \(input.higherPhrase), your next run was \(output.phrase(better: better)) (ρ = \(shown), n = \(n))."
    }
}
