import Foundation

/// Builds a periodized plan (base → build → peak → taper) to a goal race.
///
/// Choices (documented for the API and the athlete):
/// - Minimum weeks (race week included): 5 km and shorter 6, ≤ 12 km 8, ≤ 25 km (10 mile, half) 10, ≤ 45 km (marathon)
///   14, longer 16. A race further away than `maximumWeeks` (30) gets a plan that starts 30 weeks out (keep the current
///   volume until then).
/// - Taper (race week included): 5 km 1 week, 10 km / 10 mile / half 2, marathon and longer 3; it cuts the training
///   volume (race excluded) relative to the peak week by 33 % (5 km), 35 % (10 km), 40 % (10 mile), 45 % (half), 50 %
///   (marathon and longer) by race week, in even steps.
/// - Volume: week 1 is the current volume (raised to 3 km a run plus 3 km per quality session when lower), then +8 %
///   a week (the rule allows 10 %; the margin absorbs rounding) towards the peak; every 4th week is a recovery week
///   at 75 % of the week before; the next week compares with the last non-recovery week.
/// - Long run ≤ 30 % of the week (35 % at 3 days a week, else it would be shorter than the other runs), capped by the
///   distance (15/18/21/22/32/35 km) and by experience (half the current weekly volume, at least 8 km, + 1.6 km per
///   progressing week).
/// - Running days: exactly `daysPerWeek`, except the first week (no workouts before today) and race week (nothing
///   after the race; at most `daysPerWeek` with the race). The race may fall on an "unavailable" weekday: the date
///   is the race's.
public enum PlanBuilder {
    public static func minimumWeeks(raceDistanceM: Double) -> Int {
        switch raceDistanceM {
        case ..<6000.5: return 6
        case ..<12000.5: return 8
        case ..<25000.5: return 10
        case ..<45000.5: return 14
        default: return 16
        }
    }

    public static let maximumWeeks: Int = 30

    public static func generate(_ request: PlanRequest) throws(PlanBuilderError) -> GeneratedPlan {
        try build(request, enforceMinimum: true)
    }

    // MARK: - Profile

    struct Profile {
        var taperWeeks: Int
        var taperCut: Double
        var longRunCapM: Double
        var defaultPeakM: Double
        var isMarathonLike: Bool
        var isShort: Bool  // 5k/10k: race-pace work is reps
    }

    static func profile(_ d: Double) -> Profile {
        switch d {
        case ..<6000.5:
            return Profile(taperWeeks: 1, taperCut: 0.33, longRunCapM: 15000, defaultPeakM: 30000, isMarathonLike: false, isShort: true)
        case ..<12000.5:
            return Profile(taperWeeks: 2, taperCut: 0.35, longRunCapM: 18000, defaultPeakM: 40000, isMarathonLike: false, isShort: true)
        case ..<18000.5:
            return Profile(taperWeeks: 2, taperCut: 0.40, longRunCapM: 21000, defaultPeakM: 45000, isMarathonLike: false, isShort: false)
        case ..<25000.5:
            return Profile(taperWeeks: 2, taperCut: 0.45, longRunCapM: 22000, defaultPeakM: 50000, isMarathonLike: false, isShort: false)
        case ..<45000.5:
            return Profile(taperWeeks: 3, taperCut: 0.50, longRunCapM: 32000, defaultPeakM: 65000, isMarathonLike: true, isShort: false)
        default:
            return Profile(taperWeeks: 3, taperCut: 0.50, longRunCapM: 35000, defaultPeakM: 70000, isMarathonLike: true, isShort: false)
        }
    }

    static let growth = 1.08
    static let recoveryFactor = 0.75
    static let minRunM = 3000.0

    static func qualityCount(daysPerWeek: Int) -> Int { daysPerWeek <= 3 ? 1 : 2 }

    /// The lowest week the plan runs: 3 km a run plus 3 km per quality session.
    public static func minimumWeeklyM(daysPerWeek: Int) -> Double {
        minRunM * Double(daysPerWeek + qualityCount(daysPerWeek: daysPerWeek))
    }

