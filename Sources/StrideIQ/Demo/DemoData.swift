import Fluent
import Foundation
import StrideIQCore

/// Realistic training history for one athlete: ~8 weeks of runs (easy, long, workouts) plus some
/// cross-training, today's check-in, and an active plan whose goal race is ~6 weeks out with its workouts.
/// Deterministic for a given seed, so demos and benchmarks are repeatable.
struct DemoData {
    let athleteID: UUID
    let timeZone: TimeZone
    let today: LocalDate
    var rng: SeededRandom

    init(athleteID: UUID, timeZone: TimeZone, now: Date, seed: UInt64) {
        self.athleteID = athleteID
        self.timeZone = timeZone
        self.today = LocalDate(now, in: timeZone)
        self.rng = SeededRandom(seed: seed)
    }

    struct Counts: Sendable { var activities = 0, workouts = 0, checkins = 0 }

    /// Writes everything in one transaction.
    mutating func write(on db: any Database) async throws -> Counts {
        var counts = Counts()
        let activities = makeActivities()
        let checkin = makeCheckin()
        let (plan, workouts) = makePlan()
        try await db.write(athlete: athleteID) { db in
            try await activities.create(on: db)  // one multi-row INSERT per table
            try await checkin.create(on: db)
            try await plan.create(on: db)
            for workout in workouts { workout.$plan.id = plan.id! }
            try await workouts.create(on: db)
        }
        counts.activities = activities.count
        counts.workouts = workouts.count
        counts.checkins = 1
        return counts
    }

    /// Weekly pattern Monday…Sunday: rest, easy, workout, easy, rest, easy, long.
    private static let weekPattern: [WorkoutType?] = [nil, .easy, .intervals, .easy, nil, .easy, .long]

    mutating func makeActivities() -> [Activity] {
        var result: [Activity] = []
        let firstDay = today.adding(days: -56)
        for offset in 0..<56 {
            let day = firstDay.adding(days: offset)
            let week = offset / 7
            guard let type = Self.weekPattern[day.weekdayIndexFromMonday] else {
                if day.weekdayIndexFromMonday == 4 && rng.chance(0.5) { result.append(crossTraining(on: day)) }
                continue
            }
            if rng.chance(0.08) { continue }  // life happens
            let build = 1.0 + Double(week) * 0.04
            let (km, pace, hr): (Double, Double, Int) =
                switch type {
                case .long: (16 * build + rng.double(-1...2), 345 + rng.double(-10...10), 148)
                case .intervals: (9 * build + rng.double(-1...1), 290 + rng.double(-10...10), 162)
                default: (7.5 * build + rng.double(-1.5...1.5), 335 + rng.double(-12...12), 140)
                }
            let name =
                switch type {
                case .long: "Long run"
                case .intervals: "6 × 800 m"
                default: "Easy run"
                }
            result.append(run(on: day, name: name, km: km, paceSPerKm: pace, avgHR: hr + rng.int(-4...4)))
        }
        return result
    }

    private mutating func run(on day: LocalDate, name: String, km: Double, paceSPerKm: Double, avgHR: Int) -> Activity {
        let a = Activity()
        a.$athlete.id = athleteID
        a.name = name
        a.sport = .run
        a.startTime = day.start(in: timeZone).addingTimeInterval(6.5 * 3600 + rng.double(0...5400))
        a.utcOffsetS = timeZone.secondsFromGMT(for: a.startTime)
        a.timezone = timeZone.identifier
        a.distanceM = (km * 1000).rounded()
        a.movingTimeS = Int(km * paceSPerKm)
        a.durationS = a.movingTimeS! + rng.int(0...240)
        a.avgHR = avgHR
        a.maxHR = avgHR + rng.int(10...22)
        a.elevationGainM = (km * rng.double(4...12)).rounded()
        a.source = "demo"
        return a
    }

