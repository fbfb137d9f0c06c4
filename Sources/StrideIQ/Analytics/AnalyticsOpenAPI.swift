import Foundation
import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var analyticsOperations: [APIOperation] {
        let stored = """
            Read from what the analytics job stored after the athlete's last change (never computed on the \
            request); before its first run the figures are empty and `computed_at` is null.
            """
        return [
            APIOperation(
                method: .get, path: "/v1/analytics/load", id: "getTrainingLoad", tag: "Analytics",
                summary: "Fitness, fatigue and form: a daily series and today's status",
                description: """
                    Daily fitness (42-day time constant), fatigue (7-day) and form (the previous day's fitness − \
                    fatigue) from each activity's load (heart-rate TRIMP, else pace against threshold pace, else \
                    duration). `current` is the last stored day carried to today through rest days, with the ramp \
                    rate and the acute:chronic ratio. \(stored)
                    """,
                access: .bearer,
                parameters: [
                    .query("from", .date, "First day (default: 89 days before `to`); years 1900–2200."),
                    .query(
                        "to", .date,
                        "Last day (default: today in the athlete's time zone); years 1900–2200, at most \(AnalyticsRoutes.maxLoadRangeDays) days after `from`."
                    ),
                ],
                responses: [.ok(.ref("TrainingLoad"), "The series and today's status."), .validationFailed]),
            APIOperation(
                method: .get, path: "/v1/analytics/paces", id: "getTrainingPaces", tag: "Analytics",
                summary: "Training paces from the fitness level",
                description: "The fitness level (VDOT-style) from the best recent performance, and its paces. \(stored)",
                access: .bearer, responses: [.ok(.ref("TrainingPaces"), "The fitness level and its paces.")]),
            APIOperation(
                method: .get, path: "/v1/analytics/predictions", id: "getRacePredictions", tag: "Analytics",
                summary: "Race predictions for 5 km, 10 km, half marathon and marathon",
                description: "By the fitness level (VDOT), with Riegel's prediction from the same performance. \(stored)",
                access: .bearer, responses: [.ok(.ref("RacePredictions"), "The predictions.")]),
            APIOperation(
                method: .get, path: "/v1/analytics/records", id: "getPersonalRecords", tag: "Analytics",
                summary: "Personal records per standard distance",
                description: "Best efforts inside runs (from their files) and whole-run bests, runs only. \(stored)",
                access: .bearer, responses: [.ok(.ref("PersonalRecords"), "The records, shortest distance first.")]),
            APIOperation(
                method: .get, path: "/v1/analytics/efficiency-trends", id: "getEfficiencyTrends", tag: "Analytics",
                summary: "Efficiency (speed per heartbeat) on comparable easy runs, and its trend",
                description: """
                    The original's path and field names. The trend is a least-squares fit over the stored points of \
                    the `days` ending today; fewer points than `required_points` answer 200 with \
                    `insufficient_data` (the original answered 500). \(stored)
                    """,
                access: .bearer,
                parameters: [
                    .query(
                        "days",
                        JSONSchema.integer(AnalyticsRoutes.efficiencyDays).defaulting(
                            to: AnalyticsService.efficiencyDefaultDays), "The period, in days."),
                    .query("include_stability", .boolean(), "Accepted for the original's clients; ignored."),
                    .query("include_load_response", .boolean(), "Accepted for the original's clients; ignored."),
                    .query("include_annotations", .boolean(), "Accepted for the original's clients; ignored."),
                ],
                responses: [.ok(.ref("EfficiencyTrends"), "The points and the trend."), .validationFailed]),
            APIOperation(
                method: .get, path: "/v1/analytics/what-works", id: "getWhatWorks", tag: "Analytics",
                summary: "Which check-in inputs went with better or worse runs",
                description: """
                    Spearman rank correlation of each check-in input with the next run's efficiency and pace against \
                    plan, with a minimum sample size and Benjamini–Hochberg false-discovery-rate control. Below the \
                    minimum nothing is claimed and `pairs_needed` says how many more pairs are needed. \(stored)
                    """,
                access: .bearer, responses: [.ok(.ref("WhatWorks"), "The findings.")]),
            APIOperation(
                method: .get, path: "/v1/correlations/what-works", id: "getCorrelationsWhatWorks", tag: "Analytics",
                summary: "The original's what-works list",
                description: """
                    Findings where more of the input went with better runs (the original swapped the two lists for \
                    efficiency = speed/HR). Not enough data is 200 with an empty list and `pairs_needed` (the \
                    original answered 400). \(stored)
                    """,
                access: .bearer,
                parameters: [
                    .query(
                        "days", JSONSchema.integer(AnalyticsRoutes.correlationDays),
                        "Accepted for the original's clients; the findings cover the whole history (`analysis_period`)."
                    )
                ],
                responses: [.ok(.ref("CorrelationsWhatWorks"), "The list."), .validationFailed]),
            APIOperation(
                method: .get, path: "/v1/correlations/what-doesnt-work", id: "getCorrelationsWhatDoesntWork",
                tag: "Analytics", summary: "The original's what-doesn't-work list",
                description: "Findings where more of the input went with worse runs. \(stored)",
                access: .bearer,
                parameters: [
                    .query(
                        "days", JSONSchema.integer(AnalyticsRoutes.correlationDays),
                        "Accepted for the original's clients; the findings cover the whole history (`analysis_period`)."
                    )
                ],
                responses: [.ok(.ref("CorrelationsWhatDoesntWork"), "The list."), .validationFailed]),
            APIOperation(
                method: .get, path: "/v1/activities/summary", id: "getActivitySummary", tag: "Activities",
                summary: "Totals: the last `days`, this week, month, year, all time, and 52 weeks",
                description: """
                    The original's fields for the last `days` (runs, other sports, all), with the average pace as \
                    total run time ÷ total run distance in s/km (the original's was neither). `periods` and \
                    `weekly` come from the stored daily totals of the analytics job.
                    """,
                access: .bearer,
                parameters: [
                    .query(
                        "days", JSONSchema.integer(AnalyticsRoutes.summaryDays).defaulting(to: 30),
                        "The period of the top-level buckets, in days.")
                ],
                responses: [.ok(.ref("ActivitySummary"), "The totals."), .validationFailed]),
            APIOperation(
                method: .get, path: "/v1/consent/ai", id: "getAIConsent", tag: "Athlete",
                summary: "The AI-processing consent", access: .bearer,
                responses: [.ok(.ref("AIConsent"), "The consent and when it was last granted and revoked.")]),
            APIOperation(
                method: .post, path: "/v1/consent/ai", id: "setAIConsent", tag: "Athlete",
                summary: "Grant or revoke the AI-processing consent",
                description: """
                    The same switch as the profile's `ai_consent`. Every call is recorded in the audit log, a \
                    repeat of the current state too.
                    """,
                access: .bearer, body: .json(.ref("AIConsentUpdate")),
                responses: [.ok(.ref("AIConsent"), "The consent after the change."), .validationFailed]),
        ]
    }

    static var analyticsSchemas: [(String, JSONSchema)] {
        [
            LoadResponse.component, PacesResponse.component, PredictionsResponse.component, RecordsResponse.component,
            EfficiencyTrendsResponse.component, WhatWorksResponse.component, WhatWorksCorrelations.component,
            WhatDoesntWorkCorrelations.component, ActivitySummaryResponse.component, ConsentResponse.component,
            (
                "AIConsentUpdate",
                .requestBody(ConsentBody.self, required: [.granted]) { key in
                    switch key {
                    case .granted: JSONSchema.boolean(description: "true grants, false revokes.")
                    case .source:
                        JSONSchema.strings(ConsentBody.sources).described(
                            "Where the change was made; default `\(ConsentBody.defaultSource)`.")
                    }
                }
            ),
        ]
    }
}

