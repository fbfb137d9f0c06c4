import Foundation
import Testing

@testable import StrideIQCore

private let day0 = LocalDate("2024-01-01")!

private func activity(
    sport: Sport = .run, isRace: Bool = false, distanceM: Double? = nil, movingTimeS: Int? = nil, durationS: Int? = nil,
    avgHR: Int? = nil, maxHR: Int? = nil
) -> TrainingActivity {
    TrainingActivity(
        id: UUID(), startTime: Date(timeIntervalSince1970: 1_704_096_000), localDate: day0, sport: sport, name: "Run",
        isRace: isRace, distanceM: distanceM, movingTimeS: movingTimeS, durationS: durationS, avgHR: avgHR, maxHR: maxHR,
        elevationGainM: nil, bestEfforts: [])
}

private func activities(maxima: [Int]) -> [TrainingActivity] {
    maxima.map { activity(movingTimeS: 3600, maxHR: $0) }
}

private let usableHR = HeartRateProfile(maxHR: 190, maxHRSource: .profile, restingHR: 50, restingHRSource: .profile)
private let noHR = HeartRateProfile(maxHR: nil, maxHRSource: nil, restingHR: nil, restingHRSource: nil)

/// Deterministic pseudo-random daily loads (0 on about a third of the days, else 20…150).
private func sampleLoads(days: Int, from start: LocalDate = day0) -> [LocalDate: Double] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var loads: [LocalDate: Double] = [:]
    for i in 0..<days {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let r = Double(state >> 33) / Double(1 << 31)
        if r > 0.33 { loads[start.adding(days: i)] = 20 + 130 * r }
    }
    return loads
}

@Suite("Heart-rate anchors: profile first, else estimated from activities and check-ins")
struct HeartRateEstimateTests {
    @Test func profileValuesWinOverPlentifulData() {
        let p = HeartRateEstimate.profile(
            maxHR: 185, restingHR: 48, activities: activities(maxima: [200, 199, 198, 197, 196, 195]),
            checkinRestingHRs: [40, 41, 42, 43])
        #expect(p == HeartRateProfile(maxHR: 185, maxHRSource: .profile, restingHR: 48, restingHRSource: .profile))
        #expect(p.isUsable)
    }

    @Test func estimatesAreFlaggedAndRobustToOneSpike() {
        // 240 is an artefact (above 230, dropped); of the rest the highest, 195, could be one bad reading, so the
        // second-highest, 188, is the estimate. Check-ins: sorted 47 49 52 55 58 60, lowest third 47 49 → 48.
        let p = HeartRateEstimate.profile(
            maxHR: nil, restingHR: nil, activities: activities(maxima: [170, 182, 195, 178, 240, 188]),
            checkinRestingHRs: [52, 47, 55, 49, 60, 58])
        #expect(p == HeartRateProfile(maxHR: 188, maxHRSource: .estimated, restingHR: 48, restingHRSource: .estimated))
    }

    @Test func tooFewDataGiveNil() {
        let p = HeartRateEstimate.profile(
            maxHR: nil, restingHR: nil, activities: activities(maxima: [190, 185, 180, 175]) + [activity(movingTimeS: 60)],
            checkinRestingHRs: [50, 52])
        #expect(p == noHR)
        #expect(!p.isUsable)
        // Implausible check-in values do not count towards the minimum: only 50 is a resting value here.
        #expect(HeartRateEstimate.profile(maxHR: nil, restingHR: nil, activities: [], checkinRestingHRs: [20, 150, 50]) == noHR)
    }