    private mutating func crossTraining(on day: LocalDate) -> Activity {
        let a = Activity()
        a.$athlete.id = athleteID
        a.name = "Strength session"
        a.sport = .strength
        a.startTime = day.start(in: timeZone).addingTimeInterval(18 * 3600)
        a.utcOffsetS = timeZone.secondsFromGMT(for: a.startTime)
        a.timezone = timeZone.identifier
        a.durationS = 45 * 60
        a.movingTimeS = 40 * 60
        a.avgHR = 105 + rng.int(-5...5)
        a.source = "demo"
        return a
    }

    mutating func makeCheckin() -> DailyCheckin {
        let c = DailyCheckin()
        c.$athlete.id = athleteID
        c.date = today.description
        c.sleepH = 7 + rng.double(-1...1).rounded(toPlaces: 1)
        c.sleepQuality = rng.int(3...5)
        c.readiness = rng.int(3...5)
        c.soreness = rng.int(1...2)
        c.stress = rng.int(2...3)
        c.notes = "Legs feel fresh after yesterday's rest."
        return c
    }

    mutating func makePlan() -> (TrainingPlan, [PlannedWorkout]) {
        let race = today.adding(days: 42)
        let start = race.adding(days: -16 * 7 + 1)
        let plan = TrainingPlan()
        plan.$athlete.id = athleteID
        plan.name = "Spring half marathon"
        plan.status = .active
        plan.goalRaceName = "City Half Marathon"
        plan.goalRaceDate = race.description
        plan.goalRaceDistanceM = 21_097.5
        plan.goalTimeSeconds = 1 * 3600 + 39 * 60
        plan.planStartDate = start.description
        plan.planEndDate = race.description
        plan.totalWeeks = 16

        var workouts: [PlannedWorkout] = []
        // This week (from Monday) through race day.
        let monday = today.adding(days: -today.weekdayIndexFromMonday)
        var day = monday
        while day <= race {
            let week = start.days(until: day) / 7 + 1
            let phase: TrainingPhase = week >= 15 ? .taper : week >= 11 ? .peak : .build
            if day == race {
                workouts.append(
                    workout(
                        day, week, .race, "Race day: City Half Marathon", phase, 21_097.5, nil,
                        "Start controlled; first 5 km at goal pace, not faster."))
            } else if let type = Self.weekPattern[day.weekdayIndexFromMonday] {
                let taper = phase == .taper ? 0.7 : 1.0
                switch type {
                case .long:
                    workouts.append(
                        workout(
                            day, week, .long, "Long run", phase, (18_000 * taper).rounded(), (320, 350),
                            "Conversational; last 3 km at half-marathon effort."))
                case .intervals:
                    workouts.append(
                        workout(day, week, .intervals, "6 × 800 m at 5 km pace", phase, 10_000, (270, 280), "Jog 400 m between reps."))
                default: workouts.append(workout(day, week, .easy, "Easy run", phase, (8_000 * taper).rounded(), (330, 360), nil))
                }
            }
            day = day.adding(days: 1)
        }
        return (plan, workouts)
    }

    private func workout(
        _ day: LocalDate, _ week: Int, _ type: WorkoutType, _ title: String, _ phase: TrainingPhase,
        _ distance: Double, _ pace: (Int, Int)?, _ notes: String?
    ) -> PlannedWorkout {
        let w = PlannedWorkout()
        w.$athlete.id = athleteID
        w.scheduledDate = day.description
        w.weekNumber = week
        w.workoutType = type
        w.title = title
        w.phase = phase
        w.targetDistanceM = distance
        w.targetPaceMinSPerKm = pace?.0
        w.targetPaceMaxSPerKm = pace?.1
        w.coachNotes = notes
        return w
    }
}

/// SplitMix64: tiny, fast, and the same sequence for the same seed on every machine.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func double(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &self) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func chance(_ p: Double) -> Bool { double(0...1) < p }
}