    static func longRunShare(daysPerWeek: Int) -> Double { daysPerWeek <= 3 ? 0.35 : 0.30 }

    static func monday(of date: LocalDate) -> LocalDate { date.adding(days: -date.weekdayIndexFromMonday) }

    // MARK: - Fitness

    static func fitness(_ r: PlanRequest) -> (vdot: Double, source: String, note: String?) {
        if let v = r.vdot { return (min(max(v, 20), 85), "athlete", nil) }
        if let g = r.goalTimeS {
            let v = min(max(RunningFitness.vdot(distanceM: r.raceDistanceM, timeS: Double(g)), 20), 85)
            return (
                v, "goal_time", "Paces come from the goal time (VDOT \(String(format: "%.1f", v))); a recent race would be a surer guide."
            )
        }
        let v = min(max(28 + r.currentWeeklyM / 1000 * 0.2, 30), 40)
        return (
            v, "default",
            "No fitness number or goal time yet: paces use a conservative VDOT \(String(format: "%.1f", v)); race or log a hard effort to sharpen them."
        )
    }

    /// The race pace (s/km): the goal's when set, else what the plan's VDOT predicts.
    static func racePace(distanceM: Double, goalTimeS: Int?, vdot: Double) -> Int {
        let time = goalTimeS.map(Double.init) ?? RunningFitness.raceTime(vdot: vdot, distanceM: distanceM)
        return Int((time / distanceM * 1000).rounded())
    }

    static func raceRange(distanceM: Double, goalTimeS: Int?, vdot: Double) -> PaceRange {
        let p = racePace(distanceM: distanceM, goalTimeS: goalTimeS, vdot: vdot)
        return PaceRange(fastSPerKm: p - 2, slowSPerKm: p + 2)
    }

    /// The training-pace range a workout type's target must sit in (nil: no training range applies).
    static func allowedRange(for type: WorkoutType, paces p: TrainingPaces) -> PaceRange? {
        switch type {
        case .easy, .strides: return p.easy
        case .long: return p.long
        case .recovery: return p.recovery
        case .hills, .intervals: return p.interval
        case .threshold: return p.threshold
        case .marathonPace: return p.marathon
        case .tempo: return PaceRange(fastSPerKm: p.interval.fastSPerKm, slowSPerKm: p.marathon.slowSPerKm)
        case .fartlek: return PaceRange(fastSPerKm: p.interval.fastSPerKm, slowSPerKm: p.easy.slowSPerKm)
        case .race, .rest, .crossTraining: return nil
        }
    }

    /// Race-pace work for training: what the VDOT predicts for the race, inside the tempo range.
    static func racePaceTraining(distanceM: Double, vdot: Double, paces: TrainingPaces) -> PaceRange {
        let p = racePace(distanceM: distanceM, goalTimeS: nil, vdot: vdot)
        let allowed = allowedRange(for: .tempo, paces: paces)!
        let fast = min(max(p - 3, allowed.fastSPerKm), allowed.slowSPerKm)
        let slow = max(min(p + 3, allowed.slowSPerKm), fast)
        return PaceRange(fastSPerKm: fast, slowSPerKm: slow)
    }

    // MARK: - Validation

