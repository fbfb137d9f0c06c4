import Foundation
import StrideIQCore

/// The body of `POST /v1/plans/generate` and `…/generate/preview`. Days and vocabularies arrive as strings and
/// are checked here, so one request learns every bad field at once (a failed decode would name only the first).
/// Optional fields may be sent as `null`, which means the same as leaving them out.
struct PlanGenerationBody: RequestBody {
    let raceName: String?
    let raceDate: String?
    let raceDistance: String?
    let raceDistanceM: Double?
    let goalTimeSeconds: Int?
    let daysPerWeek: Int?
    let longRunDay: String?
    let unavailableDays: [String]?
    let currentWeeklyDistanceM: Double?
    let peakWeeklyDistanceMinM: Double?
    let peakWeeklyDistanceMaxM: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case raceName = "race_name", raceDate = "race_date", raceDistance = "race_distance", raceDistanceM = "race_distance_m"
        case goalTimeSeconds = "goal_time_seconds", daysPerWeek = "days_per_week", longRunDay = "long_run_day"
        case unavailableDays = "unavailable_days", currentWeeklyDistanceM = "current_weekly_distance_m"
        case peakWeeklyDistanceMinM = "peak_weekly_distance_min_m", peakWeeklyDistanceMaxM = "peak_weekly_distance_max_m"
    }

    static var nullableFields: Set<String> {
        [
            "race_name", "race_distance", "race_distance_m", "goal_time_seconds", "unavailable_days",
            "current_weekly_distance_m", "peak_weekly_distance_min_m", "peak_weekly_distance_max_m",
        ]
    }

    /// The bounds of the generator's inputs (validation and the OpenAPI document read these).
    enum Bounds {
        static let raceDistanceM = 1_000.0...100_000.0
        static let daysPerWeek = 3...7
        static let weeklyDistanceM = 0.0...300_000.0
        static let peakWeeklyDistanceM = 5_000.0...300_000.0
        /// The race may be at most this many weeks away (the longest plan `total_weeks` allows).
        static let maxWeeksAhead = Limits.Plan.totalWeeks.upperBound
    }

    /// `monday` … `sunday`, index 0 … 6 as `LocalDate.weekdayIndexFromMonday`.
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// The preset race distances, in a stable order (the keys of `RaceDistances.presets`).
    static var presetNames: [String] {
        RaceDistances.presets.sorted { $0.value < $1.value }.map(\.key)
    }

    var raceDay: LocalDate? { raceDate.flatMap(LocalDate.init) }
    var longRunWeekday: Int? { longRunDay.flatMap { Self.weekdays.firstIndex(of: $0) } }

    /// The race distance in metres, from whichever of the two fields was sent.
    var distanceM: Double? {
        if let raceDistance { return RaceDistances.presets[raceDistance] }
        return raceDistanceM
    }

    func validate(into v: inout FieldValidator) {
        v.length(raceName, "race_name", Limits.Plan.raceName)
        if let raceDate {
            v.check(LocalDate(raceDate) != nil, "race_date", "must be a date as YYYY-MM-DD")
        } else {
            v.fail("race_date", "is required")
        }
        switch (raceDistance, raceDistanceM) {
        case (nil, nil):
            v.fail("race_distance", "is required (or race_distance_m for any other distance)")
        case (.some, .some):
            v.fail("race_distance_m", "send either race_distance or race_distance_m, not both")
        case (let name?, nil):
            v.check(
                RaceDistances.presets[name] != nil, "race_distance",
                "must be one of \(Self.presetNames.joined(separator: ", ")) (or send race_distance_m)")
        case (nil, .some):
            v.range(raceDistanceM, "race_distance_m", Bounds.raceDistanceM)
        }
        v.range(goalTimeSeconds, "goal_time_seconds", Limits.Plan.goalTimeS)
        if let daysPerWeek {
            v.range(daysPerWeek, "days_per_week", Bounds.daysPerWeek)
        } else {
            v.fail("days_per_week", "is required")
        }
        if let longRunDay {
            v.check(Self.weekdays.contains(longRunDay), "long_run_day", "must be a weekday name: \(Self.weekdays.joined(separator: ", "))")
        } else {
            v.fail("long_run_day", "is required")
        }
        if let unavailableDays {
            for (index, day) in unavailableDays.enumerated() {
                if !Self.weekdays.contains(day) {
                    v.fail("unavailable_days[\(index)]", "must be a weekday name: \(Self.weekdays.joined(separator: ", "))")
                } else if unavailableDays[..<index].contains(day) {
                    v.fail("unavailable_days[\(index)]", "repeats \(day)")
                }
            }
            if let longRunDay, unavailableDays.contains(longRunDay) {
                v.fail("unavailable_days", "must not contain the long-run day (\(longRunDay))")
            }
            let free = 7 - Set(unavailableDays.filter(Self.weekdays.contains)).count
            if let daysPerWeek, Bounds.daysPerWeek.contains(daysPerWeek), free < daysPerWeek {
                v.fail("unavailable_days", "leaves \(free) days to run, fewer than days_per_week (\(daysPerWeek))")
            }
        }
        v.range(currentWeeklyDistanceM, "current_weekly_distance_m", Bounds.weeklyDistanceM)
        v.range(peakWeeklyDistanceMinM, "peak_weekly_distance_min_m", Bounds.peakWeeklyDistanceM)
        v.range(peakWeeklyDistanceMaxM, "peak_weekly_distance_max_m", Bounds.peakWeeklyDistanceM)
        if let low = peakWeeklyDistanceMinM, let high = peakWeeklyDistanceMaxM {
            v.check(low <= high, "peak_weekly_distance_max_m", "must be at least peak_weekly_distance_min_m")
        }
    }
}

