import Foundation

/// The stored analytics as they stand on one local day, and the readings home, the briefing and the coach take
/// from them. Pure: built from the one stored document (`AthleteAnalytics`) and the day; it never looks at a
/// history. Every threshold a sentence depends on is here, once.
public struct TrainingPicture: Sendable, Equatable {
    public var today: LocalDate
    /// The load picture on `today` (`LoadReading.onDay`); `nil` before the first activity.
    public var load: LoadStatus?
    public var fitness: FitnessLevel?
    public var records: [PersonalRecord]
    public var efficiency: EfficiencyTrend?
    public var whatWorks: WhatWorksReport?

    public init(analytics: AthleteAnalytics?, today: LocalDate) {
        self.today = today
        load = analytics?.load.map { LoadReading.onDay($0, today) }
        fitness = analytics?.fitness
        records = analytics?.records ?? []
        efficiency = analytics?.efficiency
        whatWorks = analytics?.whatWorks
    }

    /// The training-pace range for a workout type, from the current fitness level; `nil` without one, and for
    /// types without a training pace (rest, cross-training). A race is run at its predicted pace (± 2 s/km).
    public func pace(for type: WorkoutType, raceDistanceM: Double?) -> PaceRange? {
        guard let fitness else { return nil }
        if type == .race {
            guard let distance = raceDistanceM, let time = predictedTime(distanceM: distance)?.vdot else { return nil }
            let p = Int((time / distance * 1000).rounded())
            return PaceRange(fastSPerKm: p - 2, slowSPerKm: p + 2)
        }
        return PlanBuilder.allowedRange(for: type, paces: fitness.paces)
    }

    /// The predicted time for a distance: the stored prediction when it is one of the standard distances, else
    /// the same VDOT and Riegel maths (`RunningFitness`) from the stored fitness level.
    public func predictedTime(distanceM: Double) -> (vdot: Double, riegel: Double)? {
        guard let fitness, distanceM > 0 else { return nil }
        if let stored = fitness.predictions.first(where: { abs($0.distanceM - distanceM) <= distanceM * 0.002 }) {
            return (stored.timeS, stored.riegelTimeS)
        }
        let source = fitness.source
        return (
            RunningFitness.raceTime(vdot: fitness.vdot, distanceM: distanceM),
            RunningFitness.riegel(distanceM: source.distanceM, timeS: source.timeS, toDistanceM: distanceM)
        )
    }

    /// Records set in the last `days` days (today included), newest first.
    public func recentRecords(days: Int) -> [PersonalRecord] {
        let first = today.adding(days: -(days - 1))
        return records.filter { $0.date >= first && $0.date <= today }.sorted { ($0.date, $0.distanceM) > ($1.date, $1.distanceM) }
    }
}

/// Plain thresholds on the load figures. They are rules of thumb, stated in the sentences that use them.
public enum LoadReading {
    /// Form between 10 % and 30 % of fitness below zero is the usual productive training band
    /// (`FitnessModel.fatiguedFormPercent` is its far end, past which `tsb_context` says "Fatigued"); above
    /// −10 % the athlete is absorbing the training with little fatigue.
    public static let someFatiguePercent = -10.0
    /// A weekly fitness change of at least this many points is worth mentioning …
    public static let notableRamp = 5.0
    /// … and above this it is steep (more than most runners absorb week after week).
    public static let steepRamp = 8.0
    /// The acute:chronic band most runners train in safely; above `highACWR` injury risk climbs sharply.
    public static let safeACWR = 0.8...1.3
    public static let highACWR = 1.5

    /// The stored status moved to `day`. The stored status is that of the last stored day (the job's last run);
    /// on a later day there has been no load since (a new activity would have recomputed it), so fitness and
    /// fatigue decay in closed form (`FitnessModel.project`) and `tsb_context` follows the projected form. The
    /// figures of a 7-day window need the daily loads, which the document does not hold: inside the first week
    /// the ramp, the ratio and the trend stay as stored (they still describe mostly the same days); once a week
    /// has passed, the last 7 days are known to be empty, so the ramp is projected exactly, the ratio is 0 (no
    /// ratio after 28 empty days) and the trend is "down" (after 14 empty days: "stable", nothing against
    /// nothing).
    public static func onDay(_ stored: LoadStatus, _ day: LocalDate) -> LoadStatus {
        let gap = stored.day.date.days(until: day)
        guard gap > 0 else { return stored }
        let now = FitnessModel.project(stored.day, to: day)
        var status = stored
        status.day = now
        status.tsbContext = FitnessModel.tsbContext(form: now.form, fitness: now.fitness)
        if gap >= 7 {
            status.rampRate = now.fitness - FitnessModel.project(stored.day, to: day.adding(days: -7)).fitness
            status.acuteChronicRatio = gap >= 28 || stored.acuteChronicRatio == nil ? nil : 0
            status.loadTrend = gap >= 14 ? "stable" : "down"
        }
        return status
    }

    /// Form as a percentage of fitness, the way `FitnessModel.tsbContext` reads it.
    public static func formPercent(_ day: FitnessDay) -> Double {
        day.form / max(day.fitness, FitnessModel.formReferenceFloor) * 100
    }

    public enum Verdict: String, Sendable, Equatable {
        /// At least one figure past its limit.
        case tooMuch = "too_much"
        /// At least one figure near its limit.
        case onTheEdge = "on_the_edge"
        case fine
    }

    /// Whether the athlete is doing too much, and why, from form, ramp and the acute:chronic ratio.
    public static func verdict(_ load: LoadStatus) -> (verdict: Verdict, reasons: [String]) {
        var over: [String] = []
        var near: [String] = []
        let percent = formPercent(load.day)
        if percent < FitnessModel.fatiguedFormPercent {
            over.append(
                "form \(signed(load.day.form)) is \(signed(percent)) % of your fitness (\(Int(load.day.fitness.rounded()))), "
                    + "past the \(signed(FitnessModel.fatiguedFormPercent)) % where fatigue runs ahead of fitness")
        }
        if load.rampRate > steepRamp {
            over.append("fitness rose \(points(load.rampRate)) in 7 days, more than the \(Int(steepRamp)) a week most runners absorb")
        } else if load.rampRate >= notableRamp {
            near.append("fitness rose \(points(load.rampRate)) in 7 days, close to the \(Int(steepRamp)) a week most runners absorb")
        }
        if let ratio = load.acuteChronicRatio {
            let text = String(format: "%.2f", ratio)
            if ratio > highACWR {
                over.append("your acute:chronic load ratio is \(text), above \(highACWR), where injury risk climbs")
            } else if ratio > safeACWR.upperBound {
                near.append("your acute:chronic load ratio is \(text), above the \(safeACWR.lowerBound)–\(safeACWR.upperBound) band")
            }
        }
        if !over.isEmpty { return (.tooMuch, over + near) }
        if !near.isEmpty { return (.onTheEdge, near) }
        return (.fine, [])
    }

    /// "+8", "−14" (a true minus sign), rounded to a whole number.
    public static func signed(_ value: Double) -> String {
        let n = Int(value.rounded())
        return n > 0 ? "+\(n)" : n < 0 ? "−\(-n)" : "0"
    }

    /// "9 points", "1 point".
    static func points(_ value: Double) -> String {
        let n = Int(abs(value).rounded())
        return "\(n) point\(n == 1 ? "" : "s")"
    }
}
