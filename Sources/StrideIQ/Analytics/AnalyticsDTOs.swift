import Foundation
import StrideIQCore

// The responses of the analytics endpoints. Every number is in SI units (metres, seconds, seconds per km) so a
// program reads one unit; every field that carries a distance or a pace also has a display string in the
// athlete's units (`distance`, `pace`, …: "5.0 km" / "3.1 mi", "4:30/km" / "7:15/mi"), and `units` says which.
// Before the job's first recompute, `computed_at` is null and the figures are null or empty.

/// A pace range of one training intensity.
struct PaceDTO: Codable, Sendable {
    /// easy, long, recovery, marathon, threshold, interval, repetition.
    let name: String
    let fastSPerKm: Int
    let slowSPerKm: Int
    /// The range in the athlete's units, e.g. "4:05–4:15/km".
    let display: String

    enum CodingKeys: String, CodingKey {
        case name, display
        case fastSPerKm = "fast_s_per_km", slowSPerKm = "slow_s_per_km"
    }
}

/// The performance a fitness level was computed from.
struct PerformanceDTO: Codable, Sendable {
    let activityID: UUID
    let date: LocalDate
    /// race, best_effort or whole_run.
    let kind: String
    let distanceM: Double
    let distance: String
    let timeS: Double
    let time: String

    enum CodingKeys: String, CodingKey {
        case date, kind, distance, time
        case activityID = "activity_id", distanceM = "distance_m", timeS = "time_s"
    }

    init(_ p: PerformanceRef, format f: Format) {
        activityID = p.activityID
        date = p.date
        kind = p.kind.rawValue
        distanceM = p.distanceM
        distance = f.distance(p.distanceM)
        timeS = p.timeS
        time = Format.duration(Int(p.timeS.rounded()))
    }
}

/// `GET /v1/analytics/paces`.
struct PacesResponse: Codable, Sendable {
    @Nullable var computedAt: Date?
    let units: Units
    /// The fitness level (VDOT-style); null when no recent performance supports one.
    @Nullable var vdot: Double?
    @Nullable var source: PerformanceDTO?
    /// Easy through repetition, from the fitness level; empty without one.
    let paces: [PaceDTO]
    /// The threshold pace the load model uses: the profile's when set, else the fitness level's.
    @Nullable var thresholdPaceSPerKm: Double?
    @Nullable var thresholdPace: String?
    /// profile or estimated.
    @Nullable var thresholdPaceSource: String?

    enum CodingKeys: String, CodingKey {
        case units, vdot, source, paces
        case computedAt = "computed_at", thresholdPaceSPerKm = "threshold_pace_s_per_km"
        case thresholdPace = "threshold_pace", thresholdPaceSource = "threshold_pace_source"
    }

    init(_ doc: AthleteAnalytics?, units: Units) {
        let f = Format(units: units)
        computedAt = doc?.computedAt
        self.units = units
        vdot = doc?.fitness.map { ($0.vdot * 10).rounded() / 10 }
        source = doc?.fitness.map { PerformanceDTO($0.source, format: f) }
        paces = doc?.fitness.map { Self.list($0.paces, format: f) } ?? []
        thresholdPaceSPerKm = doc?.thresholdPaceSPerKm
        thresholdPace = doc?.thresholdPaceSPerKm.map(f.pace)
        thresholdPaceSource = doc?.thresholdPaceSource?.rawValue
    }

    static func list(_ p: TrainingPaces, format f: Format) -> [PaceDTO] {
        let named: [(String, PaceRange)] = [
            ("easy", p.easy), ("long", p.long), ("recovery", p.recovery), ("marathon", p.marathon),
            ("threshold", p.threshold), ("interval", p.interval), ("repetition", p.repetition),
        ]
        return named.map { name, range in
            PaceDTO(
                name: name, fastSPerKm: range.fastSPerKm, slowSPerKm: range.slowSPerKm,
                display: f.paceRange(range.fastSPerKm, range.slowSPerKm) ?? "–")
        }
    }
}