    static func validate(_ r: PlanRequest) throws(PlanBuilderError) {
        guard (3...7).contains(r.daysPerWeek) else {
            throw .invalid(field: "days_per_week", message: "must be between 3 and 7")
        }
        guard (0...6).contains(r.longRunWeekday) else {
            throw .invalid(field: "long_run_weekday", message: "must be 0 (Monday) to 6 (Sunday)")
        }
        guard r.unavailableWeekdays.allSatisfy({ (0...6).contains($0) }) else {
            throw .invalid(field: "unavailable_weekdays", message: "weekdays are 0 (Monday) to 6 (Sunday)")
        }
        guard !r.unavailableWeekdays.contains(r.longRunWeekday) else {
            throw .invalid(field: "long_run_weekday", message: "the long-run day is one of the unavailable days")
        }
        guard 7 - r.unavailableWeekdays.count >= r.daysPerWeek else {
            throw .invalid(
                field: "unavailable_weekdays",
                message:
                    "\(r.daysPerWeek) running days need \(r.daysPerWeek) available weekdays; \(7 - r.unavailableWeekdays.count) are available"
            )
        }
        guard r.raceDistanceM.isFinite, (1000...250_000).contains(r.raceDistanceM) else {
            throw .invalid(field: "race_distance_m", message: "must be between 1000 and 250000 metres")
        }
        guard r.raceDate > r.today else {
            throw .invalid(field: "race_date", message: "the race must be after today")
        }
        if let g = r.goalTimeS {
            let pace = Double(g) / r.raceDistanceM * 1000
            guard (150...1200).contains(pace) else {
                throw .invalid(field: "goal_time_s", message: "implies a pace outside 2:30–20:00 per km")
            }
        }
        guard r.currentWeeklyM.isFinite, (0...400_000).contains(r.currentWeeklyM) else {
            throw .invalid(field: "current_weekly_m", message: "must be between 0 and 400000 metres")
        }
        if let p = r.peakWeeklyM, !(p.isFinite && (5000...400_000).contains(p)) {
            throw .invalid(field: "peak_weekly_m", message: "must be between 5000 and 400000 metres")
        }
        if let p = r.minPeakWeeklyM, !(p.isFinite && (0...400_000).contains(p)) {
            throw .invalid(field: "min_peak_weekly_m", message: "must be between 0 and 400000 metres")
        }
        if let lo = r.minPeakWeeklyM, let hi = r.peakWeeklyM, lo > hi {
            throw .invalid(field: "min_peak_weekly_m", message: "is above peak_weekly_m")
        }
        if let v = r.vdot, !(v.isFinite && (15...90).contains(v)) {
            throw .invalid(field: "vdot", message: "must be between 15 and 90")
        }
    }

    // MARK: - Days

    struct Pattern: Equatable {
        var runDays: [Int]  // sorted weekdays
        var qualityDays: [Int]  // sorted, subset of runDays, excludes the long-run day
    }

    static func cyclicGap(_ a: Int, _ b: Int) -> Int {
        let x = abs(a - b) % 7
        return min(x, 7 - x)
    }

    /// Running days and quality days: hard days (quality and the long run) never on neighbouring weekdays (Sunday
    /// and Monday are neighbours), spread as far apart as possible, rest days spread out. Fewer quality days only when
    /// the available days allow no more. Memoized (there are few distinct inputs).
    static func pattern(daysPerWeek d: Int, longRunWeekday l: Int, unavailable: Set<Int>) -> Pattern {
        let unavailableMask = unavailable.reduce(0) { $0 | (1 << $1) }
        let key = (d * 8 + l) * 128 + unavailableMask
        if let cached = patternCache.get(key) { return cached }
        let result = searchPattern(daysPerWeek: d, longRunWeekday: l, unavailableMask: unavailableMask)
        patternCache.set(key, result)
        return result
    }

    private static let patternCache = PatternCache()