/// Where the plan's fitness number (VDOT) came from.
enum FitnessSource: String, Codable, Sendable, CaseIterable {
    /// The goal time over the race distance.
    case goalTime = "goal_time"
    /// The best of the athlete's runs of at least 3 km in the last 12 weeks.
    case recentRun = "recent_run"
    /// The plan builder's conservative default (no goal time, no usable run).
    case standard = "default"
}

/// The answer of both generate operations: the plan as built, and (generate only) the plan as saved.
struct PlanGenerationDTO: Encodable, Sendable {
    @Nullable var planID: UUID?
    @Nullable var plan: PlanDTO?
    let race: Race
    let fitness: Fitness
    let currentWeeklyDistanceM: Double
    let weeks: [Week]
    let notes: [String]

    enum CodingKeys: String, CodingKey {
        case plan, race, fitness, weeks, notes
        case planID = "plan_id", currentWeeklyDistanceM = "current_weekly_distance_m"
    }

    struct Race: Encodable, Sendable {
        @Nullable var name: String?
        let date: LocalDate
        let distanceM: Double
        @Nullable var goalTimeSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case name, date
            case distanceM = "distance_m", goalTimeSeconds = "goal_time_seconds"
        }
    }

    struct Fitness: Encodable, Sendable {
        /// One decimal.
        let vdot: Double
        let source: FitnessSource
        let paces: Paces
    }

    struct Paces: Encodable, Sendable {
        let easy, long, recovery, marathon, threshold, interval, repetition: Pace

        init(easy: Pace, long: Pace, recovery: Pace, marathon: Pace, threshold: Pace, interval: Pace, repetition: Pace) {
            self.easy = easy
            self.long = long
            self.recovery = recovery
            self.marathon = marathon
            self.threshold = threshold
            self.interval = interval
            self.repetition = repetition
        }

        init(_ p: TrainingPaces) {
            easy = Pace(p.easy)
            long = Pace(p.long)
            recovery = Pace(p.recovery)
            marathon = Pace(p.marathon)
            threshold = Pace(p.threshold)
            interval = Pace(p.interval)
            repetition = Pace(p.repetition)
        }
    }

    struct Pace: Encodable, Sendable {
        let fastSPerKm: Int
        let slowSPerKm: Int

        enum CodingKeys: String, CodingKey {
            case fastSPerKm = "fast_s_per_km", slowSPerKm = "slow_s_per_km"
        }

        init(fastSPerKm: Int, slowSPerKm: Int) {
            self.fastSPerKm = fastSPerKm
            self.slowSPerKm = slowSPerKm
        }

        init(_ range: PaceRange) {
            fastSPerKm = range.fastSPerKm
            slowSPerKm = range.slowSPerKm
        }
    }

    struct Week: Encodable, Sendable {
        let week: Int
        let startDate: LocalDate
        let phase: TrainingPhase
        let isRecovery: Bool
        let volumeM: Double
        let longRunM: Double
        let workouts: [GeneratedWorkoutDTO]

        enum CodingKeys: String, CodingKey {
            case week, phase, workouts
            case startDate = "start_date", isRecovery = "is_recovery", volumeM = "volume_m", longRunM = "long_run_m"
        }

        init(
            week: Int, startDate: LocalDate, phase: TrainingPhase, isRecovery: Bool, volumeM: Double, longRunM: Double,
            workouts: [GeneratedWorkoutDTO]
        ) {
            self.week = week
            self.startDate = startDate
            self.phase = phase
            self.isRecovery = isRecovery
            self.volumeM = volumeM
            self.longRunM = longRunM
            self.workouts = workouts
        }

        init(_ w: GeneratedWeek) {
            week = w.number
            startDate = w.startDate
            phase = w.phase
            isRecovery = w.isRecovery
            volumeM = w.volumeM.rounded()
            longRunM = w.longRunM.rounded()
            workouts = w.workouts.map(GeneratedWorkoutDTO.init)
        }
    }

    init(
        planID: UUID?, plan: PlanDTO?, race: Race, fitness: Fitness, currentWeeklyDistanceM: Double, weeks: [Week],
        notes: [String]
    ) {
        self.planID = planID
        self.plan = plan
        self.race = race
        self.fitness = fitness
        self.currentWeeklyDistanceM = currentWeeklyDistanceM
        self.weeks = weeks
        self.notes = notes
    }

    init(
        generated: GeneratedPlan, raceName: String?, source: FitnessSource, currentWeeklyM: Double, notes: [String],
        saved: (plan: TrainingPlan, workouts: [PlannedWorkout])?
    ) {
        planID = saved?.plan.id
        plan = saved.map { PlanDTO($0.plan, workouts: $0.workouts) }
        race = Race(
            name: raceName, date: generated.raceDate, distanceM: generated.raceDistanceM, goalTimeSeconds: generated.goalTimeS)
        fitness = Fitness(vdot: (generated.vdot * 10).rounded() / 10, source: source, paces: Paces(generated.paces))
        currentWeeklyDistanceM = currentWeeklyM.rounded()
        weeks = generated.weeks.map(Week.init)
        self.notes = notes
    }
}