/// One race prediction.
struct PredictionDTO: Codable, Sendable {
    /// 5k, 10k, half_marathon, marathon.
    let name: String
    let distanceM: Double
    let distance: String
    /// By the fitness level (VDOT).
    let timeS: Double
    let time: String
    let paceSPerKm: Double
    let pace: String
    /// By Riegel (exponent 1.06) from the same performance.
    let riegelTimeS: Double
    let riegelTime: String

    enum CodingKeys: String, CodingKey {
        case name, distance, time, pace
        case distanceM = "distance_m", timeS = "time_s", paceSPerKm = "pace_s_per_km", riegelTimeS = "riegel_time_s"
        case riegelTime = "riegel_time"
    }

    init(_ p: RacePrediction, format f: Format) {
        name = p.name
        distanceM = p.distanceM
        distance = f.distance(p.distanceM)
        timeS = p.timeS.rounded()
        time = Format.duration(Int(p.timeS.rounded()))
        paceSPerKm = (p.timeS / p.distanceM * 1000 * 10).rounded() / 10
        pace = f.pace(p.timeS / p.distanceM * 1000)
        riegelTimeS = p.riegelTimeS.rounded()
        riegelTime = Format.duration(Int(p.riegelTimeS.rounded()))
    }
}

/// `GET /v1/analytics/predictions`.
struct PredictionsResponse: Codable, Sendable {
    @Nullable var computedAt: Date?
    let units: Units
    @Nullable var vdot: Double?
    @Nullable var source: PerformanceDTO?
    let predictions: [PredictionDTO]

    enum CodingKeys: String, CodingKey {
        case units, vdot, source, predictions
        case computedAt = "computed_at"
    }

    init(_ doc: AthleteAnalytics?, units: Units) {
        let f = Format(units: units)
        computedAt = doc?.computedAt
        self.units = units
        vdot = doc?.fitness.map { ($0.vdot * 10).rounded() / 10 }
        source = doc?.fitness.map { PerformanceDTO($0.source, format: f) }
        predictions = doc?.fitness?.predictions.map { PredictionDTO($0, format: f) } ?? []
    }
}

/// One personal record.
struct RecordDTO: Codable, Sendable {
    let category: String
    let distanceM: Double
    let distance: String
    let timeS: Double
    let time: String
    let paceSPerKm: Double
    let pace: String
    let activityID: UUID
    let date: LocalDate
    /// best_effort (a stretch inside a run, from its file) or whole_activity.
    let source: String

    enum CodingKeys: String, CodingKey {
        case category, distance, time, pace, date, source
        case distanceM = "distance_m", timeS = "time_s", paceSPerKm = "pace_s_per_km", activityID = "activity_id"
    }

    init(_ r: PersonalRecord, format f: Format) {
        category = r.category
        distanceM = r.distanceM
        distance = f.distance(r.distanceM)
        timeS = r.timeS
        time = Format.duration(Int(r.timeS.rounded()))
        paceSPerKm = (r.timeS / r.distanceM * 1000 * 10).rounded() / 10
        pace = f.pace(r.timeS / r.distanceM * 1000)
        activityID = r.activityID
        date = r.date
        source = r.source.rawValue
    }
}

/// `GET /v1/analytics/records`.
struct RecordsResponse: Codable, Sendable {
    @Nullable var computedAt: Date?
    let units: Units
    let records: [RecordDTO]

    enum CodingKeys: String, CodingKey {
        case units, records
        case computedAt = "computed_at"
    }
}

/// One day of the fitness/fatigue/form series.
struct LoadDayDTO: Codable, Sendable {
    let date: LocalDate
    let load: Double
    let fitness: Double
    let fatigue: Double
    let form: Double

    init(_ d: FitnessDay) {
        date = d.date
        load = Self.round(d.load)
        fitness = Self.round(d.fitness)
        fatigue = Self.round(d.fatigue)
        form = Self.round(d.form)
    }

    static func round(_ value: Double) -> Double { (value * 10).rounded() / 10 }
}