    @Test func implausibleValuesAreRejected() {
        // A profile value outside the plausible range is ignored and the estimate used instead.
        let p = HeartRateEstimate.profile(
            maxHR: 250, restingHR: 12, activities: activities(maxima: [180, 181, 182, 183, 184]),
            checkinRestingHRs: [45, 46, 47])
        #expect(p == HeartRateProfile(maxHR: 183, maxHRSource: .estimated, restingHR: 45, restingHRSource: .estimated))
        // Five walks that never went above 112: no maximum can be claimed from them.
        #expect(
            HeartRateEstimate.profile(
                maxHR: nil, restingHR: nil, activities: activities(maxima: [100, 105, 110, 108, 112]), checkinRestingHRs: []
            ).maxHR == nil)
    }

    @Test func eachAnchorIsDecidedOnItsOwn() {
        let p = HeartRateEstimate.profile(maxHR: 192, restingHR: nil, activities: [], checkinRestingHRs: [55, 51, 53])
        #expect(p == HeartRateProfile(maxHR: 192, maxHRSource: .profile, restingHR: 51, restingHRSource: .estimated))
        #expect(p.isUsable)
    }
}

@Suite("Training load: heart-rate TRIMP, pace and duration on one scale")
struct TrainingLoadTests {
    @Test func trimpHandComputed() {
        // 45 min moving (the 60 min elapsed include stops and must not count), avg 150, max 190, rest 50.
        //   HRr   = (150 − 50) / (190 − 50) = 100 / 140 = 0.714285714
        //   TRIMP = 45 × 0.714285714 × 0.64 × e^(1.92 × 0.714285714) = 20.571428571 × e^1.371428571
        //         = 20.571428571 × 3.940976643 = 81.071519505
        //   one threshold hour: 60 × 0.88 × 0.64 × e^(1.92 × 0.88) = 33.792 × e^1.6896 = 33.792 × 5.417313346
        //         = 183.061852600
        //   load  = 81.071519505 / 183.061852600 × 100 = 44.286408312
        let a = activity(distanceM: 9000, movingTimeS: 2700, durationS: 3600, avgHR: 150)
        let result = TrainingLoad.load(of: a, heartRate: usableHR, thresholdPaceSPerKm: 270)
        #expect(result.method == .heartRate)
        #expect(abs(TrainingLoad.trimp(minutes: 45, reserve: 100.0 / 140) - 81.071519505) < 1e-6)
        #expect(abs(TrainingLoad.thresholdHourTRIMP - 183.061852600) < 1e-6)
        #expect(abs(result.load - 44.286408312) < 1e-6)
    }

    @Test func thresholdHourScores100OnEveryMethod() {
        #expect(abs(TrainingLoad.heartRateLoad(minutes: 60, reserve: 0.88) - 100) < 1e-9)
        // rest 50, max 190: 0.88 of the reserve is 173.2; avg 173 is HRr 0.8786, just under 100.
        let hr = TrainingLoad.load(of: activity(movingTimeS: 3600, avgHR: 173), heartRate: usableHR, thresholdPaceSPerKm: nil)
        #expect(hr.method == .heartRate && hr.load > 99 && hr.load < 100)
        let pace = TrainingLoad.load(of: activity(distanceM: 12_000, movingTimeS: 3600), heartRate: noHR, thresholdPaceSPerKm: 300)
        #expect(pace.method == .pace && abs(pace.load - 100) < 1e-9)
    }

    @Test func paceLoad() {
        // 10 km in 50:00 moving = 300 s/km; threshold 270 s/km → IF = 0.9; load = 50/60 × 0.81 × 100 = 67.5.
        let a = activity(distanceM: 10_000, movingTimeS: 3000, durationS: 3600)
        let result = TrainingLoad.load(of: a, heartRate: noHR, thresholdPaceSPerKm: 270)
        #expect(result.method == .pace)
        #expect(abs(result.load - 67.5) < 1e-9)
        // Heart rate recorded but no usable profile: still pace.
        let withHR = TrainingLoad.load(
            of: activity(distanceM: 10_000, movingTimeS: 3000, avgHR: 150),
            heartRate: HeartRateProfile(maxHR: 190, maxHRSource: .estimated, restingHR: nil, restingHRSource: nil),
            thresholdPaceSPerKm: 270)
        #expect(withHR.method == .pace && abs(withHR.load - 67.5) < 1e-9)
    }

