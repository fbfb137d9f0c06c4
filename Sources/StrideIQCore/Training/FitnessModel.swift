import Foundation

/// Fitness, fatigue and form: Banister's impulse–response model as a daily recurrence (the "performance
/// management" model), fed by `TrainingLoad` loads summed per local day.
///
/// Each day, fitness and fatigue move towards that day's load:
///
///     fitness ← fitness + αF · (load − fitness)      αF = 1 − e^(−1/42) ≈ 0.023528
///     fatigue ← fatigue + αA · (load − fatigue)      αA = 1 − e^(−1/7)  ≈ 0.133122
///
/// α = 1 − e^(−1/N) is the exact daily step of the continuous model with a time constant of N days: after a
/// single day's load, its contribution decays by e^(−1/N) a day, to 1/e after N days, which is what "42-day
/// fitness" and "7-day fatigue" mean in that model. (The original used 2/(N+1), the smoothing of an N-day
/// moving average: 2/43 ≈ 0.0465 makes "42-day" fitness decay with a time constant of about 21 days, twice
/// as fast as the model it names, and inflates fatigue's α to 0.25.)
///
/// `form` on a day is the previous day's fitness − fatigue: how fresh the athlete starts that day, so today's
/// run does not make today look more tired than the athlete was when they set out.
public enum FitnessModel {
    /// Fitness time constant, days.
    public static let fitnessDays = 42.0
    /// Fatigue time constant, days.
    public static let fatigueDays = 7.0
    /// Daily decay of fitness without load: e^(−1/42).
    public static let fitnessDecay = exp(-1 / fitnessDays)
    /// Daily decay of fatigue without load: e^(−1/7).
    public static let fatigueDecay = exp(-1 / fatigueDays)
    /// αF = 1 − e^(−1/42) ≈ 0.023528.
    public static let fitnessAlpha = 1 - fitnessDecay
    /// αA = 1 − e^(−1/7) ≈ 0.133122.
    public static let fatigueAlpha = 1 - fatigueDecay

    /// "Fresh" when form is above this percentage of fitness: rested enough to race or to take a hard session
    /// well (the band where training-stress models put race readiness).
    public static let freshFormPercent = 5.0
    /// "Fatigued" when form is below this percentage of fitness: fatigue has run well ahead of fitness, past the
    /// usual productive training band (−10 % … −30 %). Between the two the athlete is "Building".
    public static let fatiguedFormPercent = -30.0
    /// Form is measured against at least this much fitness. Form in points means little without the fitness it
    /// sits on (−15 is a normal week for a fitness of 80 and a big overload for 20), hence percentages; but
    /// below about 20 points (under ~3 easy 45-minute runs a week) a percentage of a tiny fitness is noise, so
    /// a beginner is judged against 20.
    public static let formReferenceFloor = 20.0
    /// The last 7 days' load against the 7 before: "up" above +10 %, "down" below −10 %, else "stable".
    /// Weekly load varies by a few percent with no change of intent (a long run moved by one day); 10 % is the
    /// smallest change worth naming.
    public static let loadTrendBand = 0.10

    /// The daily series from `from` through `through` (inclusive), continuing from `startingAfter`.
    ///
    /// - `loads`: the summed activity loads per local day; days without an entry are rest days (0). Negative or
    ///   non-finite loads count as 0.
    /// - `startingAfter`: the stored day before `from`, so a change on an old day recomputes from that day only;
    ///   `nil` starts from zero fitness and fatigue (`from` is then the athlete's first day). A seed dated
    ///   earlier than the day before `from` is continued through the gap (the gap's days use `loads` too and are
    ///   not returned). A seed on or after `from` cannot precede it and is ignored.
    ///
    /// Continuing from a stored day gives exactly (bit for bit) the values of a full recompute.
    /// Empty when `from` is after `through`.
    public static func series(loads: [LocalDate: Double], from: LocalDate, through: LocalDate, startingAfter: FitnessDay?)
        -> [FitnessDay]
    {
        guard from <= through else { return [] }
        var fitness = 0.0
        var fatigue = 0.0
        var date = from
        if let seed = startingAfter, seed.date < from {
            fitness = usable(seed.fitness)
            fatigue = usable(seed.fatigue)
            date = seed.date.adding(days: 1)
        }
        var days: [FitnessDay] = []
        days.reserveCapacity(from.days(until: through) + 1)
        while date <= through {
            let load = usable(loads[date] ?? 0)
            let form = fitness - fatigue
            fitness += fitnessAlpha * (load - fitness)
            fatigue += fatigueAlpha * (load - fatigue)
            if date >= from {
                days.append(FitnessDay(date: date, load: load, fitness: fitness, fatigue: fatigue, form: form))
            }
            date = date.adding(days: 1)
        }
        return days
    }

