import Foundation
import Testing

@testable import StrideIQCore

@Suite("Training summary: week, month, year, all-time buckets and the 52-week series")
struct TrainingSummaryTests {
    static func d(_ s: String) -> LocalDate { LocalDate(s)! }

    /// A day with one run of `km` in `seconds` (and `other` non-run activities of 1 km, 600 s each).
    static func day(_ date: String, km: Double, seconds: Int, other: Int = 0, load: Double = 50) -> DayTotals {
        DayTotals(
            date: d(date), activities: 1 + other, runCount: 1, distanceM: km * 1_000 + Double(other) * 1_000,
            runDistanceM: km * 1_000, movingTimeS: seconds + other * 600, durationS: seconds + other * 600 + 60,
            elevationGainM: 10, load: load, runPacedDistanceM: km * 1_000, runPacedTimeS: seconds)
    }

    @Test func averagePaceIsTotalTimeOverTotalDistance() {
        // 10 km in 50:00 (300 s/km) and 5 km in 30:00 (360 s/km): 4 800 s over 15 km = 320 s/km. The mean of
        // the two paces would be 330; the original's mean min/mile × 1.609 would be ≈ 8.9.
        let days = [Self.day("2026-03-03", km: 10, seconds: 3_000), Self.day("2026-03-05", km: 5, seconds: 1_800, other: 1)]
        let week = TrainingSummary.build(days: days, today: Self.d("2026-03-08")).thisWeek
        #expect(week.avgRunPaceSPerKm == 320)
        #expect(week.activities == 3 && week.runCount == 2)
        #expect(week.distanceM == 16_000 && week.runDistanceM == 15_000)
        #expect(week.movingTimeS == 5_400 && week.durationS == 5_520)
        #expect(week.elevationGainM == 20 && week.load == 100)
    }

    @Test func aRunWithoutATimeDoesNotSpeedUpThePace() {
        let days = [
            Self.day("2026-03-03", km: 10, seconds: 3_000),
            // 8 km logged with no time: counts in the distance, not in the pace.
            DayTotals(
                date: Self.d("2026-03-04"), activities: 1, runCount: 1, distanceM: 8_000, runDistanceM: 8_000, movingTimeS: 0,
                durationS: 0, elevationGainM: 0, load: 0, runPacedDistanceM: 0, runPacedTimeS: 0),
        ]
        let week = TrainingSummary.build(days: days, today: Self.d("2026-03-08")).thisWeek
        #expect(week.runDistanceM == 18_000 && week.avgRunPaceSPerKm == 300)
    }

    @Test func weeksStartOnMondayWhetherTodayIsSundayOrMonday() {
        let days = [
            Self.day("2026-03-01", km: 5, seconds: 1_500),  // Sunday
            Self.day("2026-03-02", km: 6, seconds: 1_800),  // Monday
            Self.day("2026-03-08", km: 7, seconds: 2_100),  // Sunday
            Self.day("2026-03-09", km: 8, seconds: 2_400),  // Monday
        ]
        let sunday = TrainingSummary.build(days: days, today: Self.d("2026-03-08"))
        #expect(sunday.thisWeek.from == Self.d("2026-03-02") && sunday.thisWeek.through == Self.d("2026-03-08"))
        #expect(sunday.thisWeek.runDistanceM == 13_000, "Mon 2 + Sun 8; not Sun 1; not Mon 9 (after today)")
        #expect(sunday.thisMonth.runDistanceM == 18_000, "1st–8th March")
        #expect(sunday.weeks.last!.runDistanceM == 13_000 && sunday.weeks[50].runDistanceM == 5_000)
        let monday = TrainingSummary.build(days: days, today: Self.d("2026-03-09"))
        #expect(monday.thisWeek.from == Self.d("2026-03-09") && monday.thisWeek.runDistanceM == 8_000)
        #expect(monday.weeks[50].from == Self.d("2026-03-02") && monday.weeks[50].through == Self.d("2026-03-08"))
        #expect(monday.weeks[50].runDistanceM == 13_000 && monday.weeks[49].runDistanceM == 5_000)
        #expect(monday.allTime.runDistanceM == 26_000 && monday.allTime.from == Self.d("2026-03-01"))
    }

    @Test func theYearBoundarySplitsYearAndMonthButNotTheWeek() {
        let days = [
            Self.day("2025-12-28", km: 4, seconds: 1_200),  // Sunday before the week
            Self.day("2025-12-31", km: 10, seconds: 3_000),
            Self.day("2026-01-01", km: 12, seconds: 3_720),
        ]
        let r = TrainingSummary.build(days: days, today: Self.d("2026-01-01"))
        #expect(r.thisWeek.from == Self.d("2025-12-29") && r.thisWeek.runDistanceM == 22_000)
        #expect(r.thisMonth.from == Self.d("2026-01-01") && r.thisMonth.runDistanceM == 12_000)
        #expect(r.thisYear.from == Self.d("2026-01-01") && r.thisYear.runDistanceM == 12_000)
        #expect(r.thisYear.avgRunPaceSPerKm == 310)
        #expect(r.allTime.runDistanceM == 26_000 && r.allTime.runCount == 3)
    }