    private static func searchPattern(daysPerWeek d: Int, longRunWeekday l: Int, unavailableMask: Int) -> Pattern {
        func days(_ mask: Int) -> [Int] { (0..<7).filter { mask & (1 << $0) != 0 } }
        let longBit = 1 << l
        var best: (score: Int, run: Int, quality: Int)?
        for q in stride(from: qualityCount(daysPerWeek: d), through: 0, by: -1) {
            for run in 0..<128 where run & longBit != 0 && run & unavailableMask == 0 && run.nonzeroBitCount == d {
                // Longest streak of consecutive running days (cyclic).
                var streak = 0
                var longest = 0
                for k in 0..<14 {
                    if run & (1 << (k % 7)) != 0 {
                        streak += 1
                        longest = max(longest, streak)
                    } else {
                        streak = 0
                    }
                }
                longest = min(longest, 7)
                let others = run & ~longBit
                for quality in 0..<128 where quality & ~others == 0 && quality.nonzeroBitCount == q {
                    let hard = days(quality | longBit)
                    var minGap = 7
                    for i in 0..<hard.count {
                        for j in (i + 1)..<hard.count { minGap = min(minGap, cyclicGap(hard[i], hard[j])) }
                    }
                    guard minGap >= 2 else { continue }
                    let dayAfterLong = quality & (1 << ((l + 1) % 7)) != 0 ? 1 : 0
                    let score = minGap * 100 - longest * 10 - dayAfterLong * 5
                    if best == nil || score > best!.score { best = (score, run, quality) }
                }
            }
            if best != nil { break }
        }
        return Pattern(runDays: days(best!.run), qualityDays: days(best!.quality))
    }

    // MARK: - Build

    struct WeekPlan {
        var phase: TrainingPhase
        var isRecovery: Bool
        var volumeM: Double
        var longRunM: Double
    }

    static func phases(buildWeeks b: Int) -> [TrainingPhase] {
        guard b > 0 else { return [] }
        if b == 1 { return [.peak] }
        if b == 2 { return [.build, .peak] }
        var peak = max(1, Int((Double(b) * 0.2).rounded()))
        var build = max(1, Int((Double(b) * 0.35).rounded()))
        while b - peak - build < 1 { if build > 1 { build -= 1 } else { peak -= 1 } }
        let base = b - peak - build
        return Array(repeating: .base, count: base) + Array(repeating: .build, count: build) + Array(repeating: .peak, count: peak)
    }

