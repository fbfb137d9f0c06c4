import Foundation

/// Speed per heartbeat on comparable easy runs, and its trend.
///
/// Only easy, steady runs are comparable: a race or an interval session raises both speed and heart rate in a way
/// that says nothing about aerobic fitness. So a run counts only when it is a run, not a race, long enough for
/// heart rate to settle, at an easy heart rate and a plausible pace. Efficiency is the run's whole-run speed
/// (distance ÷ moving time) divided by its average heart rate; higher is better.
///
/// The trend is a least-squares line of efficiency against the day, tested for a non-zero slope. Values are kept
/// unrounded (efficiency is ≈ 0.02, so rounding to 2 places would erase every difference); readers round at the
/// edge.
public enum EfficiencyTrendModel {
    /// Shorter runs are dominated by the minutes heart rate takes to rise.
    public static let minDistanceM = 3_000.0
    public static let minTimeS = 15 * 60
    /// Average heart rates outside this range are sensor errors, not runs.
    public static let plausibleAvgHR = 90...220
    /// Whole-run paces outside 2:30–10:00 per km are GPS errors or mostly walking.
    public static let plausiblePaceSPerKm = 150.0...600.0
    /// The easy ceiling as a fraction of heart-rate reserve: avg HR ≤ resting + 0.80 × (max − resting)
    /// (Karvonen). Above it the run was not easy and is not comparable.
    public static let easyCeilingFractionOfReserve = 0.80
    /// With a max heart rate but no resting one: avg HR ≤ 0.87 × max (what 80 % of reserve gives for a
    /// typical resting 60 and max 190).
    public static let easyCeilingFractionOfMax = 0.87
    /// Fewer points than this give no slope, no p-value and direction "insufficient_data".
    public static let requiredPoints = 5
    /// A slope is "improving" or "declining" only when its two-sided p-value is below this.
    public static let significanceLevel = 0.05
    /// The window the original served by default (`days=90`).
    public static let defaultDays = 90

    /// The run's efficiency point, or `nil` when it is not a comparable easy run (see the constants above).
    /// Uses moving time, or elapsed time when no moving time was recorded (`TrainingActivity.timeS`).
    public static func point(for activity: TrainingActivity, heartRate: HeartRateProfile) -> EfficiencyPoint? {
        guard activity.sport == .run, !activity.isRace,
            let distanceM = activity.distanceM, distanceM >= minDistanceM,
            let timeS = activity.timeS, timeS >= minTimeS,
            let avgHR = activity.avgHR, plausibleAvgHR.contains(avgHR),
            avgHR <= easyCeiling(heartRate) ?? Int.max
        else { return nil }
        let paceSPerKm = Double(timeS) / distanceM * 1_000
        guard plausiblePaceSPerKm.contains(paceSPerKm) else { return nil }
        let speed = distanceM / Double(timeS)
        return EfficiencyPoint(
            activityID: activity.id, date: activity.localDate, efficiency: speed / Double(avgHR),
            paceSPerKm: paceSPerKm, avgHR: avgHR, distanceM: distanceM)
    }

    /// The highest average heart rate that still counts as easy, or `nil` when the profile gives no anchor (then
    /// only the plausibility range applies).
    public static func easyCeiling(_ profile: HeartRateProfile) -> Int? {
        if profile.isUsable, let maxHR = profile.maxHR, let restingHR = profile.restingHR {
            return Int((Double(restingHR) + easyCeilingFractionOfReserve * Double(maxHR - restingHR)).rounded(.down))
        }
        if let maxHR = profile.maxHR { return Int((easyCeilingFractionOfMax * Double(maxHR)).rounded(.down)) }
        return nil
    }

    /// The trend over the points dated in the `days` calendar days ending on `asOf` (both ends included).
    /// x is whole days since the window's first point; the slope is reported per week; the change is the fitted
    /// value at the last point against the fitted value at the first, in percent.
    public static func trend(points: [EfficiencyPoint], asOf: LocalDate, days: Int) -> EfficiencyTrend {
        let first = asOf.adding(days: -(max(days, 1) - 1))
        let window = points.filter { $0.date >= first && $0.date <= asOf }
            .enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
        let insufficient = EfficiencyTrend(
            points: window, slopePerWeek: nil, changePercent: nil, direction: "insufficient_data", pValue: nil,
            rSquared: nil, requiredPoints: requiredPoints)
        guard window.count >= requiredPoints, let start = window.first?.date, let end = window.last?.date else {
            return insufficient
        }
        let x = window.map { Double(start.days(until: $0.date)) }
        let y = window.map(\.efficiency)
        // All points on one day: there is no time axis to fit.
        guard let fit = Statistics.linearFit(x: x, y: y) else { return insufficient }
        let fittedStart = fit.intercept
        let fittedEnd = fit.intercept + fit.slope * Double(start.days(until: end))
        let changePercent = fittedStart > 0 ? (fittedEnd - fittedStart) / fittedStart * 100 : nil
        let direction: String
        if fit.pValue < significanceLevel, fit.slope != 0 {
            direction = fit.slope > 0 ? "improving" : "declining"
        } else {
            direction = "stable"
        }
        return EfficiencyTrend(
            points: window, slopePerWeek: fit.slope * 7, changePercent: changePercent, direction: direction,
            pValue: fit.pValue, rSquared: fit.rSquared, requiredPoints: requiredPoints)
    }

    // MARK: The original's read-side figures (`/v1/analytics/efficiency-trends` `summary` and `trend_analysis`)

