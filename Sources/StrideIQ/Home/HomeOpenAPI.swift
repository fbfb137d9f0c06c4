import Foundation
import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var homeOperations: [APIOperation] {
        let etag = APIHeader(
            name: "ETag", schema: JSONSchema.string(pattern: #"^"[0-9a-f]+"$"#),
            required: true, description: "A strong validator of this body (a digest of its bytes, quoted).")
        let cacheControl = APIHeader(
            name: "Cache-Control", schema: .constant("no-cache"), required: true,
            description: "Revalidate before reusing a stored copy.")
        let admins = Role.allCases.filter(\.isAdmin).map { "`\($0.rawValue)`" }.joined(separator: " or ")
        return [
            APIOperation(
                method: .get, path: "/v1/home", id: "getHome", tag: "Home",
                summary: "The home screen: today, yesterday, this week, the race and the coach briefing",
                description: """
                    Computed on every request from the athlete's data, in the athlete's time zone (\"today\" and the \
                    Monday–Sunday week are local days). The briefing fields are the cached coach briefing, as \
                    `GET /v1/home/briefing` shows them; this never waits for a job or a model. When the cached briefing \
                    is missing, old, interim or built from other data, a refresh is queued and `briefing_state` says \
                    `refreshing`. The training figures (`week.tsb_context`, `week.load_trend`, `coach_noticed`, \
                    `has_correlations`) are read as the analytics job stored them, the load carried to today; they are \
                    never computed on the request. Every key is always present; absent values are `null`.
                    """,
                access: .bearer, responses: [.ok(.ref("Home"), "The home screen.")]),
            APIOperation(
                method: .get, path: "/v1/home/briefing", id: "getHomeBriefing", tag: "Home",
                summary: "Only the briefing fields of the home screen, for polling",
                description: """
                    The briefing fields of `GET /v1/home`, with an `ETag`: poll with `If-None-Match` until \
                    `briefing_state` is `fresh` (or `consent_required`); an unchanged briefing answers 304 without a body. \
                    Like `/v1/home`, it may queue a refresh and never waits for one.
                    """,
                access: .bearer,
                parameters: [
                    .header(
                        "If-None-Match", JSONSchema.string,
                        """
                        ETags of copies the client holds, comma-separated, as received (quoted); `*` and weak (`W/`) \
                        comparison are not supported.
                        """)
                ],
                responses: [
                    APIResponse(
                        status: 200, description: "The briefing fields.", schema: .ref("HomeBriefing"),
                        headers: [etag, cacheControl]
                    )
                    .with(links: [
                        APILink("Revalidate", to: "getHomeBriefing", [("header.If-None-Match", "$response.header.ETag")])
                    ]),
                    .notModified("The briefing is the one `If-None-Match` names.", headers: [etag, cacheControl]),
                ]),
            APIOperation(
                method: .post, path: "/v1/home/admin/briefing-refresh/{athlete_id}", id: "refreshBriefing", tag: "Home",
                summary: "Queue a briefing refresh for an athlete (admins only)",
                description: """
                    For a caller whose `role` is \(admins); anyone else gets 403. Queues the athlete's briefing job at \
                    trigger priority and answers at once (`coalesced` when one was already queued). Every call, \
                    accepted or refused, is written to the audit log.
                    """,
                access: .bearer, parameters: [.path("athlete_id", JSONSchema.uuid, "The athlete whose briefing to refresh.")],
                responses: [
                    APIResponse(status: 202, description: "Queued.", schema: .ref("BriefingRefreshAccepted")),
                    .error(403, "The caller is not an admin.", codes: [.forbidden]),
                    .error(404, "No such athlete (a malformed id is a 404 too, before the admin check).", codes: [.notFound]),
                ]),
        ]
    }

    static var homeSchemas: [(String, JSONSchema)] {
        [
            HomeResponse.component, BriefingView.component, BriefingPayload.component, TodayWorkout.component,
            YesterdayInsight.component, WeekProgress.component, WeekDay.component, OtherActivityRef.component,
            OtherSportSummary.component, RaceCountdown.component, TodayCheckin.component, LastRun.component,
            CoachNoticed.component, HomeRoutes.RefreshAccepted.component,
        ]
    }

    /// `BriefingSource`'s values. It is not `CaseIterable`: the switch stops the build when a source is added.
    static let briefingSources: [String] = [BriefingSource.llm, .deterministic].map { source in
        switch source {
        case .llm, .deterministic: source.rawValue
        }
    }

    fileprivate static let metres = JSONSchema.number(atLeast: 0)
    fileprivate static let weekOfPlan = JSONSchema.integer(atLeast: 1).described("The week of the plan (1 = the week of its start date).")
}