/// One generated workout on the wire (also the `before`/`after` of a plan change).
struct GeneratedWorkoutDTO: Encodable, Sendable {
    let date: LocalDate
    let workoutType: WorkoutType
    let title: String
    let why: String
    @Nullable var distanceM: Double?
    @Nullable var durationS: Int?
    @Nullable var paceFastSPerKm: Int?
    @Nullable var paceSlowSPerKm: Int?
    let phase: TrainingPhase

    enum CodingKeys: String, CodingKey {
        case date, title, why, phase
        case workoutType = "workout_type", distanceM = "distance_m", durationS = "duration_s"
        case paceFastSPerKm = "pace_fast_s_per_km", paceSlowSPerKm = "pace_slow_s_per_km"
    }

    init(
        date: LocalDate, workoutType: WorkoutType, title: String, why: String, distanceM: Double?, durationS: Int?,
        paceFastSPerKm: Int?, paceSlowSPerKm: Int?, phase: TrainingPhase
    ) {
        self.date = date
        self.workoutType = workoutType
        self.title = title
        self.why = why
        self.distanceM = distanceM
        self.durationS = durationS
        self.paceFastSPerKm = paceFastSPerKm
        self.paceSlowSPerKm = paceSlowSPerKm
        self.phase = phase
    }

    init(_ w: GeneratedWorkout) {
        date = w.date
        workoutType = w.type
        title = w.title
        why = w.why
        distanceM = w.distanceM.map { $0.rounded() }
        durationS = w.durationS
        paceFastSPerKm = w.pace?.fastSPerKm
        paceSlowSPerKm = w.pace?.slowSPerKm
        phase = w.phase
    }
}
