import Foundation

// The figures the analytics job derives for one athlete. The job (app side) computes them off the request path
// and stores them; home, the briefing, the coach and the `/v1/analytics/…` endpoints only read them. Every type
// here is a plain value: it is stored as JSON and decoded by readers, so a field's meaning must not change
// without a new name.
//
// Units: distances in metres, times and durations in seconds, paces in seconds per kilometre. Conversion to the
// athlete's units happens at the edge (DTOs), never here.

/// Where a heart-rate figure came from: set by the athlete in their profile, or estimated from their data.
public enum FigureSource: String, Codable, Sendable, Equatable {
    case profile, estimated
}

/// The heart-rate anchors the load model uses. A value is `nil` when it is neither set nor estimable.
public struct HeartRateProfile: Codable, Sendable, Equatable {
    public var maxHR: Int?
    public var maxHRSource: FigureSource?
    public var restingHR: Int?
    public var restingHRSource: FigureSource?

    public init(maxHR: Int?, maxHRSource: FigureSource?, restingHR: Int?, restingHRSource: FigureSource?) {
        self.maxHR = maxHR
        self.maxHRSource = maxHRSource
        self.restingHR = restingHR
        self.restingHRSource = restingHRSource
    }

    /// Both anchors known and sensible: heart-rate load (TRIMP) can be computed.
    public var isUsable: Bool {
        guard let maxHR, let restingHR else { return false }
        return maxHR > restingHR + 20
    }
}

/// How one activity's load was obtained, best first.
public enum LoadMethod: String, Codable, Sendable, Equatable {
    /// Heart-rate TRIMP (needs the activity's average heart rate and a usable `HeartRateProfile`).
    case heartRate = "heart_rate"
    /// Pace against threshold pace (runs with a distance and a moving time).
    case pace
    /// Duration at an assumed intensity for the sport (no heart rate, no usable pace).
    case duration
}

/// One activity as the analytics computation sees it (read from the activities table; no streams).
public struct TrainingActivity: Codable, Sendable, Equatable {
    public var id: UUID
    public var startTime: Date
    /// The activity's local calendar day (its own UTC offset, as stored with it).
    public var localDate: LocalDate
    public var sport: Sport
    public var name: String
    public var isRace: Bool
    public var distanceM: Double?
    public var movingTimeS: Int?
    public var durationS: Int?
    public var avgHR: Int?
    public var maxHR: Int?
    public var elevationGainM: Double?
    /// From the activity's file (`ActivityDerivation`): fastest stretches per standard distance. Empty when the
    /// activity has no streams.
    public var bestEfforts: [BestEffort]

    public init(
        id: UUID, startTime: Date, localDate: LocalDate, sport: Sport, name: String, isRace: Bool,
        distanceM: Double?, movingTimeS: Int?, durationS: Int?, avgHR: Int?, maxHR: Int?,
        elevationGainM: Double?, bestEfforts: [BestEffort]
    ) {
        self.id = id
        self.startTime = startTime
        self.localDate = localDate
        self.sport = sport
        self.name = name
        self.isRace = isRace
        self.distanceM = distanceM
        self.movingTimeS = movingTimeS
        self.durationS = durationS
        self.avgHR = avgHR
        self.maxHR = maxHR
        self.elevationGainM = elevationGainM
        self.bestEfforts = bestEfforts
    }

    /// Moving time when recorded, else elapsed time.
    public var timeS: Int? { movingTimeS ?? durationS }
}

/// One local day of the fitness/fatigue model, after that day's load. `form` is how fresh the athlete starts
/// the day: the previous day's fitness − fatigue (so today's run does not make today look more tired; the
/// original used the same day's values).
public struct FitnessDay: Codable, Sendable, Equatable {
    public var date: LocalDate
    /// Sum of that day's activity loads.
    public var load: Double
    public var fitness: Double
    public var fatigue: Double
    public var form: Double

    public init(date: LocalDate, load: Double, fitness: Double, fatigue: Double, form: Double) {
        self.date = date
        self.load = load
        self.fitness = fitness
        self.fatigue = fatigue
        self.form = form
    }
}

