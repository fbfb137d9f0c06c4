import Foundation
import Testing

@testable import StrideIQCore

@Suite("Efficiency trend: comparable easy runs, least-squares trend and its t test")
struct EfficiencyTrendTests {
    static let profile = HeartRateProfile(maxHR: 190, maxHRSource: .profile, restingHR: 50, restingHRSource: .profile)

    static func run(
        _ date: String, distanceM: Double? = 10_000, movingTimeS: Int? = 3_300, durationS: Int? = nil,
        avgHR: Int? = 140, sport: Sport = .run, isRace: Bool = false
    ) -> TrainingActivity {
        TrainingActivity(
            id: UUID(), startTime: Date(timeIntervalSince1970: 0), localDate: LocalDate(date)!, sport: sport,
            name: "Run", isRace: isRace, distanceM: distanceM, movingTimeS: movingTimeS, durationS: durationS,
            avgHR: avgHR, maxHR: nil, elevationGainM: nil, bestEfforts: [])
    }

    // MARK: Student t and the incomplete beta against known values

    @Test func incompleteBetaMatchesClosedFormsAndReferenceValues() {
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_{1/2}(a, a) = 1/2.
        for x in [0.1, 0.35, 0.8] {
            #expect(abs(Statistics.regularizedIncompleteBeta(x: x, a: 1, b: 1) - x) < 1e-12)
            #expect(abs(Statistics.regularizedIncompleteBeta(x: x, a: 3.5, b: 1) - pow(x, 3.5)) < 1e-12)
        }
        #expect(abs(Statistics.regularizedIncompleteBeta(x: 0.5, a: 7, b: 7) - 0.5) < 1e-12)
        // I_0.3(2, 3) = 1 − (1−x)^4 − 4x(1−x)^3 = 0.3483 by the binomial identity.
        #expect(abs(Statistics.regularizedIncompleteBeta(x: 0.3, a: 2, b: 3) - 0.3483) < 1e-12)
        #expect(abs(Statistics.regularizedIncompleteBeta(x: 0.9, a: 10, b: 0.5) - 0.151640909634710) < 1e-10)
        #expect(Statistics.regularizedIncompleteBeta(x: 0, a: 2, b: 2) == 0)
        #expect(Statistics.regularizedIncompleteBeta(x: 1, a: 2, b: 2) == 1)
    }

    @Test func studentTMatchesClosedFormsAndTables() {
        // df 1 is Cauchy: P(|T| ≥ t) = 1 − (2/π)·atan(t). df 2: P = 1 − t/√(2 + t²).
        for t in [0.3, 1.0, 4.0] {
            #expect(abs(Statistics.studentTTwoSidedP(t: t, df: 1) - (1 - 2 / Double.pi * atan(t))) < 1e-12)
            #expect(abs(Statistics.studentTTwoSidedP(t: t, df: 2) - (1 - t / (2 + t * t).squareRoot())) < 1e-12)
        }
        // Critical values from the t table: t(0.975, 10) = 2.228, t(0.995, 30) = 2.750.
        #expect(abs(Statistics.studentTTwoSidedP(t: 2.228, df: 10) - 0.05) < 1e-4)
        #expect(abs(Statistics.studentTTwoSidedP(t: 2.750, df: 30) - 0.01) < 1e-5)
        #expect(abs(Statistics.studentTTwoSidedP(t: 2.0, df: 10) - 0.073388034770740) < 1e-10)
        #expect(abs(Statistics.studentTTwoSidedP(t: -0.5, df: 3) - 0.651447964848151) < 1e-10)
        #expect(abs(Statistics.studentTTwoSidedP(t: 5, df: 100) - 2.450173413503802e-06) < 1e-12)
        #expect(Statistics.studentTTwoSidedP(t: 0, df: 5) == 1)
    }

    // MARK: Which runs are comparable