    @Test func paceIntensityIsClamped() {
        // 10 km in 5 minutes (a GPS glitch): IF 0.9 × 12 → clamped to 1.3; load = 5/60 × 1.69 × 100 = 14.083333.
        let glitch = TrainingLoad.load(of: activity(distanceM: 10_000, movingTimeS: 300), heartRate: noHR, thresholdPaceSPerKm: 270)
        #expect(abs(glitch.load - 300.0 / 3600 * 1.69 * 100) < 1e-9)
        // 1 km in an hour (a forgotten pause): clamped to 0.5 → 25.
        let crawl = TrainingLoad.load(of: activity(distanceM: 1000, movingTimeS: 3600), heartRate: noHR, thresholdPaceSPerKm: 270)
        #expect(abs(crawl.load - 25) < 1e-9)
    }

    @Test func durationLoad() {
        // 90 min of cycling, no heart rate: 1.5 × 0.70² × 100 = 73.5 (threshold pace is for runs only).
        let ride = TrainingLoad.load(
            of: activity(sport: .cycling, distanceM: 40_000, movingTimeS: 5400), heartRate: noHR, thresholdPaceSPerKm: 270)
        #expect(ride.method == .duration && abs(ride.load - 73.5) < 1e-9)
        // A run without a threshold pace: 1 h × 0.75² × 100 = 56.25; a race: 1 h × 0.95² × 100 = 90.25.
        let run = TrainingLoad.load(of: activity(distanceM: 10_000, movingTimeS: 3600), heartRate: noHR, thresholdPaceSPerKm: nil)
        #expect(run.method == .duration && abs(run.load - 56.25) < 1e-9)
        let race = TrainingLoad.load(of: activity(isRace: true, movingTimeS: 3600), heartRate: noHR, thresholdPaceSPerKm: nil)
        #expect(abs(race.load - 90.25) < 1e-9)
        // Elapsed time is the fallback when no moving time was recorded: 30 min of yoga = 0.5 × 0.04 × 100 = 2.
        let yoga = TrainingLoad.load(of: activity(sport: .flexibility, durationS: 1800), heartRate: usableHR, thresholdPaceSPerKm: nil)
        #expect(abs(yoga.load - 2) < 1e-9)
        for sport in Sport.allCases {
            let i = TrainingLoad.assumedIntensity(for: sport)
            #expect(i > 0 && i < 1, "\(sport)")
        }
    }

    @Test func edgeCasesAreFiniteAndNonNegative() {
        // No time: nothing to load.
        let noTime = TrainingLoad.load(of: activity(distanceM: 5000, avgHR: 150), heartRate: usableHR, thresholdPaceSPerKm: 270)
        #expect(noTime.load == 0)
        // Zero distance on a run: the pace path does not apply.
        let zero = TrainingLoad.load(of: activity(distanceM: 0, movingTimeS: 3600), heartRate: noHR, thresholdPaceSPerKm: 270)
        #expect(zero.method == .duration && abs(zero.load - 56.25) < 1e-9)
        // Average below resting: no effort; above the maximum: the maximum.
        let below = TrainingLoad.load(of: activity(movingTimeS: 3600, avgHR: 45), heartRate: usableHR, thresholdPaceSPerKm: nil)
        #expect(below.method == .heartRate && below.load == 0)
        let above = TrainingLoad.load(of: activity(movingTimeS: 3600, avgHR: 230), heartRate: usableHR, thresholdPaceSPerKm: nil)
        #expect(abs(above.load - TrainingLoad.heartRateLoad(minutes: 60, reserve: 1)) < 1e-9)
        // Nonsense thresholds fall through to duration; an impossible average heart rate is ignored.
        for threshold in [0, -5, .nan, .infinity, 5000] as [Double] {
            let r = TrainingLoad.load(of: activity(distanceM: 10_000, movingTimeS: 3000), heartRate: noHR, thresholdPaceSPerKm: threshold)
            #expect(r.method == .duration, "threshold \(threshold)")
        }
        let badHR = TrainingLoad.load(of: activity(movingTimeS: 3600, avgHR: 0), heartRate: usableHR, thresholdPaceSPerKm: nil)
        #expect(badHR.method == .duration)
        // Huge and negative inputs: time capped at the activity limit (7 days), never negative.
        let cases = [
            activity(distanceM: 1e12, movingTimeS: Int.max, avgHR: 10_000),
            activity(distanceM: .infinity, movingTimeS: 3600),
            activity(distanceM: .nan, movingTimeS: 3600),
            activity(distanceM: 1, movingTimeS: Int.max),
            activity(movingTimeS: -3600, avgHR: 150),
            activity(sport: .swimming, movingTimeS: Int.max, avgHR: 250),
        ]
        for a in cases {
            for hr in [usableHR, noHR] {
                let r = TrainingLoad.load(of: a, heartRate: hr, thresholdPaceSPerKm: 270)
                #expect(r.load.isFinite && r.load >= 0 && r.load <= 7 * 24 * 100 * 1.7, "\(a) → \(r)")
            }
        }
        #expect(TrainingLoad.load(of: activity(movingTimeS: -3600, avgHR: 150), heartRate: usableHR, thresholdPaceSPerKm: nil).load == 0)
    }
}