/// The load picture on one day, with the derived indicators home and the coach use.
public struct LoadStatus: Codable, Sendable, Equatable {
    public var day: FitnessDay
    /// Fitness now minus fitness 7 days earlier (points per week).
    public var rampRate: Double
    /// Mean daily load of the last 7 days ÷ mean daily load of the last 28 days; `nil` when the latter is 0.
    public var acuteChronicRatio: Double?
    /// The original web app's `week.tsb_context` values: "Fresh", "Building" or "Fatigued".
    public var tsbContext: String
    /// The original web app's `week.load_trend` values: "up", "stable" or "down".
    public var loadTrend: String

    public init(day: FitnessDay, rampRate: Double, acuteChronicRatio: Double?, tsbContext: String, loadTrend: String) {
        self.day = day
        self.rampRate = rampRate
        self.acuteChronicRatio = acuteChronicRatio
        self.tsbContext = tsbContext
        self.loadTrend = loadTrend
    }
}

/// A performance a fitness level was computed from.
public struct PerformanceRef: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, Equatable {
        /// A whole activity marked as a race.
        case race
        /// The fastest stretch of a standard distance inside an activity (from its streams).
        case bestEffort = "best_effort"
        /// A hard whole run that is not marked as a race.
        case wholeRun = "whole_run"
    }

    public var activityID: UUID
    public var date: LocalDate
    public var kind: Kind
    public var distanceM: Double
    public var timeS: Double

    public init(activityID: UUID, date: LocalDate, kind: Kind, distanceM: Double, timeS: Double) {
        self.activityID = activityID
        self.date = date
        self.kind = kind
        self.distanceM = distanceM
        self.timeS = timeS
    }
}

/// A race prediction for one standard distance, by the fitness level (VDOT) and by Riegel from the same
/// performance.
public struct RacePrediction: Codable, Sendable, Equatable {
    /// "5k", "10k", "half_marathon" or "marathon".
    public var name: String
    public var distanceM: Double
    public var timeS: Double
    public var riegelTimeS: Double

    public init(name: String, distanceM: Double, timeS: Double, riegelTimeS: Double) {
        self.name = name
        self.distanceM = distanceM
        self.timeS = timeS
        self.riegelTimeS = riegelTimeS
    }
}

/// The athlete's fitness level (a VDOT-style number), with what it was computed from and what follows from it.
public struct FitnessLevel: Codable, Sendable, Equatable {
    public var vdot: Double
    public var source: PerformanceRef
    /// `RunningFitness.trainingPaces(vdot:)`.
    public var paces: TrainingPaces
    public var predictions: [RacePrediction]

    public init(vdot: Double, source: PerformanceRef, paces: TrainingPaces, predictions: [RacePrediction]) {
        self.vdot = vdot
        self.source = source
        self.paces = paces
        self.predictions = predictions
    }
}

/// The best time for one standard distance.
public struct PersonalRecord: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable, Equatable {
        case bestEffort = "best_effort"
        case wholeActivity = "whole_activity"
    }

    /// A standard distance name ("400m", "1k", "mile", "5k", "10k", "half_marathon", "marathon", …).
    public var category: String
    public var distanceM: Double
    public var timeS: Double
    public var activityID: UUID
    public var date: LocalDate
    public var source: Source

    public init(category: String, distanceM: Double, timeS: Double, activityID: UUID, date: LocalDate, source: Source) {
        self.category = category
        self.distanceM = distanceM
        self.timeS = timeS
        self.activityID = activityID
        self.date = date
        self.source = source
    }
}

/// One comparable easy run's efficiency: speed per heartbeat.
public struct EfficiencyPoint: Codable, Sendable, Equatable {
    public var activityID: UUID
    public var date: LocalDate
    /// Speed (m/s) ÷ average heart rate (bpm); higher is better. Typical values 0.015–0.030.
    public var efficiency: Double
    public var paceSPerKm: Double
    public var avgHR: Int
    public var distanceM: Double

    public init(activityID: UUID, date: LocalDate, efficiency: Double, paceSPerKm: Double, avgHR: Int, distanceM: Double) {
        self.activityID = activityID
        self.date = date
        self.efficiency = efficiency
        self.paceSPerKm = paceSPerKm
        self.avgHR = avgHR
        self.distanceM = distanceM
    }
}

/// The efficiency trend over comparable easy runs.
public struct EfficiencyTrend: Codable, Sendable, Equatable {
    /// Oldest first.
    public var points: [EfficiencyPoint]
    /// Least-squares slope of efficiency per week; `nil` below `requiredPoints`.
    public var slopePerWeek: Double?
    /// Fitted change from the first to the last point, in percent of the first fitted value.
    public var changePercent: Double?
    /// "improving", "declining", "stable" or "insufficient_data".
    public var direction: String
    public var pValue: Double?
    public var rSquared: Double?
    public var requiredPoints: Int