    /// `day` carried forward to `date` through rest days (load 0), in closed form: after k rest days fitness is
    /// fitness · e^(−k/42) and fatigue is fatigue · e^(−k/7). Readers use it to show today's figures from the
    /// last stored day without recomputing anything. A `date` on or before `day.date` returns `day` unchanged
    /// (the model does not run backwards).
    public static func project(_ day: FitnessDay, to date: LocalDate) -> FitnessDay {
        let k = day.date.days(until: date)
        guard k > 0 else { return day }
        let previousFitness = day.fitness * pow(fitnessDecay, Double(k - 1))
        let previousFatigue = day.fatigue * pow(fatigueDecay, Double(k - 1))
        return FitnessDay(
            date: date, load: 0, fitness: previousFitness * fitnessDecay, fatigue: previousFatigue * fatigueDecay,
            form: previousFitness - previousFatigue)
    }

    /// The load picture on the last day of `series`.
    ///
    /// `series` is oldest first and must not be empty; it should hold at least the last 28 days (as `series(…)`
    /// returns them). Days it does not hold count as load 0 and fitness 0, which is right before the athlete's
    /// first day.
    ///
    /// - `rampRate`: fitness on the day − fitness 7 days earlier.
    /// - `acuteChronicRatio`: mean daily load of the last 7 days (the day included) ÷ mean of the last 28; `nil`
    ///   when the 28-day load is 0.
    /// - `tsbContext`: form as a percentage of fitness (`formReferenceFloor` at least): "Fresh" above
    ///   `freshFormPercent`, "Fatigued" below `fatiguedFormPercent`, else "Building".
    /// - `loadTrend`: the last 7 days' load against the 7 before, ±`loadTrendBand`; from nothing to something is
    ///   "up", nothing to nothing "stable".
    public static func status(series: [FitnessDay]) -> LoadStatus {
        precondition(!series.isEmpty, "FitnessModel.status needs at least one day")
        let day = series[series.count - 1]
        var byDate: [LocalDate: FitnessDay] = [:]
        for entry in series.suffix(29) { byDate[entry.date] = entry }
        func load(daysBack: Int) -> Double { byDate[day.date.adding(days: -daysBack)]?.load ?? 0 }

        let weekAgoFitness = byDate[day.date.adding(days: -7)]?.fitness ?? 0
        let last7 = (0..<7).reduce(0.0) { $0 + load(daysBack: $1) }
        let previous7 = (7..<14).reduce(0.0) { $0 + load(daysBack: $1) }
        let last28 = (0..<28).reduce(0.0) { $0 + load(daysBack: $1) }

        let acuteChronic: Double? = last28 > 0 ? (last7 / 7) / (last28 / 28) : nil
        return LoadStatus(
            day: day, rampRate: day.fitness - weekAgoFitness, acuteChronicRatio: acuteChronic,
            tsbContext: tsbContext(form: day.form, fitness: day.fitness),
            loadTrend: loadTrend(last7: last7, previous7: previous7))
    }

    /// "Fresh", "Building" or "Fatigued" (see `status`).
    public static func tsbContext(form: Double, fitness: Double) -> String {
        let percent = form / max(fitness, formReferenceFloor) * 100
        if percent > freshFormPercent { return "Fresh" }
        if percent < fatiguedFormPercent { return "Fatigued" }
        return "Building"
    }

    /// "up", "stable" or "down" (see `status`).
    public static func loadTrend(last7: Double, previous7: Double) -> String {
        guard previous7 > 0 else { return last7 > 0 ? "up" : "stable" }
        let change = last7 / previous7 - 1
        if change > loadTrendBand { return "up" }
        if change < -loadTrendBand { return "down" }
        return "stable"
    }

    private static func usable(_ value: Double) -> Double {
        value.isFinite && value > 0 ? value : 0
    }
}