/// The load picture on one day.
struct LoadStatusDTO: Codable, Sendable {
    let date: LocalDate
    let fitness: Double
    let fatigue: Double
    let form: Double
    /// Fitness now minus fitness 7 days earlier.
    let rampRate: Double
    /// Mean daily load of the last 7 days ÷ that of the last 28; null when the 28 days had none.
    @Nullable var acuteChronicRatio: Double?
    /// Fresh, Building or Fatigued (the original's `week.tsb_context`).
    let tsbContext: String
    /// up, stable or down (the original's `week.load_trend`).
    let loadTrend: String

    enum CodingKeys: String, CodingKey {
        case date, fitness, fatigue, form
        case rampRate = "ramp_rate", acuteChronicRatio = "acute_chronic_ratio", tsbContext = "tsb_context"
        case loadTrend = "load_trend"
    }

    init(_ s: LoadStatus) {
        date = s.day.date
        fitness = LoadDayDTO.round(s.day.fitness)
        fatigue = LoadDayDTO.round(s.day.fatigue)
        form = LoadDayDTO.round(s.day.form)
        rampRate = LoadDayDTO.round(s.rampRate)
        acuteChronicRatio = s.acuteChronicRatio.map { ($0 * 100).rounded() / 100 }
        tsbContext = s.tsbContext
        loadTrend = s.loadTrend
    }
}

/// The heart-rate anchors the loads used.
struct HeartRateDTO: Codable, Sendable {
    @Nullable var maxHR: Int?
    /// profile or estimated.
    @Nullable var maxHRSource: String?
    @Nullable var restingHR: Int?
    @Nullable var restingHRSource: String?

    enum CodingKeys: String, CodingKey {
        case maxHR = "max_hr", maxHRSource = "max_hr_source", restingHR = "resting_hr"
        case restingHRSource = "resting_hr_source"
    }

    init(_ p: HeartRateProfile?) {
        maxHR = p?.maxHR
        maxHRSource = p?.maxHRSource?.rawValue
        restingHR = p?.restingHR
        restingHRSource = p?.restingHRSource?.rawValue
    }
}

/// `GET /v1/analytics/load`.
struct LoadResponse: Codable, Sendable {
    @Nullable var computedAt: Date?
    let from: LocalDate
    let to: LocalDate
    /// Today in the athlete's time zone.
    let today: LocalDate
    /// The status today: the last stored day carried forward through rest days. Null before any activity.
    @Nullable var current: LoadStatusDTO?
    /// The stored days from `from` through `to` (days before the first activity are absent).
    let days: [LoadDayDTO]
    let heartRate: HeartRateDTO

    enum CodingKeys: String, CodingKey {
        case from, to, today, current, days
        case computedAt = "computed_at", heartRate = "heart_rate"
    }
}

/// One comparable easy run in `time_series` (the original's field names).
struct EfficiencyPointDTO: Codable, Sendable {
    let date: LocalDate
    /// Speed (m/s) ÷ average heart rate; higher is better.
    let efficiencyFactor: Double
    let paceSPerKm: Double
    let pace: String
    let avgHR: Int
    let distanceM: Double
    let activityID: UUID

    enum CodingKeys: String, CodingKey {
        case date, pace
        case efficiencyFactor = "efficiency_factor", paceSPerKm = "pace_s_per_km", avgHR = "avg_hr"
        case distanceM = "distance_m", activityID = "activity_id"
    }
}

struct DateRangeDTO: Codable, Sendable {
    let start: LocalDate
    let end: LocalDate
}

/// `summary` of the efficiency trend.
struct EfficiencySummaryDTO: Codable, Sendable {
    let totalActivities: Int
    @Nullable var dateRange: DateRangeDTO?
    @Nullable var currentEfficiency: Double?
    @Nullable var averageEfficiency: Double?
    @Nullable var bestEfficiency: Double?
    @Nullable var worstEfficiency: Double?
    /// improving, declining, stable or insufficient_data (from the regression, not from two means).
    var trendDirection: String
    /// The fitted change over the period in percent (the original's always-null absolute difference is gone).
    @Nullable var trendMagnitude: Double?

