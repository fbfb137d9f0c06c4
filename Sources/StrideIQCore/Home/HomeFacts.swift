import Foundation

// The facts the home screen is computed from, as plain values (no database types), so the computation is a
// pure function that tests can feed directly.

public struct ActivityFact: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var sport: Sport
    public var startTime: Date
    public var distanceM: Double?
    public var movingTimeS: Int?
    public var durationS: Int?
    public var avgHR: Int?
    public init(id: UUID, name: String, sport: Sport, startTime: Date, distanceM: Double?, movingTimeS: Int?, durationS: Int?, avgHR: Int?)
    {
        self.id = id
        self.name = name
        self.sport = sport
        self.startTime = startTime
        self.distanceM = distanceM
        self.movingTimeS = movingTimeS
        self.durationS = durationS
        self.avgHR = avgHR
    }
    /// Seconds per km, when both distance and time are known.
    /// Nil for missing or absurd values (a 1 m "run" of an hour): a pace must be finite and plausible.
    public var paceSPerKm: Double? {
        guard let d = distanceM, d > 0, let t = movingTimeS ?? durationS, t > 0 else { return nil }
        let pace = Double(t) / (d / 1000)
        return pace.isFinite && (30...86_400).contains(pace) ? pace : nil
    }
}

public struct WorkoutFact: Sendable, Equatable {
    public var id: UUID
    public var date: LocalDate
    public var type: WorkoutType
    public var title: String
    public var distanceM: Double?
    public var paceMinSPerKm: Int?
    public var paceMaxSPerKm: Int?
    public var coachNotes: String?
    public var weekNumber: Int?
    public var phase: TrainingPhase?
    public init(
        id: UUID, date: LocalDate, type: WorkoutType, title: String, distanceM: Double? = nil, paceMinSPerKm: Int? = nil,
        paceMaxSPerKm: Int? = nil, coachNotes: String? = nil, weekNumber: Int? = nil, phase: TrainingPhase? = nil
    ) {
        self.id = id
        self.date = date
        self.type = type
        self.title = title
        self.distanceM = distanceM
        self.paceMinSPerKm = paceMinSPerKm
        self.paceMaxSPerKm = paceMaxSPerKm
        self.coachNotes = coachNotes
        self.weekNumber = weekNumber
        self.phase = phase
    }
}

public struct PlanFact: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var raceName: String?
    public var raceDate: LocalDate
    public var raceDistanceM: Double
    public var goalTimeS: Int?
    public var startDate: LocalDate?
    public var totalWeeks: Int?
    public var updatedAt: Date?
    public init(
        id: UUID, name: String, raceName: String?, raceDate: LocalDate, raceDistanceM: Double, goalTimeS: Int?,
        startDate: LocalDate?, totalWeeks: Int?, updatedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.raceName = raceName
        self.raceDate = raceDate
        self.raceDistanceM = raceDistanceM
        self.goalTimeS = goalTimeS
        self.startDate = startDate
        self.totalWeeks = totalWeeks
        self.updatedAt = updatedAt
    }
}

public struct CheckinFact: Sendable, Equatable {
    public var id: UUID
    public var sleepH: Double?
    public var sleepQuality: Int?
    public var readiness: Int?
    public var soreness: Int?
    public var updatedAt: Date?
    public init(id: UUID, sleepH: Double?, sleepQuality: Int?, readiness: Int?, soreness: Int?, updatedAt: Date?) {
        self.id = id
        self.sleepH = sleepH
        self.sleepQuality = sleepQuality
        self.readiness = readiness
        self.soreness = soreness
        self.updatedAt = updatedAt
    }
}

/// Everything `/v1/home` needs, loaded with a handful of batched queries.
public struct HomeFacts: Sendable {
    public var now: Date
    public var timeZone: TimeZone
    public var units: Units
    /// Every activity (any sport) starting in `HomeWindow.activityRange` (yesterday and this Monday–Sunday week).
    public var windowActivities: [ActivityFact]
    /// The most recent run ever (for "days since" and `last_run`).
    public var latestRun: ActivityFact?
    public var totalActivities: Int
    public var plan: PlanFact?
    /// The active plan's workouts dated in this week.
    public var weekWorkouts: [WorkoutFact]
    public var todayCheckin: CheckinFact?
    /// The analytics job's stored document (`nil` before its first run); read as stored, never recomputed here.
    public var analytics: AthleteAnalytics?

    public init(
        now: Date, timeZone: TimeZone, units: Units, windowActivities: [ActivityFact], latestRun: ActivityFact?,
        totalActivities: Int, plan: PlanFact?, weekWorkouts: [WorkoutFact], todayCheckin: CheckinFact?,
        analytics: AthleteAnalytics? = nil
    ) {
        self.now = now
        self.timeZone = timeZone
        self.units = units
        self.windowActivities = windowActivities
        self.latestRun = latestRun
        self.totalActivities = totalActivities
        self.plan = plan
        self.weekWorkouts = weekWorkouts
        self.todayCheckin = todayCheckin
        self.analytics = analytics
    }

    public var today: LocalDate { LocalDate(now, in: timeZone) }

    /// The stored figures as they stand today.
    public var picture: TrainingPicture { TrainingPicture(analytics: analytics, today: today) }

    /// Today's planned workout, if any.
    public var todayWorkout: WorkoutFact? { weekWorkouts.first { $0.date == today } }
}

/// The day windows of the home screen, in the athlete's zone (DST-safe: every bound is a local midnight).
public struct HomeWindow: Sendable, Equatable {
    public let today: LocalDate
    public let monday: LocalDate
    public let sunday: LocalDate
    /// UTC instants covering yesterday through the end of Sunday.
    public let activityRange: Range<Date>

    public init(now: Date, timeZone: TimeZone) {
        today = LocalDate(now, in: timeZone)
        monday = today.adding(days: -today.weekdayIndexFromMonday)
        sunday = monday.adding(days: 6)
        let first = min(monday, today.adding(days: -1))
        activityRange = first.start(in: timeZone)..<sunday.adding(days: 1).start(in: timeZone)
    }
}