/// The home screen of an athlete with a plan, a run yesterday, a ride today and today's check-in: the examples
/// of the home schemas are its parts.
private enum HomeExample {
    static let payload: HomePayload = {
        let utc = TimeZone.gmt
        let today = OpenAPIExample.day
        func at(_ day: LocalDate, hour: Double) -> Date { day.start(in: utc).addingTimeInterval(hour * 3600) }
        let run = ActivityFact(
            id: OpenAPIExample.id(10), name: "Easy", sport: .run, startTime: at(today.adding(days: -1), hour: 7),
            distanceM: 10_000, movingTimeS: 3_000, durationS: 3_100, avgHR: 150)
        let ride = ActivityFact(
            id: OpenAPIExample.id(11), name: "Commute", sport: .cycling, startTime: at(today, hour: 6),
            distanceM: 30_000, movingTimeS: 3_600, durationS: 3_700, avgHR: nil)
        let plan = PlanFact(
            id: OpenAPIExample.id(20), name: "Spring marathon", raceName: "Paris Marathon",
            raceDate: today.adding(days: 133), raceDistanceM: 42_195, goalTimeS: 11_400,
            startDate: today.adding(days: -30), totalWeeks: 17, updatedAt: OpenAPIExample.instant)
        let workouts = [
            WorkoutFact(
                id: OpenAPIExample.id(21), date: today, type: .tempo, title: "Tempo", distanceM: 12_000, paceMinSPerKm: 250,
                paceMaxSPerKm: 260, weekNumber: 5, phase: .build),
            WorkoutFact(id: OpenAPIExample.id(22), date: today.adding(days: 1), type: .easy, title: "Easy", distanceM: 8_000),
        ]
        let checkin = CheckinFact(
            id: OpenAPIExample.id(30), sleepH: 7.5, sleepQuality: 4, readiness: 4, soreness: 2,
            updatedAt: OpenAPIExample.instant)
        return HomeBuilder.build(
            HomeFacts(
                now: OpenAPIExample.instant, timeZone: utc, units: .metric, windowActivities: [run, ride],
                latestRun: run, totalActivities: 42, plan: plan, weekWorkouts: workouts,
                todayCheckin: checkin, analytics: analytics))
    }()

    /// Stored figures with a load picture and one what-works finding (so `coach_noticed` is a finding).
    static let analytics: AthleteAnalytics = {
        let today = OpenAPIExample.day
        let yesterday = today.adding(days: -1)
        let finding = CorrelationFinding(
            input: "sleep_hours", output: "efficiency", rho: 0.52, n: 34, pValue: 0.002, qValue: 0.01,
            higherInputIsBetter: true,
            sentence: "After nights with more sleep your easy runs were more efficient (ρ = 0.52, n = 34).")
        return AthleteAnalytics(
            computedAt: OpenAPIExample.instant,
            heartRate: HeartRateProfile(maxHR: 188, maxHRSource: .estimated, restingHR: 52, restingHRSource: .profile),
            thresholdPaceSPerKm: 262, thresholdPaceSource: .estimated,
            load: LoadStatus(
                day: FitnessDay(date: yesterday, load: 64, fitness: 52.4, fatigue: 61.0, form: -9.8), rampRate: 3.1,
                acuteChronicRatio: 1.12, tsbContext: "Building", loadTrend: "stable"),
            fitness: nil, records: [],
            efficiency: EfficiencyTrend(
                points: [], slopePerWeek: nil, changePercent: nil, direction: "insufficient_data", pValue: nil, rSquared: nil,
                requiredPoints: 6),
            whatWorks: WhatWorksReport(minSampleSize: 20, pairs: 34, pairsNeeded: 0, falseDiscoveryRate: 0.1, findings: [finding]))
    }()
}