    enum CodingKeys: String, CodingKey {
        case totalActivities = "total_activities", dateRange = "date_range", currentEfficiency = "current_efficiency"
        case averageEfficiency = "average_efficiency", bestEfficiency = "best_efficiency"
        case worstEfficiency = "worst_efficiency", trendDirection = "trend_direction"
        case trendMagnitude = "trend_magnitude"
    }
}

/// `trend_analysis`: least squares of efficiency on days.
struct TrendAnalysisDTO: Codable, Sendable {
    @Nullable var slopePerWeek: Double?
    @Nullable var changePercent: Double?
    let direction: String
    @Nullable var pValue: Double?
    @Nullable var rSquared: Double?
    let sampleSize: Int
    let periodDays: Int
    /// high, moderate, low or insufficient.
    let confidence: String
    let isActionable: Bool
    /// Points needed before a trend is fitted.
    let requiredPoints: Int

    enum CodingKeys: String, CodingKey {
        case direction, confidence
        case slopePerWeek = "slope_per_week", changePercent = "change_percent", pValue = "p_value"
        case rSquared = "r_squared", sampleSize = "sample_size", periodDays = "period_days"
        case isActionable = "is_actionable", requiredPoints = "required_points"
    }
}

/// `GET /v1/analytics/efficiency-trends`.
struct EfficiencyTrendsResponse: Codable, Sendable {
    @Nullable var computedAt: Date?
    let units: Units
    let timeSeries: [EfficiencyPointDTO]
    var summary: EfficiencySummaryDTO
    var trendAnalysis: TrendAnalysisDTO

    enum CodingKeys: String, CodingKey {
        case units, summary
        case computedAt = "computed_at", timeSeries = "time_series", trendAnalysis = "trend_analysis"
    }

    init(_ doc: AthleteAnalytics?, today: LocalDate, days: Int, units: Units) {
        let f = Format(units: units)
        let trend = EfficiencyTrendModel.trend(points: doc?.efficiency.points ?? [], asOf: today, days: days)
        let points = trend.points
        let values = points.map(\.efficiency)
        func r4(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
        computedAt = doc?.computedAt
        self.units = units
        timeSeries = points.map {
            EfficiencyPointDTO(
                date: $0.date, efficiencyFactor: r4($0.efficiency), paceSPerKm: ($0.paceSPerKm * 10).rounded() / 10,
                pace: f.pace($0.paceSPerKm), avgHR: $0.avgHR, distanceM: $0.distanceM, activityID: $0.activityID)
        }
        summary = EfficiencySummaryDTO(
            totalActivities: points.count,
            dateRange: points.first.flatMap { first in points.last.map { DateRangeDTO(start: first.date, end: $0.date) } },
            currentEfficiency: values.last.map(r4),
            averageEfficiency: values.isEmpty ? nil : r4(values.reduce(0, +) / Double(values.count)),
            bestEfficiency: values.max().map(r4), worstEfficiency: values.min().map(r4),
            trendDirection: trend.direction, trendMagnitude: trend.changePercent.map { ($0 * 100).rounded() / 100 })
        let n = points.count
        let p = trend.pValue
        let confidence: String =
            if let p, p < 0.01, n >= 20, (trend.rSquared ?? 0) > 0.5 {
                "high"
            } else if let p, p < 0.05, n >= 10 {
                "moderate"
            } else if let p, p < 0.10, n >= 5 {
                "low"
            } else {
                "insufficient"
            }
        trendAnalysis = TrendAnalysisDTO(
            slopePerWeek: trend.slopePerWeek, changePercent: trend.changePercent.map { ($0 * 100).rounded() / 100 },
            direction: trend.direction, pValue: p, rSquared: trend.rSquared, sampleSize: n, periodDays: days,
            confidence: confidence,
            isActionable: (p ?? 1) < 0.05 && abs(trend.changePercent ?? 0) > 3 && n >= 10,
            requiredPoints: trend.requiredPoints)
    }
}

/// One finding, as `/v1/analytics/what-works` shows it.
struct FindingDTO: Codable, Sendable {
    /// sleep_hours, sleep_quality, soreness, stress or readiness.
    let input: String
    /// efficiency or pace_vs_plan.
    let output: String
    let rho: Double
    let n: Int
    let pValue: Double
    /// Benjamini–Hochberg adjusted.
    let qValue: Double
    let higherInputIsBetter: Bool
    let sentence: String

