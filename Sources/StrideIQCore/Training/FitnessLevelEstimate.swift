import Foundation

/// The athlete's current fitness level (a VDOT, Daniels/Gilbert) from their best recent performance, with the
/// training paces and race predictions that follow from it.
///
/// The rules:
/// - Only runs count, and only performances of the last `windowDays` days up to the day asked about. An older
///   performance is ignored, so the level falls when a fast race ages out and nothing as fast replaces it (the
///   original kept the highest value ever seen).
/// - Evidence, best first: a run marked as a race (a mile to a marathon); a best effort of at least a mile found in a
///   run's streams; a whole run of at least `wholeRunMinDistanceM` and `wholeRunMinTimeS`. Whole runs are mostly
///   not all-out, so their VDOT is weighed at `wholeRunWeight` when choosing; they win only when clearly faster
///   than every race and best effort.
/// - Within the window a performance's weight falls linearly with age, to `oldestWeight` at the window's edge,
///   so a recent performance beats a slightly faster older one: the level follows the athlete down as well as
///   up.
/// - A pace faster than the original's plausibility floors (`PersonalRecords.isPlausible`) or a VDOT outside
///   `RunningFitness.vdotRange` is not believed (a GPS glitch, a mislabelled ride).
/// - Weights only choose the performance; the level is that performance's own VDOT, so the VDOT and Riegel
///   predictions both start from what the athlete actually ran.
/// - Times are moving times (elapsed when no moving time was recorded); a best effort is its stretch's time.
public enum FitnessLevelEstimate {
    /// Days back from the day asked about that count as recent.
    public static let windowDays = 180
    /// The choice weight of a performance `windowDays` old (one from the day asked about weighs 1).
    public static let oldestWeight = 0.95
    /// The choice weight of a whole run that is not marked as a race.
    public static let wholeRunWeight = 0.97
    /// The shortest race or best effort that counts (a mile; shorter efforts say little about endurance).
    public static let minPerformanceDistanceM = 1600.0
    /// The longest race or whole run that counts: the formula is fitted to races from 1500 m to the marathon,
    /// and beyond it an ultra's time says more about terrain and fuelling than about VDOT (the margin is for GPS
    /// tracks of a marathon, which read long).
    public static let maxPerformanceDistanceM = 43_000.0
    /// The shortest whole run that counts, by distance and by time: shorter runs are strides and warm-ups.
    public static let wholeRunMinDistanceM = 3000.0
    public static let wholeRunMinTimeS = 600.0
    /// The predicted races: name and distance (m).
    public static let predictedRaces: [(name: String, distanceM: Double)] = [
        ("5k", 5000), ("10k", 10000), ("half_marathon", 21097.5), ("marathon", 42195),
    ]
    /// Riegel's exponent.
    public static let riegelExponent = 1.06

    /// The fitness level on `asOf` from `activities` (any order, any sport); `nil` when there is no believable
    /// recent performance.
    public static func estimate(activities: [TrainingActivity], asOf: LocalDate) -> FitnessLevel? {
        guard let best = bestPerformance(activities: activities, asOf: asOf) else { return nil }
        return FitnessLevel(
            vdot: best.vdot, source: best.performance, paces: RunningFitness.trainingPaces(vdot: best.vdot),
            predictions: predictions(vdot: best.vdot, from: best.performance))
    }

    /// The 5 km, 10 km, half-marathon and marathon predictions: the time `vdot` gives for each, and Riegel's
    /// time from the performance `from`.
    public static func predictions(vdot: Double, from performance: PerformanceRef) -> [RacePrediction] {
        predictedRaces.map { race in
            RacePrediction(
                name: race.name, distanceM: race.distanceM,
                timeS: RunningFitness.raceTime(vdot: vdot, distanceM: race.distanceM),
                riegelTimeS: RunningFitness.riegel(
                    distanceM: performance.distanceM, timeS: performance.timeS, toDistanceM: race.distanceM,
                    exponent: riegelExponent))
        }
    }

    /// Every performance that counts on `asOf` with its VDOT and choice weight, in no particular order.
    public static func performances(
        activities: [TrainingActivity], asOf: LocalDate
    ) -> [(performance: PerformanceRef, vdot: Double, weight: Double)] {
        let earliest = asOf.adding(days: -windowDays)
        var found: [(performance: PerformanceRef, vdot: Double, weight: Double)] = []
        for activity in activities where activity.sport == .run && activity.localDate <= asOf && activity.localDate >= earliest {
            let age = Double(activity.localDate.days(until: asOf))
            let ageWeight = 1 - (1 - oldestWeight) * age / Double(windowDays)
            func consider(_ kind: PerformanceRef.Kind, distanceM: Double, timeS: Double, weight: Double) {
                guard PersonalRecords.isPlausible(distanceM: distanceM, timeS: timeS) else { return }
                let vdot = RunningFitness.vdot(distanceM: distanceM, timeS: timeS)
                guard RunningFitness.vdotRange.contains(vdot) else { return }
                let ref = PerformanceRef(
                    activityID: activity.id, date: activity.localDate, kind: kind, distanceM: distanceM, timeS: timeS)
                found.append((ref, vdot, weight * ageWeight))
            }
            if let distance = activity.distanceM, distance <= maxPerformanceDistanceM,
                let time = activity.timeS.map(Double.init)
            {
                if activity.isRace {
                    if distance >= minPerformanceDistanceM {
                        consider(.race, distanceM: distance, timeS: time, weight: 1)
                    }
                } else if distance >= wholeRunMinDistanceM, time >= wholeRunMinTimeS {
                    consider(.wholeRun, distanceM: distance, timeS: time, weight: wholeRunWeight)
                }
            }
            for effort in activity.bestEfforts where effort.distanceM >= minPerformanceDistanceM {
                consider(.bestEffort, distanceM: effort.distanceM, timeS: effort.elapsedS, weight: 1)
            }
        }
        return found
    }

    /// The performance the level comes from: the highest weighted VDOT; on a tie the more recent, then the
    /// stronger kind of evidence (race, best effort, whole run), then the longer distance.
    public static func bestPerformance(activities: [TrainingActivity], asOf: LocalDate) -> (performance: PerformanceRef, vdot: Double)? {
        func rank(_ kind: PerformanceRef.Kind) -> Int {
            switch kind {
            case .race: 2
            case .bestEffort: 1
            case .wholeRun: 0
            }
        }
        let best = performances(activities: activities, asOf: asOf).max { a, b in
            let sa = a.vdot * a.weight
            let sb = b.vdot * b.weight
            if sa != sb { return sa < sb }
            if a.performance.date != b.performance.date { return a.performance.date < b.performance.date }
            if a.performance.kind != b.performance.kind { return rank(a.performance.kind) < rank(b.performance.kind) }
            return a.performance.distanceM < b.performance.distanceM
        }
        return best.map { ($0.performance, $0.vdot) }
    }
}