    public init(
        points: [EfficiencyPoint], slopePerWeek: Double?, changePercent: Double?, direction: String,
        pValue: Double?, rSquared: Double?, requiredPoints: Int
    ) {
        self.points = points
        self.slopePerWeek = slopePerWeek
        self.changePercent = changePercent
        self.direction = direction
        self.pValue = pValue
        self.rSquared = rSquared
        self.requiredPoints = requiredPoints
    }
}

/// One check-in input against one run outcome, found to matter under the false-discovery-rate control.
public struct CorrelationFinding: Codable, Sendable, Equatable {
    /// A check-in field: "sleep_hours", "sleep_quality", "soreness", "stress", "readiness".
    public var input: String
    /// "efficiency" (speed per heartbeat of the next run) or "pace_vs_plan".
    public var output: String
    /// Spearman's rank correlation.
    public var rho: Double
    public var n: Int
    public var pValue: Double
    /// Benjamini–Hochberg adjusted p-value.
    public var qValue: Double
    /// True when a higher input goes with a better outcome (this decides what-works vs what-doesnt-work).
    public var higherInputIsBetter: Bool
    /// A plain sentence with its numbers, e.g. "On days after more sleep your easy runs were more efficient
    /// (ρ = 0.52, n = 34)."
    public var sentence: String

    public init(
        input: String, output: String, rho: Double, n: Int, pValue: Double, qValue: Double,
        higherInputIsBetter: Bool, sentence: String
    ) {
        self.input = input
        self.output = output
        self.rho = rho
        self.n = n
        self.pValue = pValue
        self.qValue = qValue
        self.higherInputIsBetter = higherInputIsBetter
        self.sentence = sentence
    }
}

/// What the check-ins say about the runs that followed.
public struct WhatWorksReport: Codable, Sendable, Equatable {
    /// Below this many (check-in, next run) pairs nothing is claimed.
    public var minSampleSize: Int
    /// The pairs available now (the largest over inputs).
    public var pairs: Int
    /// Pairs still needed before any claim can be made (0 when enough).
    public var pairsNeeded: Int
    /// The false-discovery rate the findings are controlled at.
    public var falseDiscoveryRate: Double
    /// Findings that pass the control, strongest first.
    public var findings: [CorrelationFinding]

    public init(minSampleSize: Int, pairs: Int, pairsNeeded: Int, falseDiscoveryRate: Double, findings: [CorrelationFinding]) {
        self.minSampleSize = minSampleSize
        self.pairs = pairs
        self.pairsNeeded = pairsNeeded
        self.falseDiscoveryRate = falseDiscoveryRate
        self.findings = findings
    }
}

/// Everything derived for one athlete, stored as one document after each recompute. The daily fitness series
/// and per-activity figures are stored separately (they are read by date range and by activity).
public struct AthleteAnalytics: Codable, Sendable, Equatable {
    public var computedAt: Date
    public var heartRate: HeartRateProfile
    /// The threshold pace the pace-based loads used, and where it came from ("profile" or "estimated" from the
    /// fitness level); `nil` when neither exists.
    public var thresholdPaceSPerKm: Double?
    public var thresholdPaceSource: FigureSource?
    /// The load picture on the day of the last stored series day; readers project it to today with
    /// `FitnessModel.project`. `nil` before the first activity.
    public var load: LoadStatus?
    public var fitness: FitnessLevel?
    public var records: [PersonalRecord]
    public var efficiency: EfficiencyTrend
    public var whatWorks: WhatWorksReport

    public init(
        computedAt: Date, heartRate: HeartRateProfile, thresholdPaceSPerKm: Double?,
        thresholdPaceSource: FigureSource?, load: LoadStatus?, fitness: FitnessLevel?, records: [PersonalRecord],
        efficiency: EfficiencyTrend, whatWorks: WhatWorksReport
    ) {
        self.computedAt = computedAt
        self.heartRate = heartRate
        self.thresholdPaceSPerKm = thresholdPaceSPerKm
        self.thresholdPaceSource = thresholdPaceSource
        self.load = load
        self.fitness = fitness
        self.records = records
        self.efficiency = efficiency
        self.whatWorks = whatWorks
    }
}