// MARK: examples

extension AnalyticsExample {
    static let computedAt = OpenAPIExample.instant
    static let day = OpenAPIExample.day
    static let performance = PerformanceRef(
        activityID: OpenAPIExample.id(10), date: day, kind: .race, distanceM: 10_000, timeS: 2_460)
    static var document: AthleteAnalytics {
        let vdot = 41.0
        let point = EfficiencyPoint(
            activityID: OpenAPIExample.id(11), date: day, efficiency: 0.0221, paceSPerKm: 330, avgHR: 138,
            distanceM: 8_000)
        let finding = CorrelationFinding(
            input: "sleep_hours", output: "efficiency", rho: 0.52, n: 34, pValue: 0.0016, qValue: 0.008,
            higherInputIsBetter: true,
            sentence: "After more sleep your easy runs were more efficient (ρ = 0.52, n = 34).")
        var worse = finding
        worse.input = "soreness"
        worse.rho = -0.48
        worse.higherInputIsBetter = false
        worse.sentence = "When you were more sore your easy runs were less efficient (ρ = −0.48, n = 31)."
        return AthleteAnalytics(
            computedAt: computedAt,
            heartRate: HeartRateProfile(maxHR: 188, maxHRSource: .profile, restingHR: 48, restingHRSource: .estimated),
            thresholdPaceSPerKm: 262, thresholdPaceSource: .estimated,
            load: LoadStatus(
                day: FitnessDay(date: day, load: 64, fitness: 48.2, fatigue: 55.1, form: -4.3), rampRate: 2.1,
                acuteChronicRatio: 1.12, tsbContext: "Building", loadTrend: "up"),
            fitness: FitnessLevel(
                vdot: vdot, source: performance, paces: RunningFitness.trainingPaces(vdot: vdot),
                predictions: FitnessLevelEstimate.predictions(vdot: vdot, from: performance)),
            records: [
                PersonalRecord(
                    category: "5k", distanceM: 5_000, timeS: 1_190, activityID: OpenAPIExample.id(12), date: day,
                    source: .bestEffort)
            ],
            efficiency: EfficiencyTrend(
                points: [point], slopePerWeek: 0.0002, changePercent: 3.4, direction: "improving", pValue: 0.01,
                rSquared: 0.41, requiredPoints: 5),
            whatWorks: WhatWorksReport(
                minSampleSize: 20, pairs: 34, pairsNeeded: 0, falseDiscoveryRate: 0.1, findings: [finding, worse]))
    }
    static var period: PeriodDTO {
        var bucket = SummaryBucket(from: day.adding(days: -6), through: day)
        bucket.activities = 5
        bucket.runCount = 4
        bucket.distanceM = 52_000
        bucket.runDistanceM = 42_000
        bucket.movingTimeS = 15_600
        bucket.durationS = 16_000
        bucket.elevationGainM = 310
        bucket.load = 380
        bucket.runPacedDistanceM = 42_000
        bucket.runPacedTimeS = 13_020
        bucket.avgRunPaceSPerKm = 310
        return PeriodDTO(bucket, format: Format(units: .metric))
    }
}