extension HomeResponse: DocumentedResponse {
    static let schemaName = "Home"
    static var openAPIExample: Self { Self(home: HomeExample.payload, briefing: .openAPIExample) }
    static var schemaDescription: String? { "The deterministic home payload and the briefing fields, in one object." }
    /// The home payload's own keys, then the briefing's (the two never share a key).
    static var fieldSchemas: [String: JSONSchema] { payloadFields.merging(BriefingView.fieldSchemas) { home, _ in home } }

    private static let payloadFields: [String: JSONSchema] = [
        "race_countdown": .described("The active plan's goal race, unless it is past; null without an active plan."),
        "checkin_needed": .described("No check-in for today yet."),
        "today_checkin": .described("Today's check-in, or null."),
        "last_run": .described("The latest run, if it started within the last \(Int(HomeBuilder.lastRunWindow / 3600)) hours."),
        "total_activities": JSONSchema.integer(atLeast: 0).described("Activities of every sport, ever."),
        "strava_connected": .described("Always false: there is no Strava integration."),
        "garmin_connected": .described("Always false: there is no Garmin integration."),
        "coach_noticed": .described(
            """
            One thing worth knowing from the stored training figures, first that applies: the strongest what-works \
            finding; a personal record of the last \(HomeBuilder.recentRecordDays) days; a load past or near its limits, \
            or freshness worth using; an improving or declining efficiency trend. Null when none applies.
            """),
        "has_correlations": .described("The stored what-works analysis has at least one finding."),
    ]
}

extension BriefingView: DocumentedResponse {
    static let schemaName = "HomeBriefing"
    static var openAPIExample: Self {
        Self(
            state: .fresh,
            entry: BriefingEntry(
                payload: .openAPIExample, generatedAt: OpenAPIExample.instant,
                sourceModel: "deterministic-v1", briefingSource: .deterministic, isInterim: true,
                dataFingerprint: "3f9a", fallbackReason: "no_llm_configured"))
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "coach_briefing": .described("The briefing; null when there is none worth showing (missing, expired, or no consent)."),
            "briefing_state": .described(
                """
                `fresh`: written for the current data under \(Int(BriefingFreshness.freshFor / 60)) minutes ago. `stale`: \
                older, or written for other data. `refreshing`: a refresh is queued or running (the last briefing still \
                shows). `missing`: none, or older than \(Int(BriefingFreshness.staleUntil / 60)) minutes. \
                `consent_required`: the athlete has not turned on `ai_consent`.
                """),
            "briefing_is_interim": .described("A stand-in written without a model, to be replaced (false when there is no briefing)."),
            "briefing_last_updated_at": .described("When the briefing shown was written."),
            "briefing_source": JSONSchema.strings(OpenAPIDocument.briefingSources)
                .described("`llm`: written by a model; `deterministic`: written from the data without one."),
            "briefing_source_model": .described("The model (or deterministic writer) that wrote it."),
            "fallback_reason": .described(
                """
                Why no model wrote it, e.g. `no_llm_configured`, `circuit_open`, `provider_timeout`; null for a model's briefing.
                """),
        ]
    }
}

extension BriefingPayload: DocumentedResponse {
    static let schemaName = "CoachBriefing"
    static var openAPIExample: Self {
        Self(
            morningVoice: "Good morning — a tempo day, and your legs have earned it.",
            coachNoticed: "Yesterday's easy 10 km stayed truly easy: heart rate 150.",
            todayContext: "12 km with the middle at 4:10–4:20/km.",
            weekAssessment: "10 of 36 km done by Sunday; on track.",
            checkinReaction: "7.5 h of good sleep — ready for quality.",
            raceAssessment: "133 days to Paris; the 3:10 goal looks realistic.",
            workoutWhy: "Tempo work raises the pace you can hold for the marathon.")
    }
    static var schemaDescription: String? { "The coach's briefing: one to three sentences per field." }
}

