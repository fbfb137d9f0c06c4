import Foundation

/// The deterministic part of `/v1/home`, with the original's field names.
public struct HomePayload: Codable, Sendable, Equatable {
    public var today: TodayWorkout
    public var yesterday: YesterdayInsight
    public var week: WeekProgress
    @Nullable
    public var raceCountdown: RaceCountdown?
    public var checkinNeeded: Bool
    @Nullable
    public var todayCheckin: TodayCheckin?
    @Nullable
    public var lastRun: LastRun?
    public var hasAnyActivities: Bool
    public var totalActivities: Int
    /// There is no Strava or Garmin integration: always false (the original's clients read both).
    public var stravaConnected: Bool
    public var garminConnected: Bool
    @Nullable
    public var coachNoticed: CoachNoticed?
    /// The stored what-works report has at least one finding.
    public var hasCorrelations: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case today, yesterday, week
        case raceCountdown = "race_countdown", checkinNeeded = "checkin_needed", todayCheckin = "today_checkin"
        case lastRun = "last_run", hasAnyActivities = "has_any_activities", totalActivities = "total_activities"
        case stravaConnected = "strava_connected", garminConnected = "garmin_connected", coachNoticed = "coach_noticed"
        case hasCorrelations = "has_correlations"
    }
}

/// One thing the coach noticed in the stored figures, with a question to ask the coach about it.
public struct CoachNoticed: Codable, Sendable, Equatable {
    public var text: String
    /// `fingerprint` (a what-works finding, the original's name for one) or `signal` (a record, the load, the
    /// efficiency trend).
    public var source: String
    public var askCoachQuery: String
    enum CodingKeys: String, CodingKey {
        case text, source
        case askCoachQuery = "ask_coach_query"
    }
}

public struct TodayWorkout: Codable, Sendable, Equatable {
    public var hasWorkout: Bool
    @Nullable
    public var workoutID: UUID?
    @Nullable
    public var workoutType: WorkoutType?
    @Nullable
    public var title: String?
    @Nullable
    public var distanceM: Double?
    @Nullable
    public var paceGuidance: String?
    @Nullable
    public var whyContext: String?
    @Nullable
    public var whySource: String?
    @Nullable
    public var weekNumber: Int?
    @Nullable
    public var phase: TrainingPhase?

    enum CodingKeys: String, CodingKey {
        case title, phase
        case hasWorkout = "has_workout", workoutID = "workout_id", workoutType = "workout_type", distanceM = "distance_m"
        case paceGuidance = "pace_guidance", whyContext = "why_context", whySource = "why_source", weekNumber = "week_number"
    }
}

public struct YesterdayInsight: Codable, Sendable, Equatable {
    public var hasActivity: Bool
    @Nullable
    public var activityName: String?
    @Nullable
    public var activityID: UUID?
    @Nullable
    public var distanceM: Double?
    @Nullable
    public var paceSPerKm: Double?
    @Nullable
    public var insight: String?
    @Nullable
    public var lastActivityDate: LocalDate?
    @Nullable
    public var lastActivityName: String?
    @Nullable
    public var lastActivityID: UUID?
    @Nullable
    public var daysSinceLast: Int?

    enum CodingKeys: String, CodingKey {
        case insight
        case hasActivity = "has_activity", activityName = "activity_name", activityID = "activity_id", distanceM = "distance_m"
        case paceSPerKm = "pace_s_per_km", lastActivityDate = "last_activity_date", lastActivityName = "last_activity_name"
        case lastActivityID = "last_activity_id", daysSinceLast = "days_since_last"
    }
}

public enum WeekStatus: String, Codable, Sendable, CaseIterable {
    case onTrack = "on_track", ahead, behind
    case noPlan = "no_plan"
}

public struct WeekProgress: Codable, Sendable, Equatable {
    @Nullable
    public var weekNumber: Int?
    @Nullable
    public var totalWeeks: Int?
    @Nullable
    public var phase: TrainingPhase?
    public var completedM: Double
    public var plannedM: Double
    @Nullable
    public var progressPct: Double?
    public var days: [WeekDay]
    public var status: WeekStatus
    public var trajectorySentence: String
    /// "Fresh", "Building" or "Fatigued" from the stored load status (projected to today); null before any load.
    @Nullable
    public var tsbContext: String?
    /// "up", "stable" or "down"; null before any load.
    @Nullable
    public var loadTrend: String?
    public var otherSportSummary: [OtherSportSummary]