/// Shared example values of the analytics responses.
enum AnalyticsExample {}

extension LoadResponse: DocumentedResponse {
    static let schemaName = "TrainingLoad"
    static var openAPIExample: Self {
        let doc = AnalyticsExample.document
        return Self(
            computedAt: doc.computedAt, from: AnalyticsExample.day.adding(days: -89), to: AnalyticsExample.day,
            today: AnalyticsExample.day, current: doc.load.map(LoadStatusDTO.init),
            days: [LoadDayDTO(doc.load!.day)], heartRate: HeartRateDTO(doc.heartRate))
    }
    static var fieldSchemas: [String: JSONSchema] {
        ["computed_at": .described("When the analytics job last recomputed; null before its first run.")]
    }
}

extension PacesResponse: DocumentedResponse {
    static let schemaName = "TrainingPaces"
    static var openAPIExample: Self { Self(AnalyticsExample.document, units: .metric) }
}

extension PredictionsResponse: DocumentedResponse {
    static let schemaName = "RacePredictions"
    static var openAPIExample: Self { Self(AnalyticsExample.document, units: .metric) }
}

extension RecordsResponse: DocumentedResponse {
    static let schemaName = "PersonalRecords"
    static var openAPIExample: Self {
        Self(
            computedAt: AnalyticsExample.computedAt, units: .metric,
            records: AnalyticsExample.document.records.map { RecordDTO($0, format: Format(units: .metric)) })
    }
}

extension EfficiencyTrendsResponse: DocumentedResponse {
    static let schemaName = "EfficiencyTrends"
    static var openAPIExample: Self {
        var example = Self(AnalyticsExample.document, today: AnalyticsExample.day, days: 90, units: .metric)
        // One point fits no trend; the example shows a fitted one.
        example.summary.trendMagnitude = 3.4
        example.summary.trendDirection = "improving"
        example.trendAnalysis = TrendAnalysisDTO(
            slopePerWeek: 0.0002, changePercent: 3.4, direction: "improving", pValue: 0.01, rSquared: 0.41,
            sampleSize: 24, periodDays: 90, confidence: "moderate", isActionable: true, requiredPoints: 5)
        return example
    }
}