    enum CodingKeys: String, CodingKey {
        case input, output, rho, n, sentence
        case pValue = "p_value", qValue = "q_value", higherInputIsBetter = "higher_input_is_better"
    }

    init(_ f: CorrelationFinding) {
        input = f.input
        output = f.output
        rho = (f.rho * 1000).rounded() / 1000
        n = f.n
        pValue = f.pValue
        qValue = f.qValue
        higherInputIsBetter = f.higherInputIsBetter
        sentence = f.sentence
    }
}

/// `GET /v1/analytics/what-works`.
struct WhatWorksResponse: Codable, Sendable {
    @Nullable var computedAt: Date?
    let minSampleSize: Int
    let pairs: Int
    /// Pairs (a check-in and the run after it) still needed before anything is claimed; 0 when enough.
    let pairsNeeded: Int
    let falseDiscoveryRate: Double
    /// More of the input went with better runs.
    let whatWorks: [FindingDTO]
    /// More of the input went with worse runs.
    let whatDoesntWork: [FindingDTO]

    enum CodingKeys: String, CodingKey {
        case pairs
        case computedAt = "computed_at", minSampleSize = "min_sample_size", pairsNeeded = "pairs_needed"
        case falseDiscoveryRate = "false_discovery_rate", whatWorks = "what_works", whatDoesntWork = "what_doesnt_work"
    }

    init(_ doc: AthleteAnalytics?) {
        let report = doc?.whatWorks ?? AnalyticsService.emptyWhatWorks
        computedAt = doc?.computedAt
        minSampleSize = report.minSampleSize
        pairs = report.pairs
        pairsNeeded = report.pairsNeeded
        falseDiscoveryRate = report.falseDiscoveryRate
        whatWorks = report.findings.filter(\.higherInputIsBetter).map(FindingDTO.init)
        whatDoesntWork = report.findings.filter { !$0.higherInputIsBetter }.map(FindingDTO.init)
    }
}

/// One correlation in the original's `/v1/correlations/…` shape.
struct CorrelationDTO: Codable, Sendable {
    let inputName: String
    let outputMetric: String
    let correlationCoefficient: Double
    let pValue: Double
    /// Benjamini–Hochberg adjusted p-value (the original made no multiple-testing correction).
    let qValue: Double
    let sampleSize: Int
    let isSignificant: Bool
    /// Sign of the rank correlation: positive or negative.
    let direction: String
    /// weak, moderate or strong.
    let strength: String
    /// 0: a check-in is paired with the run on its day, or the next day's when there was none.
    let timeLagDays: Int
    var combinationFactors: [String]
    @Nullable var partialCorrelationCoefficient: Double?
    @Nullable var confounderVariable: String?
    let isConfounded: Bool
    let sentence: String

    enum CodingKeys: String, CodingKey {
        case direction, strength, sentence
        case inputName = "input_name", outputMetric = "output_metric"
        case correlationCoefficient = "correlation_coefficient", pValue = "p_value", qValue = "q_value"
        case sampleSize = "sample_size", isSignificant = "is_significant", timeLagDays = "time_lag_days"
        case combinationFactors = "combination_factors"
        case partialCorrelationCoefficient = "partial_correlation_coefficient"
        case confounderVariable = "confounder_variable", isConfounded = "is_confounded"
    }