extension TodayWorkout: DocumentedResponse {
    static let schemaName = "TodayWorkout"
    static var openAPIExample: Self { HomeExample.payload.today }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "has_workout": .described("The active plan has a workout today; when false every other field is null."),
            "distance_m": JSONSchema.number(Limits.Plan.targetDistanceM).described("The target distance, metres."),
            "pace_guidance": .described("The workout's coach notes, else its target pace range."),
            "why_context": .described("Why this workout: week of the plan, phase, purpose."),
            "why_source": .described("Where `why_context` comes from (`plan`)."),
            "week_number": OpenAPIDocument.weekOfPlan,
        ]
    }
}

extension YesterdayInsight: DocumentedResponse {
    static let schemaName = "YesterdayInsight"
    static var openAPIExample: Self {
        var insight = HomeExample.payload.yesterday
        insight.lastActivityDate = insight.lastActivityDate ?? OpenAPIExample.day.adding(days: -1)
        insight.lastActivityName = insight.lastActivityName ?? "Easy"
        insight.lastActivityID = insight.lastActivityID ?? OpenAPIExample.id(10)
        insight.daysSinceLast = insight.daysSinceLast ?? 1
        return insight
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "has_activity": .described(
                """
                There was a run yesterday: the `activity_*`, `distance_m`, `pace_s_per_km` and `insight` fields describe \
                it. Otherwise the `last_activity_*` fields describe the latest run (all null without one).
                """),
            "activity_name": .described("Yesterday's longest run."),
            "distance_m": OpenAPIDocument.metres.described("Yesterday's runs together, metres."),
            "pace_s_per_km": JSONSchema.number(atLeast: 0).described("The longest run's pace, seconds per km (one decimal)."),
            "last_activity_date": .described("The local day of the latest run."),
            "days_since_last": .described("Local days from the latest run to today."),
        ]
    }
}

extension WeekProgress: DocumentedResponse {
    static let schemaName = "WeekProgress"
    static var openAPIExample: Self { HomeExample.payload.week }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "week_number": OpenAPIDocument.weekOfPlan,
            "total_weeks": .integer(Limits.Plan.totalWeeks),
            "phase": .described("The phase of the first workout this week that has one."),
            "completed_m": OpenAPIDocument.metres.described("Metres run this week (whole metres)."),
            "planned_m": OpenAPIDocument.metres.described("Metres planned this week (whole metres); 0 without a plan."),
            "progress_pct": JSONSchema.number(atLeast: 0)
                .described("`completed_m` / `planned_m` in percent (one decimal); null when nothing is planned."),
            "days": JSONSchema.array(of: .ref("WeekDay"), count: 7...7).described("Monday to Sunday."),
            "status": .described("Done vs planned, for the share of the week that has passed."),
            "tsb_context": JSONSchema.strings(["Fresh", "Building", "Fatigued"]).described(
                """
                Form (fitness − fatigue) against fitness, from the stored load figures carried to today: `Fresh` above \
                +\(Int(FitnessModel.freshFormPercent)) %, `Fatigued` below \(Int(FitnessModel.fatiguedFormPercent)) %, else \
                `Building`. Null before the first activity's figures are computed.
                """),
            "load_trend": JSONSchema.strings(["up", "stable", "down"]).described(
                "The last 7 days' load against the 7 before (±\(Int(FitnessModel.loadTrendBand * 100)) %). Null before any figures."),
            "other_sport_summary": .described("This week's other sports, one entry each, by sport name."),
        ]
    }
}

