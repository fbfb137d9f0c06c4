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
}