extension WhatWorksResponse: DocumentedResponse {
    static let schemaName = "WhatWorks"
    static var openAPIExample: Self { Self(AnalyticsExample.document) }
}

extension WhatWorksCorrelations: DocumentedResponse {
    static let schemaName = "CorrelationsWhatWorks"
    static var openAPIExample: Self {
        let report = AnalyticsExample.document.whatWorks
        let list = report.findings.filter(\.higherInputIsBetter).map(CorrelationDTO.init)
        return Self(
            athleteID: OpenAPIExample.id(1),
            analysisPeriod: AnalysisPeriodDTO(
                start: AnalyticsExample.day.adding(days: -120), end: AnalyticsExample.day, days: 121),
            whatWorks: list.map(\.exampleWithPartial), count: list.count, minSampleSize: report.minSampleSize,
            pairs: report.pairs, pairsNeeded: report.pairsNeeded, computedAt: AnalyticsExample.computedAt)
    }
}

extension WhatDoesntWorkCorrelations: DocumentedResponse {
    static let schemaName = "CorrelationsWhatDoesntWork"
    static var openAPIExample: Self {
        let report = AnalyticsExample.document.whatWorks
        let list = report.findings.filter { !$0.higherInputIsBetter }.map(CorrelationDTO.init)
        return Self(
            athleteID: OpenAPIExample.id(1),
            analysisPeriod: AnalysisPeriodDTO(
                start: AnalyticsExample.day.adding(days: -120), end: AnalyticsExample.day, days: 121),
            whatDoesntWork: list.map(\.exampleWithPartial), count: list.count, minSampleSize: report.minSampleSize,
            pairs: report.pairs, pairsNeeded: report.pairsNeeded, computedAt: AnalyticsExample.computedAt)
    }
}

extension CorrelationDTO {
    /// The example sets the fields this API always leaves null (no confounder analysis), so the recorder knows
    /// their types.
    fileprivate var exampleWithPartial: CorrelationDTO {
        var copy = self
        copy.partialCorrelationCoefficient = 0.41
        copy.confounderVariable = "daily_load"
        copy.combinationFactors = ["sleep_quality"]
        return copy
    }
}

extension ActivitySummaryResponse: DocumentedResponse {
    static let schemaName = "ActivitySummary"
    static var openAPIExample: Self {
        let run = SummaryBucketDTO(
            totalActivities: 4, totalDistanceM: 42_000, totalDurationS: 13_400, avgPaceSPerKm: 310, raceCount: 1)
        let zero = SportTotalsDTO(totalActivities: 0, totalDistanceM: 0, totalDurationS: 0)
        var bySport = Dictionary(uniqueKeysWithValues: Sport.allCases.filter { $0 != .run }.map { ($0.rawValue, zero) })
        bySport[Sport.cycling.rawValue] = SportTotalsDTO(totalActivities: 1, totalDistanceM: 10_000, totalDurationS: 2_600)
        let period = AnalyticsExample.period
        return Self(
            running: run,
            other: OtherSportsDTO(totalActivities: 1, totalDistanceM: 10_000, totalDurationS: 2_600, bySport: bySport),
            combined: SummaryBucketDTO(
                totalActivities: 5, totalDistanceM: 52_000, totalDurationS: 16_000, avgPaceSPerKm: 310, raceCount: 1),
            totalActivities: 4, totalDistanceM: 42_000, totalDurationS: 13_400, avgPaceSPerKm: 310, raceCount: 1,
            activitiesBySport: Dictionary(
                uniqueKeysWithValues: Sport.allCases.map { ($0.rawValue, $0 == .run ? 4 : $0 == .cycling ? 1 : 0) }),
            periodDays: 30, units: .metric, computedAt: AnalyticsExample.computedAt,
            periods: PeriodsDTO(week: period, month: period, year: period, allTime: period), weekly: [period])
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "avg_pace_s_per_km": .described("Total run time ÷ total run distance, seconds per km; null without runs."),
            "weekly": .described("The last 52 Monday-start weeks, oldest first, this week (through today) last."),
        ]
    }
}

extension ConsentResponse: DocumentedResponse {
    static let schemaName = "AIConsent"
    static var openAPIExample: Self {
        OpenAPIExample.decoded(
            """
            {"ai_consent": true, "granted_at": "2026-11-29T07:30:00Z", "revoked_at": "2026-10-01T18:00:00Z"}
            """)
    }
}