    // swiftlint:disable:next function_body_length
    static func build(_ r: PlanRequest, enforceMinimum: Bool) throws(PlanBuilderError) -> GeneratedPlan {
        try validate(r)
        var notes: [String] = []
        let prof = profile(r.raceDistanceM)
        let todayMonday = monday(of: r.today)
        let raceMonday = monday(of: r.raceDate)
        let available = todayMonday.days(until: raceMonday) / 7 + 1
        let minimum = minimumWeeks(raceDistanceM: r.raceDistanceM)
        if enforceMinimum && available < minimum {
            throw .tooShort(minimumWeeks: minimum, availableWeeks: available)
        }
        let n = min(available, maximumWeeks)
        let startMonday = raceMonday.adding(days: -(n - 1) * 7)
        if available > maximumWeeks {
            notes.append(
                "The race is \(available) weeks away: the plan starts on \(startMonday) (\(maximumWeeks) weeks out); until then keep your current volume."
            )
        }

        // Fitness and paces.
        let fit = fitness(r)
        if let note = fit.note { notes.append(note) }
        let paces = RunningFitness.trainingPaces(vdot: fit.vdot)
        if let g = r.goalTimeS, fit.source == "athlete" {
            let predicted = RunningFitness.raceTime(vdot: fit.vdot, distanceM: r.raceDistanceM)
            if Double(g) < predicted * 0.97 {
                notes.append(
                    "The goal time is faster than your current fitness predicts (\(formatTime(predicted))): training paces follow your fitness, race day follows the goal."
                )
            }
        }

        // Days.
        let d = r.daysPerWeek
        let pat = pattern(daysPerWeek: d, longRunWeekday: r.longRunWeekday, unavailable: r.unavailableWeekdays)
        if pat.qualityDays.count < qualityCount(daysPerWeek: d) {
            notes.append(
                "Your available days allow \(pat.qualityDays.count) quality session\(pat.qualityDays.count == 1 ? "" : "s") a week without hard days back to back."
            )
        }
        let q = pat.qualityDays.count

        // Volume.
        let floorM = minimumWeeklyM(daysPerWeek: d)
        var start = max(r.currentWeeklyM, floorM)
        if r.currentWeeklyM < floorM {
            notes.append(
                "\(d) running days need at least \(km(floorM)) a week: week 1 starts there (your recent volume is \(km(r.currentWeeklyM)))."
            )
        }
        if let upper = r.peakWeeklyM, upper < start {
            start = max(upper, floorM)
        }
        var desired = max(min(r.currentWeeklyM * 1.25, r.currentWeeklyM + 20000), prof.defaultPeakM)
        desired = min(desired, Double(d) * 16000)
        if let upper = r.peakWeeklyM { desired = min(desired, upper) }
        if let lower = r.minPeakWeeklyM { desired = max(desired, lower) }
        desired = max(desired, start)

        let taper = n <= 1 ? 1 : min(prof.taperWeeks, n - 1)
        let b = n - taper
        let buildPhases = phases(buildWeeks: b)
        let share = longRunShare(daysPerWeek: d)
        let expBase = max(0.5 * r.currentWeeklyM, 8000)
        var plans: [WeekPlan] = []
        var lastNonRec = start / growth
        var lastNonRecLong = 0.0
        var progressed = 0
        for i in 0..<b {
            let recovery = (i + 1) % 4 == 0
            var v: Double
            var long: Double
            if recovery {
                // No quality in a recovery week: its floor is 3 km a run (≤ 78 % of the normal floor).
                v = max(lastNonRec * recoveryFactor, minRunM * Double(d))
                long = min(share * v, lastNonRecLong * recoveryFactor)
            } else {
                v = i == 0 ? start : min(max(desired, lastNonRec), lastNonRec * growth)
                v = max(v, floorM)
                long = min(share * v, prof.longRunCapM, expBase + 1600 * Double(progressed))
                lastNonRec = v
                lastNonRecLong = long
                progressed += 1
            }
            plans.append(WeekPlan(phase: buildPhases[i], isRecovery: recovery, volumeM: v, longRunM: long))
        }
        let peakM = plans.map(\.volumeM).max() ?? start
        if enforceMinimum, let lower = r.minPeakWeeklyM, peakM < lower * 0.99 {
            throw .invalid(
                field: "min_peak_weekly_m",
                message: "a peak of \(km(lower)) is not reachable from \(km(start)) at ≤ 10 % a week in \(n) weeks; at most \(km(peakM))")
        }
        let peakLong = plans.map(\.longRunM).max() ?? share * start
        for j in 0..<taper {
            let fraction = 1 - prof.taperCut * Double(j + 1) / Double(taper)
            let v = max(peakM * fraction, j == taper - 1 ? 0 : floorM * 0.8)
            let long = min(share * v, peakLong * fraction)
            plans.append(WeekPlan(phase: .taper, isRecovery: false, volumeM: v, longRunM: long))
        }
        notes.append("Peak week: \(km(peakM)); taper cuts the volume by \(Int(prof.taperCut * 100)) % by race week.")
        // Readiness: the plan never jumps past the ramp to reach it, but says so when the longest run stays short.
        let neededLong: Double = prof.isMarathonLike ? 26000 : r.raceDistanceM > 18000 ? 14000 : r.raceDistanceM > 12000 ? 12000 : 0
        if peakLong < neededLong {
            notes.append(
                "The longest run reaches only \(km(peakLong)); this distance usually asks for at least \(km(neededLong)). A later race or a shorter distance would be safer."
            )
        }

        // Workouts.
        var weeks: [GeneratedWeek] = []
        let ctx = SessionContext(
            distanceM: r.raceDistanceM, vdot: fit.vdot, paces: paces, profile: prof,
            raceRange: raceRange(distanceM: r.raceDistanceM, goalTimeS: r.goalTimeS, vdot: fit.vdot))
        for (i, wp) in plans.enumerated() {
            let monday = startMonday.adding(days: i * 7)
            let isRaceWeek = i == n - 1
            var workouts: [GeneratedWorkout]
            if isRaceWeek {
                workouts = raceWeek(monday: monday, pattern: pat, plan: wp, request: r, ctx: ctx)
            } else {
                workouts = trainingWeek(
                    monday: monday, pattern: pat, plan: wp, weekIndex: i, quality: q, longRunWeekday: r.longRunWeekday, ctx: ctx)
            }
            // Nothing hard or long in the two days before the race.
            for k in workouts.indices where workouts[k].type != .race {
                let gap = workouts[k].date.days(until: r.raceDate)
                if (1...2).contains(gap), workouts[k].isHard || workouts[k].type == .long {
                    workouts[k] = ctx.easy(
                        date: workouts[k].date, distanceM: min(workouts[k].distanceM ?? 5000, 6000), phase: wp.phase, why: .preRace)
                }
            }
            workouts = workouts.filter { $0.date >= r.today && $0.date <= r.raceDate }
            let volume = workouts.reduce(0) { $0 + ($1.distanceM ?? 0) }
            let longRun = workouts.first { $0.type == .long }?.distanceM ?? 0
            weeks.append(
                GeneratedWeek(
                    number: i + 1, startDate: monday, phase: wp.phase, isRecovery: wp.isRecovery, volumeM: volume, longRunM: longRun,
                    workouts: workouts))
        }
        if r.today > startMonday {
            notes.append("Week 1 starts today (\(r.today)): the days before it are left out.")
        }
        if r.unavailableWeekdays.contains(r.raceDate.weekdayIndexFromMonday) {
            notes.append("The race falls on a weekday you marked unavailable; it stays on the race date.")
        }
        let name = "\(r.raceName ?? RaceDistances.displayName(r.raceDistanceM).capitalizedFirst) — \(n)-week plan"
        return GeneratedPlan(
            name: name, startDate: startMonday, endDate: r.raceDate, raceDate: r.raceDate, raceDistanceM: r.raceDistanceM,
            goalTimeS: r.goalTimeS, vdot: fit.vdot, vdotSource: fit.source, paces: paces, weeks: weeks, notes: notes)
    }