@Suite("Fitness model: 42/7-day impulse–response, form, projection and status")
struct FitnessModelTests {
    @Test func alphasAreTheImpulseResponseSteps() {
        #expect(abs(FitnessModel.fitnessAlpha - 0.023528313348) < 1e-12)
        #expect(abs(FitnessModel.fatigueAlpha - 0.133122100250) < 1e-12)
        // A single load decays to 1/e of its first-day contribution after exactly N days.
        let days = FitnessModel.series(loads: [day0: 100], from: day0, through: day0.adding(days: 42), startingAfter: nil)
        #expect(abs(days[42].fitness / days[0].fitness - exp(-1)) < 1e-12)
    }

    @Test func ewmaHandComputed() {
        // Loads 100, 0, 50 from zero. αF = 1 − e^(−1/42) = 0.0235283133, αA = 1 − e^(−1/7) = 0.1331221003.
        // Day 1: F = 0 + αF × 100                    = 2.3528313348
        //        A = 0 + αA × 100                    = 13.3122100250   form = 0 − 0 = 0
        // Day 2: F = 2.3528313348 × (1 − αF)         = 2.2974731819
        //        A = 13.3122100250 × (1 − αA)        = 11.5400606675   form = 2.3528313348 − 13.3122100250 = −10.9593786902
        // Day 3: F = 2.2974731819 + αF × (50 − 2.2974731819) = 3.4198331803
        //        A = 11.5400606675 + αA × (50 − 11.5400606675) = 16.6599285669
        //        form = 2.2974731819 − 11.5400606675 = −9.2425874856
        let loads = [day0: 100.0, day0.adding(days: 2): 50]
        let s = FitnessModel.series(loads: loads, from: day0, through: day0.adding(days: 2), startingAfter: nil)
        let expected: [(Double, Double, Double, Double)] = [
            (100, 2.3528313348, 13.3122100250, 0),
            (0, 2.2974731819, 11.5400606675, -10.9593786902),
            (50, 3.4198331803, 16.6599285669, -9.2425874856),
        ]
        #expect(s.count == 3)
        for (i, (load, fitness, fatigue, form)) in expected.enumerated() {
            #expect(s[i].date == day0.adding(days: i))
            #expect(s[i].load == load)
            #expect(abs(s[i].fitness - fitness) < 1e-6)
            #expect(abs(s[i].fatigue - fatigue) < 1e-6)
            #expect(abs(s[i].form - form) < 1e-6)
        }
    }