    init(_ f: CorrelationFinding) {
        inputName = f.input
        outputMetric = f.output
        correlationCoefficient = (f.rho * 1000).rounded() / 1000
        pValue = (f.pValue * 10_000).rounded() / 10_000
        qValue = (f.qValue * 10_000).rounded() / 10_000
        sampleSize = f.n
        isSignificant = true
        direction = f.rho >= 0 ? "positive" : "negative"
        strength = abs(f.rho) < 0.3 ? "weak" : abs(f.rho) < 0.7 ? "moderate" : "strong"
        timeLagDays = 0
        combinationFactors = []
        partialCorrelationCoefficient = nil
        confounderVariable = nil
        isConfounded = false
        sentence = f.sentence
    }
}

struct AnalysisPeriodDTO: Codable, Sendable {
    @Nullable var start: LocalDate?
    let end: LocalDate
    let days: Int
}

/// `GET /v1/correlations/what-works`: inputs whose MORE went with BETTER runs.
struct WhatWorksCorrelations: Codable, Sendable {
    let athleteID: UUID
    let analysisPeriod: AnalysisPeriodDTO
    let whatWorks: [CorrelationDTO]
    let count: Int
    let minSampleSize: Int
    let pairs: Int
    /// Pairs still needed before anything is claimed (the original answered 400 instead).
    let pairsNeeded: Int
    @Nullable var computedAt: Date?

    enum CodingKeys: String, CodingKey {
        case count, pairs
        case athleteID = "athlete_id", analysisPeriod = "analysis_period", whatWorks = "what_works"
        case minSampleSize = "min_sample_size", pairsNeeded = "pairs_needed", computedAt = "computed_at"
    }
}

/// `GET /v1/correlations/what-doesnt-work`: inputs whose MORE went with WORSE runs.
struct WhatDoesntWorkCorrelations: Codable, Sendable {
    let athleteID: UUID
    let analysisPeriod: AnalysisPeriodDTO
    let whatDoesntWork: [CorrelationDTO]
    let count: Int
    let minSampleSize: Int
    let pairs: Int
    let pairsNeeded: Int
    @Nullable var computedAt: Date?

    enum CodingKeys: String, CodingKey {
        case count, pairs
        case athleteID = "athlete_id", analysisPeriod = "analysis_period", whatDoesntWork = "what_doesnt_work"
        case minSampleSize = "min_sample_size", pairsNeeded = "pairs_needed", computedAt = "computed_at"
    }
}

/// A bucket of `/v1/activities/summary` (the original's fields; the pace is Σ time ÷ Σ distance in s/km).
struct SummaryBucketDTO: Codable, Sendable {
    let totalActivities: Int
    let totalDistanceM: Int
    let totalDurationS: Int
    @Nullable var avgPaceSPerKm: Double?
    let raceCount: Int

    enum CodingKeys: String, CodingKey {
        case totalActivities = "total_activities", totalDistanceM = "total_distance_m"
        case totalDurationS = "total_duration_s", avgPaceSPerKm = "avg_pace_s_per_km", raceCount = "race_count"
    }
}

struct SportTotalsDTO: Codable, Sendable {
    let totalActivities: Int
    let totalDistanceM: Int
    let totalDurationS: Int

    enum CodingKeys: String, CodingKey {
        case totalActivities = "total_activities", totalDistanceM = "total_distance_m"
        case totalDurationS = "total_duration_s"
    }
}

struct OtherSportsDTO: Codable, Sendable {
    let totalActivities: Int
    let totalDistanceM: Int
    let totalDurationS: Int
    /// Every sport but run, each present (zeros when none).
    let bySport: [String: SportTotalsDTO]

    enum CodingKeys: String, CodingKey {
        case totalActivities = "total_activities", totalDistanceM = "total_distance_m"
        case totalDurationS = "total_duration_s", bySport = "by_sport"
    }
}

/// A calendar period's totals (this week, month, year, all time, or one of the 52 weeks).
struct PeriodDTO: Codable, Sendable {
    let from: LocalDate
    let through: LocalDate
    let activities: Int
    let runCount: Int
    let distanceM: Double
    let distance: String
    let runDistanceM: Double
    let runDistance: String
    let movingTimeS: Int
    let durationS: Int
    let elevationGainM: Double
    let load: Double
    /// Σ run time ÷ Σ run distance over runs with both; null without such runs.
    @Nullable var avgRunPaceSPerKm: Double?
    @Nullable var avgRunPace: String?