extension WeekDay: DocumentedResponse {
    static let schemaName = "WeekDay"
    static var openAPIExample: Self {
        var day = HomeExample.payload.week.days.first { $0.isToday }!
        day.workoutType = day.workoutType ?? .tempo
        day.plannedDistanceM = day.plannedDistanceM ?? 12_000
        day.activityID = day.activityID ?? OpenAPIExample.id(12)
        day.workoutID = day.workoutID ?? OpenAPIExample.id(21)
        return day
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "day_abbrev": .described("The weekday's initial, Monday first."),
            "workout_type": .described("The plan's workout that day, if any."),
            "distance_m": OpenAPIDocument.metres.described("Metres run that day."),
            "planned_distance_m": .number(Limits.Plan.targetDistanceM),
            "completed": .described("At least one run that day."),
            "activity_id": .described("The day's longest run."),
            "run_count": .integer(atLeast: 0),
            "other_activities": .described("The day's activities of other sports."),
        ]
    }
}

extension OtherActivityRef: DocumentedResponse {
    static let schemaName = "OtherActivity"
    static var openAPIExample: Self { HomeExample.payload.week.days.lazy.flatMap(\.otherActivities).first! }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "sport": OtherSportSummary.otherSports,
            "distance_m": .number(Limits.Activity.distanceM),
            "duration_s": .integer(Limits.Activity.timeS),
        ]
    }
}

extension OtherSportSummary: DocumentedResponse {
    static let schemaName = "OtherSportSummary"
    static var openAPIExample: Self { HomeExample.payload.week.otherSportSummary[0] }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "sport": otherSports,
            "count": .integer(atLeast: 1),
            "distance_m": OpenAPIDocument.metres,
            "duration_s": JSONSchema.integer(atLeast: 0).described("Elapsed (else moving) seconds together."),
        ]
    }

    /// Every sport but running, which the home screen counts apart.
    fileprivate static let otherSports = JSONSchema.strings(Sport.allCases.filter { $0 != .run }.map(\.rawValue))
}

extension RaceCountdown: DocumentedResponse {
    static let schemaName = "RaceCountdown"
    static var openAPIExample: Self { HomeExample.payload.raceCountdown! }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "race_name": .described("The goal race's name, else the plan's."),
            "days_remaining": JSONSchema.integer(atLeast: 0).described("Local days until race day (0 on the day)."),
            "distance_m": .number(Limits.Plan.raceDistanceM),
            "goal_time": .described("`H:MM:SS`."),
            "goal_pace": .described("The goal time's pace in the athlete's units, e.g. `4:58/km`."),
        ]
    }
}

extension TodayCheckin: DocumentedResponse {
    static let schemaName = "TodayCheckin"
    static var openAPIExample: Self { HomeExample.payload.todayCheckin! }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "sleep_label": .described("From the sleep quality, else from the hours slept."),
            "sleep_h": .number(Limits.Checkin.sleepH),
        ]
    }
}

extension LastRun: DocumentedResponse {
    static let schemaName = "LastRun"
    static var openAPIExample: Self { HomeExample.payload.lastRun! }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "distance_m": .number(Limits.Activity.distanceM),
            "moving_time_s": .integer(Limits.Activity.timeS),
            "average_hr": .integer(Limits.Activity.heartRate),
            "pace_per_km": JSONSchema.number(atLeast: 0).described("Seconds per km (moving time, else elapsed), one decimal."),
            "pace_display": .described("The same pace in the athlete's units, e.g. `5:10/km` or `8:19/mi`."),
        ]
    }
}

extension CoachNoticed: DocumentedResponse {
    static let schemaName = "CoachNoticed"
    static var openAPIExample: Self { HomeExample.payload.coachNoticed! }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "source": JSONSchema.strings(["fingerprint", "signal"]).described(
                "`fingerprint`: a what-works finding; `signal`: a record, the load or the efficiency trend."),
            "ask_coach_query": .described("A question to ask the coach about it."),
        ]
    }
}

extension HomeRoutes.RefreshAccepted: DocumentedResponse {
    static let schemaName = "BriefingRefreshAccepted"
    static var openAPIExample: Self { Self(status: "enqueued", athleteID: OpenAPIExample.id(1)) }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "status": JSONSchema.strings([BriefingService.EnqueueOutcome.enqueued, .coalesced].map(\.rawValue))
                .described("`coalesced`: a refresh was already queued, and this one joined it.")
        ]
    }
}