    @Test func anEasyRunGivesSpeedPerBeat() throws {
        let p = try #require(EfficiencyTrendModel.point(for: Self.run("2026-03-02"), heartRate: Self.profile))
        #expect(abs(p.efficiency - (10_000.0 / 3_300) / 140) < 1e-15)
        #expect(abs(p.paceSPerKm - 330) < 1e-9)
        #expect(p.avgHR == 140 && p.distanceM == 10_000 && p.date == LocalDate("2026-03-02")!)
    }

    @Test func onlyComparableEasyRunsCount() {
        let hr = Self.profile
        // Ceiling = 50 + 0.8 × 140 = 162.
        #expect(EfficiencyTrendModel.easyCeiling(hr) == 162)
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", avgHR: 162), heartRate: hr) != nil)
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", avgHR: 163), heartRate: hr) == nil, "above easy")
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", sport: .cycling), heartRate: hr) == nil)
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", isRace: true), heartRate: hr) == nil)
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", distanceM: 2_999), heartRate: hr) == nil)
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", distanceM: 3_000, movingTimeS: 1_000), heartRate: hr) != nil)
        #expect(
            EfficiencyTrendModel.point(for: Self.run("2026-03-02", distanceM: 3_000, movingTimeS: 899), heartRate: hr) == nil,
            "under 15 min")
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", avgHR: nil), heartRate: hr) == nil)
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", avgHR: 60), heartRate: hr) == nil, "implausible HR")
        #expect(
            EfficiencyTrendModel.point(for: Self.run("2026-03-02", distanceM: 10_000, movingTimeS: 7_000), heartRate: hr) == nil, "11:40/km"
        )
        #expect(
            EfficiencyTrendModel.point(for: Self.run("2026-03-02", distanceM: 10_000, movingTimeS: 1_400), heartRate: hr) == nil, "2:20/km")
        #expect(
            EfficiencyTrendModel.point(for: Self.run("2026-03-02", movingTimeS: nil, durationS: 3_300), heartRate: hr) != nil,
            "elapsed when no moving")
    }

    @Test func theCeilingFallsBackToMaxHRAndThenToNone() {
        let maxOnly = HeartRateProfile(maxHR: 190, maxHRSource: .estimated, restingHR: nil, restingHRSource: nil)
        #expect(EfficiencyTrendModel.easyCeiling(maxOnly) == 165)
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", avgHR: 166), heartRate: maxOnly) == nil)
        let none = HeartRateProfile(maxHR: nil, maxHRSource: nil, restingHR: nil, restingHRSource: nil)
        #expect(EfficiencyTrendModel.easyCeiling(none) == nil)
        #expect(EfficiencyTrendModel.point(for: Self.run("2026-03-02", avgHR: 175), heartRate: none) != nil)
    }

    // MARK: The trend

    static func points(_ rows: [(String, Double)]) -> [EfficiencyPoint] {
        rows.map {
            EfficiencyPoint(activityID: UUID(), date: LocalDate($0.0)!, efficiency: $0.1, paceSPerKm: 330, avgHR: 140, distanceM: 10_000)
        }
    }

    /// A hand-checkable least-squares fit (values verified with an independent statistics package).
    @Test func trendFitsTheLineAndTestsItsSlope() throws {
        let pts = Self.points([
            ("2026-03-01", 0.0200), ("2026-03-04", 0.0203), ("2026-03-08", 0.0202), ("2026-03-11", 0.0206),
            ("2026-03-15", 0.0207), ("2026-03-18", 0.0209), ("2026-03-22", 0.0208), ("2026-03-29", 0.0213),
        ])
        let t = EfficiencyTrendModel.trend(points: pts.reversed(), asOf: LocalDate("2026-03-31")!, days: 90)
        #expect(t.points.map(\.date) == pts.map(\.date), "oldest first")
        let slope = try #require(t.slopePerWeek)
        #expect(abs(slope - 0.00030129449838187686) < 1e-15, "\(slope)")
        #expect(abs(try #require(t.changePercent) - 6.007275190953601) < 1e-9)
        #expect(abs(try #require(t.rSquared) - 0.9233218498799458) < 1e-12)
        #expect(abs(try #require(t.pValue) - 0.00014513300724463307) < 1e-12)
        #expect(t.direction == "improving")
        #expect(t.requiredPoints == 5)
        // The 2-place rounding the original applied would have made this slope 0.0.
        #expect(slope > 0 && (slope * 100).rounded() == 0)
    }

    @Test func aDecliningTrendAndANoisyOne() {
        let declining = Self.points(
            (0..<10).map { (LocalDate("2026-01-01")!.adding(days: 3 * $0).description, 0.022 - 0.0001 * Double($0)) })
        #expect(EfficiencyTrendModel.trend(points: declining, asOf: LocalDate("2026-02-15")!, days: 90).direction == "declining")
        // Alternating values with no drift: a slope exists but is not significant.
        let flat = Self.points((0..<10).map { (LocalDate("2026-01-01")!.adding(days: 3 * $0).description, $0 % 2 == 0 ? 0.020 : 0.021) })
        let t = EfficiencyTrendModel.trend(points: flat, asOf: LocalDate("2026-02-15")!, days: 90)
        #expect(t.direction == "stable")
        #expect(t.pValue! > 0.05 && t.slopePerWeek != nil)
    }

    @Test func theWindowAndTheMinimumPoints() {
        let asOf = LocalDate("2026-03-31")!
        // 30 days ending on asOf = 2026-03-02 … 2026-03-31; one point on each side of the edge.
        let pts = Self.points([
            ("2026-03-01", 0.019), ("2026-03-02", 0.020), ("2026-03-10", 0.0201), ("2026-03-20", 0.0203),
            ("2026-03-31", 0.0204), ("2026-04-01", 0.03),
        ])
        let four = EfficiencyTrendModel.trend(points: pts, asOf: asOf, days: 30)
        #expect(four.points.count == 4)
        #expect(four.direction == "insufficient_data" && four.slopePerWeek == nil && four.pValue == nil && four.changePercent == nil)
        let five = EfficiencyTrendModel.trend(points: pts, asOf: asOf, days: 31)
        #expect(five.points.count == 5 && five.direction != "insufficient_data" && five.slopePerWeek != nil)
        // Five points on one day: no time axis.
        let sameDay = Self.points((0..<5).map { ("2026-03-10", 0.02 + 0.001 * Double($0)) })
        #expect(EfficiencyTrendModel.trend(points: sameDay, asOf: asOf, days: 30).direction == "insufficient_data")
        #expect(EfficiencyTrendModel.trend(points: [], asOf: asOf, days: 90).points.isEmpty)
    }

    // MARK: The original's summary figures

    @Test func summaryOfAnImprovingTrend() throws {
        let pts = Self.points([
            ("2026-03-01", 0.0200), ("2026-03-04", 0.0203), ("2026-03-08", 0.0202), ("2026-03-11", 0.0206),
            ("2026-03-15", 0.0207), ("2026-03-18", 0.0209), ("2026-03-22", 0.0208), ("2026-03-29", 0.0213),
        ])
        let trend = EfficiencyTrendModel.trend(points: pts, asOf: LocalDate("2026-03-31")!, days: 90)
        let s = EfficiencyTrendModel.summary(trend, days: 90)
        #expect(s.totalActivities == 8 && s.firstDate == LocalDate("2026-03-01") && s.lastDate == LocalDate("2026-03-29"))
        #expect(s.currentEfficiency == 0.0213 && s.bestEfficiency == 0.0213 && s.worstEfficiency == 0.0200)
        #expect(abs(try #require(s.averageEfficiency) - 0.0206) < 1e-12)
        #expect(s.efficiencyPercentile == 100, "all 7 earlier points are below the latest")
        #expect(s.daysToPREfficiency == 0, "the latest is the best")
        // p = 0.000145 but n = 8: "moderate" needs n ≥ 10, so the original's classes make it "low".
        #expect(s.confidence == "low" && !s.isActionable)
        #expect(s.insightText == "Your easy runs are getting more efficient: +6.0 % over 8 runs in the last 90 days (p < 0.001).")
    }

    @Test func daysToBestFollowTheFittedSlopeOnlyWhileImproving() throws {
        // 12 points rising 0.0001 every 7 days, the best 0.0004 above the latest in the middle.
        var rows: [(String, Double)] = (0..<12).map {
            (LocalDate("2026-01-05")!.adding(days: 7 * $0).description, 0.020 + 0.0001 * Double($0))
        }
        rows[6].1 = 0.0215
        let trend = EfficiencyTrendModel.trend(points: Self.points(rows), asOf: LocalDate("2026-03-31")!, days: 90)
        #expect(trend.direction == "improving")
        let s = EfficiencyTrendModel.summary(trend, days: 90)
        let perDay = try #require(trend.slopePerWeek) / 7
        #expect(s.daysToPREfficiency == Int(((0.0215 - 0.0211) / perDay).rounded(.up)))
        #expect(s.confidence == "moderate" && s.isActionable == (abs(trend.changePercent!) > 3))
        #expect(s.efficiencyPercentile == 10.0 / 11 * 100)
        let flat = EfficiencyTrendModel.trend(
            points: Self.points((0..<10).map { (LocalDate("2026-01-01")!.adding(days: 3 * $0).description, $0 % 2 == 0 ? 0.020 : 0.021) }),
            asOf: LocalDate("2026-02-15")!, days: 90)
        #expect(EfficiencyTrendModel.summary(flat, days: 90).daysToPREfficiency == nil, "no projection from a non-significant slope")
        #expect(EfficiencyTrendModel.summary(flat, days: 90).insightText.hasPrefix("Your easy-run efficiency is steady"))
    }

    @Test func summaryBelowTheMinimumSaysHowManyMore() {
        let trend = EfficiencyTrendModel.trend(
            points: Self.points([("2026-03-05", 0.02), ("2026-03-10", 0.021)]), asOf: LocalDate("2026-03-31")!, days: 30)
        let s = EfficiencyTrendModel.summary(trend, days: 30)
        #expect(s.confidence == "insufficient" && s.efficiencyPercentile == nil && s.daysToPREfficiency == nil)
        #expect(s.insightText == "2 comparable easy runs in the last 30 days; 3 more with heart rate needed for a trend.")
        let none = EfficiencyTrendModel.summary(EfficiencyTrendModel.trend(points: [], asOf: LocalDate("2026-03-31")!, days: 30), days: 30)
        #expect(none.totalActivities == 0 && none.currentEfficiency == nil && none.averageEfficiency == nil)
    }

    @Test func rollingMeansUseCalendarDaysNotRunCounts() throws {
        let pts = Self.points([
            ("2026-03-01", 0.020), ("2026-03-02", 0.022), ("2026-03-05", 0.024), ("2026-03-05", 0.026),
            ("2026-03-20", 0.030),
        ])
        let week = EfficiencyTrendModel.rollingMeans(pts, windowDays: 7)
        // 7 days ending 03-01: 1 point; 03-02: 2 points (< 3); 03-05: four points (both same-day points count);
        // 03-20: only itself.
        #expect(week.count == 5)
        #expect(week[0] == nil && week[1] == nil && week[4] == nil)
        let (third, fourth) = (try #require(week[2]), try #require(week[3]))
        #expect(abs(third - 0.023) < 1e-15 && abs(fourth - 0.023) < 1e-15)
        let month = EfficiencyTrendModel.rollingMeans(pts, windowDays: 30)
        #expect(abs(try #require(month[4]) - 0.0244) < 1e-15)
        #expect([7, 30, 60, 90, 120].map { EfficiencyTrendModel.rollingMinPoints(windowDays: $0) } == [3, 3, 3, 4, 5])
        #expect(EfficiencyTrendModel.rollingMeans([], windowDays: 30).isEmpty)
    }
}