    /// Figures derived from a stored trend for the original's response, with its definitions where they were
    /// right and calendar days where it counted runs.
    public struct Summary: Sendable, Equatable {
        public var totalActivities: Int
        public var firstDate: LocalDate?
        public var lastDate: LocalDate?
        public var currentEfficiency: Double?
        public var averageEfficiency: Double?
        public var bestEfficiency: Double?
        public var worstEfficiency: Double?
        /// Percent of the earlier points strictly below the latest one; `nil` with fewer than 5 earlier points.
        public var efficiencyPercentile: Double?
        /// Days until the fitted line reaches the best efficiency: only while the trend is "improving"
        /// (significant), 0 when the latest point is already the best, `nil` beyond a year.
        public var daysToPREfficiency: Int?
        /// "high" (p < 0.01, n ≥ 20, r² > 0.5), "moderate" (p < 0.05, n ≥ 10), "low" (p < 0.10, n ≥ 5) or
        /// "insufficient" — the original's classes.
        public var confidence: String
        /// p < 0.05, |change| > 3 % and n ≥ 10 — the original's rule.
        public var isActionable: Bool
        /// One plain sentence with its numbers.
        public var insightText: String
    }

    public static func summary(_ trend: EfficiencyTrend, days: Int) -> Summary {
        let values = trend.points.map(\.efficiency)
        let n = values.count
        let latest = values.last
        let best = values.max()
        var percentile: Double? = nil
        if let latest, n - 1 >= 5 {
            let earlier = values.dropLast()
            percentile = Double(earlier.filter { $0 < latest }.count) / Double(earlier.count) * 100
        }
        var daysToPR: Int? = nil
        if trend.direction == "improving", let latest, let best, let slope = trend.slopePerWeek, slope > 0 {
            let days = latest >= best ? 0 : Int(((best - latest) / (slope / 7)).rounded(.up))
            daysToPR = days <= 365 ? days : nil
        }
        let p = trend.pValue ?? 1
        let r2 = trend.rSquared ?? 0
        let confidence: String
        if trend.direction == "insufficient_data" {
            confidence = "insufficient"
        } else if p < 0.01, n >= 20, r2 > 0.5 {
            confidence = "high"
        } else if p < 0.05, n >= 10 {
            confidence = "moderate"
        } else if p < 0.10, n >= 5 {
            confidence = "low"
        } else {
            confidence = "insufficient"
        }
        let isActionable = p < 0.05 && abs(trend.changePercent ?? 0) > 3 && n >= 10
        return Summary(
            totalActivities: n, firstDate: trend.points.first?.date, lastDate: trend.points.last?.date,
            currentEfficiency: latest, averageEfficiency: n > 0 ? values.reduce(0, +) / Double(n) : nil,
            bestEfficiency: best, worstEfficiency: values.min(), efficiencyPercentile: percentile,
            daysToPREfficiency: daysToPR, confidence: confidence, isActionable: isActionable,
            insightText: insight(trend, days: days))
    }

    /// E.g. "Your easy runs are getting more efficient: +4.2 % over 18 runs in the last 90 days (p = 0.003)."
    static func insight(_ trend: EfficiencyTrend, days: Int) -> String {
        let n = trend.points.count
        let runs = n == 1 ? "1 comparable easy run" : "\(n) comparable easy runs"
        guard let change = trend.changePercent, let p = trend.pValue, trend.direction != "insufficient_data" else {
            let more = max(1, trend.requiredPoints - n)
            return "\(runs) in the last \(days) days; \(more) more with heart rate needed for a trend."
        }
        let shownChange = String(format: "%+.1f", change)
        let shownP = p < 0.001 ? "p < 0.001" : String(format: "p = %.3f", p)
        switch trend.direction {
        case "improving":
            return "Your easy runs are getting more efficient: \(shownChange) % over \(n) runs in the last \(days) days (\(shownP))."
        case "declining":
            return "Your easy runs are getting less efficient: \(shownChange) % over \(n) runs in the last \(days) days (\(shownP))."
        default:
            return "Your easy-run efficiency is steady: no clear change over \(n) runs in the last \(days) days (\(shownP))."
        }
    }

    /// The original's rolling windows need max(3, min(5, window ÷ 20)) points: 3, 3, 3, 4, 5 for 7…120 days.
    public static func rollingMinPoints(windowDays: Int) -> Int { max(3, min(5, windowDays / 20)) }

    /// For each point of `points` (sorted oldest first, as `EfficiencyTrend.points` is), the mean efficiency of the points dated in the `windowDays` calendar days
    /// ending on its date (the original counted runs instead of days); `nil` with fewer than
    /// `rollingMinPoints(windowDays:)` points in the window. Unrounded.
    public static func rollingMeans(_ points: [EfficiencyPoint], windowDays: Int) -> [Double?] {
        let need = rollingMinPoints(windowDays: windowDays)
        // prefix[k] = sum of the first k efficiencies; a window is a contiguous run of the date-sorted points.
        var prefix = [0.0]
        for point in points { prefix.append(prefix.last! + point.efficiency) }
        var start = 0
        var end = 0
        return points.map { point in
            // The window: every point dated from `first` through this point's date (same-day points included).
            let first = point.date.adding(days: -(windowDays - 1))
            while end < points.count, points[end].date <= point.date { end += 1 }
            while points[start].date < first { start += 1 }
            let count = end - start
            return count >= need ? (prefix[end] - prefix[start]) / Double(count) : nil
        }
    }
}
