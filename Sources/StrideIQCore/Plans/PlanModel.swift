import Foundation

/// What the athlete asks for: a race, a schedule and what we know of their training.
public struct PlanRequest: Sendable, Equatable {
    public var raceName: String?
    public var raceDate: LocalDate
    public var raceDistanceM: Double
    public var goalTimeS: Int?
    /// 3…7.
    public var daysPerWeek: Int
    /// 0 = Monday … 6 = Sunday.
    public var longRunWeekday: Int
    public var unavailableWeekdays: Set<Int>
    /// Recent weekly volume (the API fills it from the last 8 weeks when absent).
    public var currentWeeklyM: Double
    /// Optional upper bound for the peak week.
    public var peakWeeklyM: Double?
    /// Optional lower bound for the peak week.
    public var minPeakWeeklyM: Double?
    /// The athlete's fitness number when known (else from `goalTimeS`; else a default with a note).
    public var vdot: Double?
    /// The plan starts on the Monday of this week (workouts only from today on).
    public var today: LocalDate

    public init(
        raceName: String? = nil, raceDate: LocalDate, raceDistanceM: Double, goalTimeS: Int? = nil, daysPerWeek: Int,
        longRunWeekday: Int = 6, unavailableWeekdays: Set<Int> = [], currentWeeklyM: Double, peakWeeklyM: Double? = nil,
        minPeakWeeklyM: Double? = nil, vdot: Double? = nil, today: LocalDate
    ) {
        self.raceName = raceName
        self.raceDate = raceDate
        self.raceDistanceM = raceDistanceM
        self.goalTimeS = goalTimeS
        self.daysPerWeek = daysPerWeek
        self.longRunWeekday = longRunWeekday
        self.unavailableWeekdays = unavailableWeekdays
        self.currentWeeklyM = currentWeeklyM
        self.peakWeeklyM = peakWeeklyM
        self.minPeakWeeklyM = minPeakWeeklyM
        self.vdot = vdot
        self.today = today
    }
}

public struct GeneratedWorkout: Sendable, Equatable, Codable {
    public var date: LocalDate
    public var type: WorkoutType
    public var title: String
    /// One sentence: why it is there.
    public var why: String
    public var distanceM: Double?
    public var durationS: Int?
    /// Target pace range (nil only for rest).
    public var pace: PaceRange?
    /// A quality session or a long run at effort (for the no-back-to-back rule).
    public var isHard: Bool
    public var phase: TrainingPhase

    public init(
        date: LocalDate, type: WorkoutType, title: String, why: String, distanceM: Double?, durationS: Int?, pace: PaceRange?,
        isHard: Bool, phase: TrainingPhase
    ) {
        self.date = date
        self.type = type
        self.title = title
        self.why = why
        self.distanceM = distanceM
        self.durationS = durationS
        self.pace = pace
        self.isHard = isHard
        self.phase = phase
    }
}

public struct GeneratedWeek: Sendable, Equatable, Codable {
    public var number: Int
    /// Monday.
    public var startDate: LocalDate
    public var phase: TrainingPhase
    public var isRecovery: Bool
    /// Everything planned this week, the race included.
    public var volumeM: Double
    public var longRunM: Double
    public var workouts: [GeneratedWorkout]

    public init(
        number: Int, startDate: LocalDate, phase: TrainingPhase, isRecovery: Bool, volumeM: Double, longRunM: Double,
        workouts: [GeneratedWorkout]
    ) {
        self.number = number
        self.startDate = startDate
        self.phase = phase
        self.isRecovery = isRecovery
        self.volumeM = volumeM
        self.longRunM = longRunM
        self.workouts = workouts
    }

    /// The week's volume without the race (what the ramp and taper rules measure).
    public var trainingVolumeM: Double {
        workouts.filter { $0.type != .race }.reduce(0) { $0 + ($1.distanceM ?? 0) }
    }
}

public struct GeneratedPlan: Sendable, Equatable, Codable {
    public var name: String
    public var startDate: LocalDate
    /// The race date.
    public var endDate: LocalDate
    public var raceDate: LocalDate
    public var raceDistanceM: Double
    public var goalTimeS: Int?
    public var vdot: Double
    /// "athlete" | "goal_time" | "default".
    public var vdotSource: String
    public var paces: TrainingPaces
    public var weeks: [GeneratedWeek]
    public var notes: [String]

    public init(
        name: String, startDate: LocalDate, endDate: LocalDate, raceDate: LocalDate, raceDistanceM: Double, goalTimeS: Int?,
        vdot: Double, vdotSource: String, paces: TrainingPaces, weeks: [GeneratedWeek], notes: [String]
    ) {
        self.name = name
        self.startDate = startDate
        self.endDate = endDate
        self.raceDate = raceDate
        self.raceDistanceM = raceDistanceM
        self.goalTimeS = goalTimeS
        self.vdot = vdot
        self.vdotSource = vdotSource
        self.paces = paces
        self.weeks = weeks
        self.notes = notes
    }

    public var workouts: [GeneratedWorkout] { weeks.flatMap(\.workouts) }
}

public enum PlanBuilderError: Error, Equatable, Sendable {
    case tooShort(minimumWeeks: Int, availableWeeks: Int)
    /// e.g. days_per_week out of range, long-run day unavailable, race in the past.
    case invalid(field: String, message: String)
}