    enum CodingKeys: String, CodingKey {
        case from, through, activities, distance, load
        case runCount = "run_count", distanceM = "distance_m", runDistanceM = "run_distance_m"
        case runDistance = "run_distance", movingTimeS = "moving_time_s", durationS = "duration_s"
        case elevationGainM = "elevation_gain_m", avgRunPaceSPerKm = "avg_run_pace_s_per_km"
        case avgRunPace = "avg_run_pace"
    }

    init(_ b: SummaryBucket, format f: Format) {
        from = b.from
        through = b.through
        activities = b.activities
        runCount = b.runCount
        distanceM = (b.distanceM * 10).rounded() / 10
        distance = f.distance(b.distanceM)
        runDistanceM = (b.runDistanceM * 10).rounded() / 10
        runDistance = f.distance(b.runDistanceM)
        movingTimeS = b.movingTimeS
        durationS = b.durationS
        elevationGainM = (b.elevationGainM * 10).rounded() / 10
        load = LoadDayDTO.round(b.load)
        avgRunPaceSPerKm = b.avgRunPaceSPerKm.map { ($0 * 10).rounded() / 10 }
        avgRunPace = b.avgRunPaceSPerKm.map(f.pace)
    }
}

struct PeriodsDTO: Codable, Sendable {
    let week: PeriodDTO
    let month: PeriodDTO
    let year: PeriodDTO
    let allTime: PeriodDTO

    enum CodingKeys: String, CodingKey {
        case week, month, year
        case allTime = "all_time"
    }
}

/// `GET /v1/activities/summary`.
struct ActivitySummaryResponse: Codable, Sendable {
    let running: SummaryBucketDTO
    let other: OtherSportsDTO
    let combined: SummaryBucketDTO
    let totalActivities: Int
    let totalDistanceM: Int
    let totalDurationS: Int
    @Nullable var avgPaceSPerKm: Double?
    let raceCount: Int
    /// Every sport, each present.
    let activitiesBySport: [String: Int]
    let periodDays: Int
    let units: Units
    /// From the stored daily totals (the analytics job's); null figures before its first run.
    @Nullable var computedAt: Date?
    let periods: PeriodsDTO
    /// The last 52 Monday-start weeks, oldest first, this week last.
    let weekly: [PeriodDTO]

    enum CodingKeys: String, CodingKey {
        case running, other, combined, units, periods, weekly
        case totalActivities = "total_activities", totalDistanceM = "total_distance_m"
        case totalDurationS = "total_duration_s", avgPaceSPerKm = "avg_pace_s_per_km", raceCount = "race_count"
        case activitiesBySport = "activities_by_sport", periodDays = "period_days", computedAt = "computed_at"
    }
}

/// `GET/POST /v1/consent/ai`.
struct ConsentResponse: Codable, Sendable {
    let aiConsent: Bool
    @Nullable var grantedAt: Date?
    @Nullable var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case aiConsent = "ai_consent", grantedAt = "granted_at", revokedAt = "revoked_at"
    }

    init(_ athlete: Athlete) {
        aiConsent = athlete.aiConsent
        grantedAt = athlete.aiConsentGrantedAt
        revokedAt = athlete.aiConsentRevokedAt
    }
}

/// The body of `POST /v1/consent/ai`.
struct ConsentBody: RequestBody {
    let granted: Bool
    let source: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case granted, source
    }

    static var nullableFields: Set<String> { ["source"] }

    /// Where a consent change may say it came from (the original accepted any text, even "admin").
    static let sources = ["consent_prompt", "settings", "onboarding", "profile"]
    static let defaultSource = "consent_prompt"

    func validate(into v: inout FieldValidator) {
        if let source {
            v.check(Self.sources.contains(source), "source", "must be one of \(Self.sources.joined(separator: ", "))")
        }
    }
}
