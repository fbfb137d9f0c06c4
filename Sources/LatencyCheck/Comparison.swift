import Foundation

/// Baseline vs now, per endpoint, with the deploy gate's verdict.
public struct Comparison: Sendable, Equatable {
    public struct Thresholds: Sendable, Equatable {
        /// A p95 rise counts only above this relative increase…
        public var maxP95IncreasePercent: Double
        /// …and only above this absolute increase, so a 2 ms endpoint going to 4 ms does not fail a deploy.
        public var minP95IncreaseMs: Double

        public init(maxP95IncreasePercent: Double = 25, minP95IncreaseMs: Double = 20) {
            self.maxP95IncreasePercent = maxP95IncreasePercent
            self.minP95IncreaseMs = minP95IncreaseMs
        }
    }

    public enum Verdict: Sendable, Equatable {
        case ok
        case noBaseline
        /// Each reason is one finding, e.g. "p95 +46.8 ms (+329.6 %)".
        case regression([String])

        public var isRegression: Bool {
            if case .regression = self { return true }
            return false
        }

        public var text: String {
            switch self {
            case .ok: return "ok"
            case .noBaseline: return "no baseline"
            case .regression(let reasons): return "REGRESSION: " + reasons.joined(separator: "; ")
            }
        }
    }

    public struct Row: Sendable, Equatable {
        public var name: String
        public var base: Baseline.Endpoint?
        public var now: Baseline.Endpoint
        public var verdict: Verdict

        /// Relative p95 change in percent; nil when either side has no p95 or the base p95 is 0.
        public var p95ChangePercent: Double? {
            guard let basePercentile = base?.p95Ms, let nowPercentile = now.p95Ms, basePercentile > 0 else { return nil }
            return (nowPercentile - basePercentile) / basePercentile * 100
        }
    }

    public let rows: [Row]
    public let thresholds: Thresholds

    public var hasRegression: Bool { rows.contains { $0.verdict.isRegression } }
    public var regressions: [Row] { rows.filter { $0.verdict.isRegression } }

    public init(baseline: Baseline, current: [Baseline.Endpoint], thresholds: Thresholds = .init()) {
        self.thresholds = thresholds
        self.rows = current.map { now in
            let base = baseline.endpoint(named: now.name)
            return Row(
                name: now.name, base: base, now: now,
                verdict: Comparison.verdict(base: base, now: now, thresholds: thresholds))
        }
    }

    // Rates and latencies come from divisions and JSON round trips; without a little slack an increase of
    // "exactly 25 %" or an unchanged 98 % success rate could be judged by the last bit of a Double.
    private static let epsilon = 1e-9

    public static func verdict(base: Baseline.Endpoint?, now: Baseline.Endpoint, thresholds: Thresholds) -> Verdict {
        guard let base else { return .noBaseline }
        var reasons: [String] = []
        if now.successRate < base.successRate - epsilon {
            reasons.append("success rate \(percent(base.successRate)) % → \(percent(now.successRate)) %")
        }
        switch (base.p95Ms, now.p95Ms) {
        case (let basePercentile?, let nowPercentile?):
            let increase = nowPercentile - basePercentile
            let relativeLimit = basePercentile * thresholds.maxP95IncreasePercent / 100
            if increase > relativeLimit + epsilon && increase > thresholds.minP95IncreaseMs + epsilon {
                let relative = basePercentile > 0 ? " (\(signed(increase / basePercentile * 100)) %)" : ""
                reasons.append("p95 \(signed(increase)) ms\(relative)")
            }
        case (.some, nil):
            reasons.append("no successful sample (baseline had \(base.successes))")
        case (nil, _):
            break
        }
        return reasons.isEmpty ? .ok : .regression(reasons)
    }

    static func percent(_ rate: Double) -> String { oneDecimal(rate * 100) }
    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + oneDecimal(value) }
}

/// One decimal, and never "-0.0" for a change that rounds to nothing.
func oneDecimal(_ value: Double) -> String {
    let text = String(format: "%.1f", value)
    return text == "-0.0" ? "0.0" : text
}
