import Foundation

/// One local day's activity totals, as stored with the daily series (`training_days`).
public struct DayTotals: Codable, Sendable, Equatable {
    public var date: LocalDate
    public var activities: Int
    public var runCount: Int
    public var distanceM: Double
    public var runDistanceM: Double
    /// Moving time, or elapsed time for an activity with no moving time (`TrainingActivity.timeS`).
    public var movingTimeS: Int
    /// Elapsed time, or moving time for an activity with no elapsed time.
    public var durationS: Int
    public var elevationGainM: Double
    public var load: Double
    /// Distance and time of the day's runs that have BOTH a distance and a time: the average pace is
    /// Σ time ÷ Σ distance over the same runs, so a run logged without a time cannot make the pace look faster.
    public var runPacedDistanceM: Double
    public var runPacedTimeS: Int

    public init(
        date: LocalDate, activities: Int, runCount: Int, distanceM: Double, runDistanceM: Double, movingTimeS: Int,
        durationS: Int, elevationGainM: Double, load: Double, runPacedDistanceM: Double, runPacedTimeS: Int
    ) {
        self.date = date
        self.activities = activities
        self.runCount = runCount
        self.distanceM = distanceM
        self.runDistanceM = runDistanceM
        self.movingTimeS = movingTimeS
        self.durationS = durationS
        self.elevationGainM = elevationGainM
        self.load = load
        self.runPacedDistanceM = runPacedDistanceM
        self.runPacedTimeS = runPacedTimeS
    }

    /// A day with nothing on it.
    public static func empty(_ date: LocalDate) -> DayTotals {
        DayTotals(
            date: date, activities: 0, runCount: 0, distanceM: 0, runDistanceM: 0, movingTimeS: 0, durationS: 0,
            elevationGainM: 0, load: 0, runPacedDistanceM: 0, runPacedTimeS: 0)
    }
}

/// Totals over a range of local days, both ends included.
public struct SummaryBucket: Codable, Sendable, Equatable {
    public var from: LocalDate
    public var through: LocalDate
    public var activities: Int
    public var runCount: Int
    public var distanceM: Double
    public var runDistanceM: Double
    public var movingTimeS: Int
    public var durationS: Int
    public var elevationGainM: Double
    public var load: Double
    public var runPacedDistanceM: Double
    public var runPacedTimeS: Int
    /// Total run time ÷ total run distance (over runs with both), in s/km: the pace of all the running put
    /// together. `nil` without such runs. (The original averaged per-run min/mile and multiplied by 1.609,
    /// which is neither s/km nor weighted by distance.)
    public var avgRunPaceSPerKm: Double?

    public init(from: LocalDate, through: LocalDate) {
        self.from = from
        self.through = through
        activities = 0
        runCount = 0
        distanceM = 0
        runDistanceM = 0
        movingTimeS = 0
        durationS = 0
        elevationGainM = 0
        load = 0
        runPacedDistanceM = 0
        runPacedTimeS = 0
        avgRunPaceSPerKm = nil
    }

    mutating func add(_ day: DayTotals) {
        activities += day.activities
        runCount += day.runCount
        distanceM += day.distanceM
        runDistanceM += day.runDistanceM
        movingTimeS += day.movingTimeS
        durationS += day.durationS
        elevationGainM += day.elevationGainM
        load += day.load
        runPacedDistanceM += day.runPacedDistanceM
        runPacedTimeS += day.runPacedTimeS
        avgRunPaceSPerKm = runPacedDistanceM > 0 ? Double(runPacedTimeS) / runPacedDistanceM * 1_000 : nil
    }
}

/// The summary buckets of `/v1/activities/summary`.
public struct TrainingSummaryReport: Codable, Sendable, Equatable {
    public var today: LocalDate
    /// Monday through today.
    public var thisWeek: SummaryBucket
    /// The 1st of the month through today.
    public var thisMonth: SummaryBucket
    /// 1 January through today.
    public var thisYear: SummaryBucket
    /// The first stored day through today (today alone when nothing is stored).
    public var allTime: SummaryBucket
    /// The last 52 Monday-start weeks, oldest first, this week last (through today); weeks with nothing are
    /// present with zero totals.
    public var weeks: [SummaryBucket]