    enum CodingKeys: String, CodingKey {
        case phase, days, status
        case weekNumber = "week_number", totalWeeks = "total_weeks", completedM = "completed_m", plannedM = "planned_m"
        case progressPct = "progress_pct", trajectorySentence = "trajectory_sentence", otherSportSummary = "other_sport_summary"
        case tsbContext = "tsb_context", loadTrend = "load_trend"
    }
}

public struct WeekDay: Codable, Sendable, Equatable {
    public var date: LocalDate
    public var dayAbbrev: String
    @Nullable
    public var workoutType: WorkoutType?
    public var distanceM: Double
    @Nullable
    public var plannedDistanceM: Double?
    public var completed: Bool
    public var isToday: Bool
    /// The longest run of the day.
    @Nullable
    public var activityID: UUID?
    @Nullable
    public var workoutID: UUID?
    public var runCount: Int
    public var otherActivities: [OtherActivityRef]

    enum CodingKeys: String, CodingKey {
        case date, completed
        case dayAbbrev = "day_abbrev", workoutType = "workout_type", distanceM = "distance_m"
        case plannedDistanceM = "planned_distance_m", isToday = "is_today", activityID = "activity_id"
        case workoutID = "workout_id", runCount = "run_count", otherActivities = "other_activities"
    }
}

public struct OtherActivityRef: Codable, Sendable, Equatable {
    public var activityID: UUID
    public var sport: Sport
    @Nullable
    public var distanceM: Double?
    @Nullable
    public var durationS: Int?
    public var name: String
    enum CodingKeys: String, CodingKey {
        case sport, name
        case activityID = "activity_id", distanceM = "distance_m", durationS = "duration_s"
    }
}

public struct OtherSportSummary: Codable, Sendable, Equatable {
    public var sport: Sport
    public var count: Int
    public var distanceM: Double
    public var durationS: Int
    enum CodingKeys: String, CodingKey {
        case sport, count
        case distanceM = "distance_m", durationS = "duration_s"
    }
}

public struct RaceCountdown: Codable, Sendable, Equatable {
    public var raceName: String
    public var raceDate: LocalDate
    public var daysRemaining: Int
    public var distanceM: Double
    @Nullable
    public var goalTime: String?
    @Nullable
    public var goalPace: String?
    enum CodingKeys: String, CodingKey {
        case raceName = "race_name", raceDate = "race_date", daysRemaining = "days_remaining", distanceM = "distance_m"
        case goalTime = "goal_time", goalPace = "goal_pace"
    }
}

public struct TodayCheckin: Codable, Sendable, Equatable {
    @Nullable
    public var readinessLabel: String?
    @Nullable
    public var sleepLabel: String?
    @Nullable
    public var sleepH: Double?
    @Nullable
    public var sorenessLabel: String?
    enum CodingKeys: String, CodingKey {
        case readinessLabel = "readiness_label", sleepLabel = "sleep_label", sleepH = "sleep_h", sorenessLabel = "soreness_label"
    }
}

public struct LastRun: Codable, Sendable, Equatable {
    public var activityID: UUID
    public var name: String
    public var startTime: Date
    @Nullable
    public var distanceM: Double?
    @Nullable
    public var movingTimeS: Int?
    @Nullable
    public var averageHR: Int?
    /// Seconds per km (moving time, else elapsed), one decimal, as the original's type says.
    @Nullable
    public var pacePerKm: Double?
    /// The same pace in the athlete's units, e.g. "5:10/km".
    @Nullable
    public var paceDisplay: String?
    enum CodingKeys: String, CodingKey {
        case name
        case activityID = "activity_id", startTime = "start_time", distanceM = "distance_m", movingTimeS = "moving_time_s"
        case averageHR = "average_hr", pacePerKm = "pace_per_km", paceDisplay = "pace_display"
    }
}