    // MARK: - Weeks

    static func trainingWeek(
        monday: LocalDate, pattern pat: Pattern, plan wp: WeekPlan, weekIndex: Int, quality q: Int, longRunWeekday l: Int,
        ctx: SessionContext
    ) -> [GeneratedWorkout] {
        // Which sessions are quality this week.
        enum Kind { case long, quality(SessionContext.Quality), strides, easy }
        var kinds: [Int: Kind] = [:]
        for day in pat.runDays { kinds[day] = day == l ? .long : .easy }
        var qualities: [SessionContext.Quality] = []
        switch (wp.phase, wp.isRecovery) {
        case (_, true): qualities = []
        case (.base, _): qualities = [.hills]
        case (.build, _): qualities = [.threshold, ctx.profile.isShort ? .intervals : .hills]
        case (.peak, _):
            qualities = weekIndex % 2 == 0 ? [.racePace, .intervals] : [.intervals, .racePace]
            if !ctx.profile.isShort && q == 1 { qualities = [.racePace] }
        case (.taper, _): qualities = [.taperSharpener]
        default: qualities = []
        }
        qualities = Array(qualities.prefix(q))
        for (k, day) in pat.qualityDays.enumerated() where k < qualities.count { kinds[day] = .quality(qualities[k]) }
        // Strides on one easy day (the first easy day after the long run, or any).
        let easyDays = pat.runDays.filter { if case .easy = kinds[$0]! { return true } else { return false } }
        if let s = easyDays.first(where: { $0 != (l + 1) % 7 }) ?? easyDays.first, wp.phase != .peak || wp.isRecovery {
            kinds[s] = .strides
        }
        let nEasy = pat.runDays.filter {
            switch kinds[$0]! {
            case .easy, .strides: return true
            default: return false
            }
        }.count
        let hasLong = pat.runDays.contains(l)
        let longM = hasLong ? (wp.longRunM / 100).rounded(.down) * 100 : 0
        let qualityCount = Double(pat.runDays.filter { if case .quality = kinds[$0]! { return true } else { return false } }.count)
        let qualityBudget = qualityCount > 0 ? max(2000, (wp.volumeM - longM - Double(nEasy) * minRunM) / qualityCount) : 0
        var out: [GeneratedWorkout] = []
        var fixed = longM
        var pending: [(Int, Kind)] = []
        for day in pat.runDays {
            let date = monday.adding(days: day)
            switch kinds[day]! {
            case .long:
                out.append(ctx.long(date: date, distanceM: longM, phase: wp.phase, recovery: wp.isRecovery))
            case .quality(let kind):
                let w = ctx.quality(kind, date: date, weekVolumeM: wp.volumeM, budgetM: qualityBudget, phase: wp.phase)
                fixed += w.distanceM ?? 0
                out.append(w)
            case .strides, .easy:
                pending.append((day, kinds[day]!))
            }
        }
        // Easy runs round up, the long run down: the long run stays within its share of the real week.
        let easyM = nEasy > 0 ? max(minRunM, ((wp.volumeM - fixed) / Double(nEasy) / 100).rounded(.up) * 100) : 0
        for (day, kind) in pending {
            let date = monday.adding(days: day)
            if case .strides = kind {
                out.append(ctx.strides(date: date, distanceM: easyM, phase: wp.phase))
            } else {
                out.append(ctx.easy(date: date, distanceM: easyM, phase: wp.phase, why: wp.isRecovery ? .recoveryWeek : .easy))
            }
        }
        return out.sorted { $0.date < $1.date }
    }