    @Test func fiftyTwoWeeksOldestFirstWithEmptyWeeksAsZero() {
        let today = Self.d("2026-03-11")  // Wednesday; this week starts 2026-03-09
        let days = [
            Self.day("2025-03-16", km: 3, seconds: 1_000),  // Sunday before the first listed week
            Self.day("2025-03-17", km: 4, seconds: 1_300),  // Monday: first day of the first listed week
            Self.day("2026-03-10", km: 5, seconds: 1_600),
            Self.day("2026-03-12", km: 6, seconds: 1_900),  // after today
        ]
        let r = TrainingSummary.build(days: days, today: today)
        #expect(r.weeks.count == 52)
        #expect(r.weeks.first!.from == Self.d("2025-03-17") && r.weeks.first!.through == Self.d("2025-03-23"))
        #expect(r.weeks.last!.from == Self.d("2026-03-09") && r.weeks.last!.through == today)
        for (k, w) in r.weeks.enumerated().dropFirst() { #expect(w.from == r.weeks[k - 1].from.adding(days: 7)) }
        #expect(r.weeks.first!.runDistanceM == 4_000 && r.weeks.last!.runDistanceM == 5_000)
        #expect(r.weeks.dropFirst().dropLast().allSatisfy { $0.activities == 0 && $0.distanceM == 0 && $0.avgRunPaceSPerKm == nil })
        #expect(r.allTime.runDistanceM == 12_000, "all time includes the old Sunday, not the day after today")
        #expect(r.allTime.from == Self.d("2025-03-16") && r.allTime.through == today)
    }

    @Test func emptyInputGivesZeroBuckets() {
        let today = Self.d("2026-03-11")
        let r = TrainingSummary.build(days: [], today: today)
        for b in [r.thisWeek, r.thisMonth, r.thisYear, r.allTime] {
            #expect(b.activities == 0 && b.distanceM == 0 && b.movingTimeS == 0 && b.load == 0 && b.avgRunPaceSPerKm == nil)
        }
        #expect(r.allTime.from == today && r.weeks.count == 52 && r.weeks.allSatisfy { $0.activities == 0 })
        #expect(TrainingSummary.period(days: [], today: today, lastDays: 30).activities == 0)
    }

    @Test func aPeriodIsTheLastNDaysIncludingToday() {
        let days = [
            Self.day("2026-03-01", km: 5, seconds: 1_500), Self.day("2026-03-02", km: 6, seconds: 1_800),
            Self.day("2026-03-08", km: 7, seconds: 2_100), Self.day("2026-03-09", km: 8, seconds: 2_400),
        ]
        let week = TrainingSummary.period(days: days, today: Self.d("2026-03-08"), lastDays: 7)
        #expect(week.from == Self.d("2026-03-02") && week.through == Self.d("2026-03-08"))
        #expect(week.runDistanceM == 13_000 && week.avgRunPaceSPerKm == 300)
        #expect(TrainingSummary.period(days: days, today: Self.d("2026-03-08"), lastDays: 1).runDistanceM == 7_000)
    }

    @Test func dayTotalsFromActivities() throws {
        func activity(_ date: String, _ sport: Sport, distanceM: Double?, moving: Int?, duration: Int?) -> TrainingActivity {
            TrainingActivity(
                id: UUID(), startTime: Date(timeIntervalSince1970: 0), localDate: Self.d(date), sport: sport, name: "x",
                isRace: false, distanceM: distanceM, movingTimeS: moving, durationS: duration, avgHR: nil, maxHR: nil,
                elevationGainM: 5, bestEfforts: [])
        }
        let run = activity("2026-03-02", .run, distanceM: 10_000, moving: 3_000, duration: 3_100)
        let untimed = activity("2026-03-02", .run, distanceM: 5_000, moving: nil, duration: nil)
        let ride = activity("2026-03-02", .cycling, distanceM: 20_000, moving: nil, duration: 2_400)
        let next = activity("2026-03-03", .strength, distanceM: nil, moving: 1_800, duration: nil)
        let days = TrainingSummary.dayTotals(activities: [next, run, untimed, ride], loads: [run.id: 60, ride.id: 40])
        #expect(days.map(\.date) == [Self.d("2026-03-02"), Self.d("2026-03-03")])
        let first = days[0]
        #expect(first.activities == 3 && first.runCount == 2)
        #expect(first.distanceM == 35_000 && first.runDistanceM == 15_000)
        #expect(first.movingTimeS == 5_400 && first.durationS == 5_500)
        #expect(first.runPacedDistanceM == 10_000 && first.runPacedTimeS == 3_000)
        #expect(first.load == 100 && first.elevationGainM == 15)
        #expect(
            days[1]
                == DayTotals(
                    date: Self.d("2026-03-03"), activities: 1, runCount: 0, distanceM: 0, runDistanceM: 0, movingTimeS: 1_800,
                    durationS: 1_800, elevationGainM: 5, load: 0, runPacedDistanceM: 0, runPacedTimeS: 0))
    }
}