    public init(
        today: LocalDate, thisWeek: SummaryBucket, thisMonth: SummaryBucket, thisYear: SummaryBucket,
        allTime: SummaryBucket, weeks: [SummaryBucket]
    ) {
        self.today = today
        self.thisWeek = thisWeek
        self.thisMonth = thisMonth
        self.thisYear = thisYear
        self.allTime = allTime
        self.weeks = weeks
    }
}

/// Period totals from the stored per-day totals. Weeks start on Monday; every date is the athlete's local date
/// (the day an activity happened where it happened), never a server or UTC date. Days after `today` are left
/// out of every bucket.
public enum TrainingSummary {
    /// How many weeks the weekly series holds.
    public static let weekCount = 52

    public static func build(days: [DayTotals], today: LocalDate) -> TrainingSummaryReport {
        let weekStart = today.adding(days: -today.weekdayIndexFromMonday)
        let monthStart = LocalDate(year: today.year, month: today.month, day: 1)!
        let yearStart = LocalDate(year: today.year, month: 1, day: 1)!
        let firstWeekStart = weekStart.adding(days: -7 * (weekCount - 1))
        let counted = days.filter { $0.date <= today }
        let firstDay = counted.map(\.date).min() ?? today

        var thisWeek = SummaryBucket(from: weekStart, through: today)
        var thisMonth = SummaryBucket(from: monthStart, through: today)
        var thisYear = SummaryBucket(from: yearStart, through: today)
        var allTime = SummaryBucket(from: firstDay, through: today)
        var weeks = (0..<weekCount).map { k in
            let start = firstWeekStart.adding(days: 7 * k)
            return SummaryBucket(from: start, through: k == weekCount - 1 ? today : start.adding(days: 6))
        }
        for day in counted {
            allTime.add(day)
            if day.date >= yearStart { thisYear.add(day) }
            if day.date >= monthStart { thisMonth.add(day) }
            if day.date >= weekStart { thisWeek.add(day) }
            let offset = firstWeekStart.days(until: day.date)
            if offset >= 0 { weeks[offset / 7].add(day) }
        }
        return TrainingSummaryReport(
            today: today, thisWeek: thisWeek, thisMonth: thisMonth, thisYear: thisYear, allTime: allTime, weeks: weeks)
    }

    /// The `days` calendar days ending on `today`, both included (the original's `?days=` query; `days` ≥ 1).
    public static func period(days: [DayTotals], today: LocalDate, lastDays: Int) -> SummaryBucket {
        let from = today.adding(days: -(max(lastDays, 1) - 1))
        var bucket = SummaryBucket(from: from, through: today)
        for day in days where day.date >= from && day.date <= today { bucket.add(day) }
        return bucket
    }

    /// Per-day totals from activity rows, grouped by each activity's local date, oldest first. `loads` maps an
    /// activity to its load (missing → 0).
    public static func dayTotals(activities: [TrainingActivity], loads: [UUID: Double]) -> [DayTotals] {
        var byDay: [LocalDate: DayTotals] = [:]
        for a in activities {
            var day = byDay[a.localDate] ?? .empty(a.localDate)
            let distance = max(0, a.distanceM ?? 0)
            let time = max(0, a.timeS ?? 0)
            day.activities += 1
            day.distanceM += distance
            day.movingTimeS += time
            day.durationS += max(0, a.durationS ?? a.movingTimeS ?? 0)
            day.elevationGainM += max(0, a.elevationGainM ?? 0)
            day.load += loads[a.id] ?? 0
            if a.sport == .run {
                day.runCount += 1
                day.runDistanceM += distance
                if distance > 0, time > 0 {
                    day.runPacedDistanceM += distance
                    day.runPacedTimeS += time
                }
            }
            byDay[a.localDate] = day
        }
        return byDay.values.sorted { $0.date < $1.date }
    }
}