    static func raceWeek(monday: LocalDate, pattern pat: Pattern, plan wp: WeekPlan, request r: PlanRequest, ctx: SessionContext)
        -> [GeneratedWorkout]
    {
        let raceDay = monday.days(until: r.raceDate)
        var before = pat.runDays.filter { $0 < raceDay }
        if before.count > r.daysPerWeek - 1 { before = Array(before.suffix(r.daysPerWeek - 1)) }
        var out: [GeneratedWorkout] = []
        let shakeoutM = 4000.0
        let hasShakeout = before.contains(raceDay - 1)
        let nEasy = before.count - (hasShakeout ? 1 : 0)
        // With few days left before an early-week race, the runs stay normal-sized (the week is simply smaller).
        let peakM = wp.volumeM / (1 - ctx.profile.taperCut)
        let easyCap = max(minRunM, round100(1.25 * peakM / Double(r.daysPerWeek)))
        let easyM = nEasy > 0 ? min(easyCap, max(minRunM, round100((wp.volumeM - (hasShakeout ? shakeoutM : 0)) / Double(nEasy)))) : 0
        for (k, day) in before.enumerated() {
            let date = monday.adding(days: day)
            if day == raceDay - 1 {
                out.append(ctx.easy(date: date, distanceM: shakeoutM, phase: .taper, why: .shakeout))
            } else if k == 0 {
                out.append(ctx.strides(date: date, distanceM: easyM, phase: .taper))
            } else {
                out.append(ctx.easy(date: date, distanceM: easyM, phase: .taper, why: .taper))
            }
        }
        out.append(ctx.race(date: r.raceDate, name: r.raceName))
        return out
    }

    static func round100(_ m: Double) -> Double { (m / 100).rounded() * 100 }

    static func km(_ m: Double) -> String {
        let tenths = Int((m / 100).rounded())
        return "\(tenths / 10).\(tenths % 10) km"
    }

    static func formatTime(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }

    static func formatPace(_ s: Int) -> String { "\(s / 60):\(s % 60 < 10 ? "0" : "")\(s % 60)/km" }
}

extension String {
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

/// A small thread-safe memo for the weekly day patterns.
final class PatternCache: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int: PlanBuilder.Pattern] = [:]

    func get(_ key: Int) -> PlanBuilder.Pattern? {
        lock.lock()
        defer { lock.unlock() }
        return storage[key]
    }

    func set(_ key: Int, _ value: PlanBuilder.Pattern) {
        lock.lock()
        defer { lock.unlock() }
        storage[key] = value
    }
}