    @Test func incrementalSeriesEqualsFullSeries() throws {
        let loads = sampleLoads(days: 400)
        let last = day0.adding(days: 399)
        let full = FitnessModel.series(loads: loads, from: day0, through: last, startingAfter: nil)
        #expect(full.count == 400)
        let tail = FitnessModel.series(loads: loads, from: day0.adding(days: 300), through: last, startingAfter: full[299])
        #expect(tail == Array(full[300...]), "bit-for-bit identical")
        // A seed older than the day before `from` is continued through the gap, whose days are not returned.
        let gapped = FitnessModel.series(loads: loads, from: day0.adding(days: 300), through: last, startingAfter: full[250])
        #expect(gapped == Array(full[300...]))
        // The seed comes back from storage: a JSON round trip keeps every bit, so the continuation still matches.
        let stored = try JSONDecoder().decode(FitnessDay.self, from: JSONEncoder().encode(full[299]))
        #expect(stored == full[299])
        #expect(
            FitnessModel.series(loads: loads, from: day0.adding(days: 300), through: last, startingAfter: stored) == Array(full[300...]))
    }

    @Test func seriesEdgeCases() {
        #expect(FitnessModel.series(loads: [:], from: day0.adding(days: 1), through: day0, startingAfter: nil).isEmpty)
        // A seed on or after `from` cannot precede it: ignored, the series starts from zero.
        let seed = FitnessDay(date: day0, load: 50, fitness: 40, fatigue: 60, form: 0)
        let fromZero = FitnessModel.series(loads: [day0: 10], from: day0, through: day0, startingAfter: nil)
        #expect(FitnessModel.series(loads: [day0: 10], from: day0, through: day0, startingAfter: seed) == fromZero)
        // Negative and non-finite loads count as rest.
        let bad = FitnessModel.series(
            loads: [day0: -50, day0.adding(days: 1): .nan, day0.adding(days: 2): .infinity], from: day0, through: day0.adding(days: 2),
            startingAfter: nil)
        #expect(bad.allSatisfy { $0.load == 0 && $0.fitness == 0 && $0.fatigue == 0 && $0.form == 0 })
    }

    @Test func projectionEqualsSeriesWithRestDays() {
        let loads = sampleLoads(days: 100)
        let history = FitnessModel.series(loads: loads, from: day0, through: day0.adding(days: 99), startingAfter: nil)
        let lastDay = history[99]
        let rest = FitnessModel.series(loads: [:], from: day0.adding(days: 100), through: day0.adding(days: 259), startingAfter: lastDay)
        for day in rest {
            let projected = FitnessModel.project(lastDay, to: day.date)
            #expect(projected.date == day.date && projected.load == 0)
            #expect(abs(projected.fitness - day.fitness) < 1e-9)
            #expect(abs(projected.fatigue - day.fatigue) < 1e-9)
            #expect(abs(projected.form - day.form) < 1e-9)
        }
        #expect(FitnessModel.project(lastDay, to: lastDay.date) == lastDay)
        #expect(FitnessModel.project(lastDay, to: day0) == lastDay, "the model does not run backwards")
    }

    /// 28 days of loads (oldest first) ending on `end`, through the model from zero 60 days earlier at 50 a day.
    private func series(last28: [Double], end: LocalDate = day0.adding(days: 87)) -> [FitnessDay] {
        var loads: [LocalDate: Double] = [:]
        let start = end.adding(days: -87)
        for i in 0..<60 { loads[start.adding(days: i)] = 50 }
        for (i, load) in last28.enumerated() { loads[end.adding(days: i - 27)] = load }
        return FitnessModel.series(loads: loads, from: start, through: end, startingAfter: nil)
    }

    @Test func statusRampAcuteChronicAndTrend() {
        let steady = FitnessModel.status(series: series(last28: Array(repeating: 50, count: 28)))
        #expect(steady.acuteChronicRatio.map { abs($0 - 1) < 1e-12 } == true)
        #expect(steady.loadTrend == "stable")
        // The last week doubled: acute 100, chronic (21 × 50 + 7 × 100) / 28 = 62.5 → 1.6; trend up.
        let s = series(last28: Array(repeating: 50, count: 21) + Array(repeating: 100, count: 7))
        let status = FitnessModel.status(series: s)
        #expect(status.day == s.last)
        #expect(status.acuteChronicRatio.map { abs($0 - 1.6) < 1e-12 } == true)
        #expect(status.loadTrend == "up")
        #expect(abs(status.rampRate - (s[s.count - 1].fitness - s[s.count - 8].fitness)) < 1e-12)
        #expect(status.rampRate > 0)
        // Only the last 28 days passed: same answer.
        #expect(FitnessModel.status(series: Array(s.suffix(28))) == status)
        // The last week halved: down.
        #expect(
            FitnessModel.status(series: series(last28: Array(repeating: 50, count: 21) + Array(repeating: 25, count: 7))).loadTrend
                == "down")
    }

    @Test func statusWithoutLoad() {
        let idle = FitnessModel.series(loads: [:], from: day0, through: day0.adding(days: 27), startingAfter: nil)
        let status = FitnessModel.status(series: idle)
        #expect(status.acuteChronicRatio == nil)
        #expect(status.loadTrend == "stable")
        #expect(status.rampRate == 0)
        #expect(status.tsbContext == "Building")
        // A first run after nothing: trend up, ramp from a zero week-ago fitness (days before the series are 0).
        let first = FitnessModel.series(loads: [day0: 60], from: day0, through: day0, startingAfter: nil)
        let s = FitnessModel.status(series: first)
        #expect(s.loadTrend == "up")
        #expect(s.rampRate == first[0].fitness)
        #expect(s.acuteChronicRatio.map { abs($0 - 4) < 1e-12 } == true)
    }

    @Test func tsbContextThresholds() {
        // Form as a percentage of fitness: > +5 % Fresh, < −30 % Fatigued.
        #expect(FitnessModel.tsbContext(form: 5.1, fitness: 100) == "Fresh")
        #expect(FitnessModel.tsbContext(form: 5, fitness: 100) == "Building")
        #expect(FitnessModel.tsbContext(form: -29.9, fitness: 100) == "Building")
        #expect(FitnessModel.tsbContext(form: -30.1, fitness: 100) == "Fatigued")
        // −15 is a normal week at fitness 80 and an overload at 40.
        #expect(FitnessModel.tsbContext(form: -15, fitness: 80) == "Building")
        #expect(FitnessModel.tsbContext(form: -15, fitness: 40) == "Fatigued")
        // Below fitness 20 the reference is 20: −5 is −25 % (Building), −7 is −35 % (Fatigued), +2 is +10 % (Fresh).
        #expect(FitnessModel.tsbContext(form: -5, fitness: 3) == "Building")
        #expect(FitnessModel.tsbContext(form: -7, fitness: 3) == "Fatigued")
        #expect(FitnessModel.tsbContext(form: 2, fitness: 3) == "Fresh")
    }

    @Test func loadTrendThresholds() {
        #expect(FitnessModel.loadTrend(last7: 111, previous7: 100) == "up")
        #expect(FitnessModel.loadTrend(last7: 109, previous7: 100) == "stable")
        #expect(FitnessModel.loadTrend(last7: 91, previous7: 100) == "stable")
        #expect(FitnessModel.loadTrend(last7: 89, previous7: 100) == "down")
        #expect(FitnessModel.loadTrend(last7: 0, previous7: 0) == "stable")
        #expect(FitnessModel.loadTrend(last7: 10, previous7: 0) == "up")
        #expect(FitnessModel.loadTrend(last7: 0, previous7: 10) == "down")
    }

    @Test func fiveYearsAreCheap() {
        let days = 5 * 365 + 1
        let loads = sampleLoads(days: days)
        let clock = ContinuousClock()
        var series: [FitnessDay] = []
        let elapsed = clock.measure {
            series = FitnessModel.series(loads: loads, from: day0, through: day0.adding(days: days - 1), startingAfter: nil)
        }
        #expect(series.count == days)
        #expect(series.allSatisfy { $0.fitness.isFinite && $0.fatigue.isFinite && $0.fitness >= 0 && $0.fatigue >= 0 })
        // Pure arithmetic: a few milliseconds in release; a debug build on a shared machine gets a wide margin.
        #expect(elapsed < .milliseconds(500), "5-year series took \(elapsed)")
        print("FitnessModel.series over \(days) days: \(elapsed)")
    }
}
