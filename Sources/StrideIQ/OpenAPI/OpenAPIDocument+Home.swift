import StrideIQCore

extension OpenAPIDocument {
    static var homeOperations: [APIOperation] {
        let etag = APIHeader(name: "ETag", schema: JSONSchema.string(pattern: #"^"[0-9a-f]+"$"#),
                             required: true, description: "A strong validator of this body (a digest of its bytes, quoted).")
        let cacheControl = APIHeader(name: "Cache-Control", schema: .constant("no-cache"), required: true,
                                     description: "Revalidate before reusing a stored copy.")
        let admins = Role.allCases.filter(\.isAdmin).map { "`\($0.rawValue)`" }.joined(separator: " or ")
        return [
            APIOperation(.get, "/v1/home", id: "getHome", tag: "Home", summary: "The home screen: today, yesterday, this week, the race and the coach briefing",
                         description: """
                            Computed on every request from the athlete's data, in the athlete's time zone (\"today\" and the \
                            Monday–Sunday week are local days). The briefing fields are the cached coach briefing, as \
                            `GET /v1/home/briefing` shows them; this never waits for a job or a model. When the cached briefing \
                            is missing, old, interim or built from other data, a refresh is queued and `briefing_state` says \
                            `refreshing`. Every key is always present; absent values are `null`.
                            """,
                         access: .bearer, responses: [.ok(.ref("Home"), "The home screen.")]),
            APIOperation(.get, "/v1/home/briefing", id: "getHomeBriefing", tag: "Home", summary: "Only the briefing fields of the home screen, for polling",
                         description: """
                            The briefing fields of `GET /v1/home`, with an `ETag`: poll with `If-None-Match` until \
                            `briefing_state` is `fresh` (or `consent_required`); an unchanged briefing answers 304 without a body. \
                            Like `/v1/home`, it may queue a refresh and never waits for one.
                            """,
                         access: .bearer, parameters: [
                            .header("If-None-Match", .string(), """
                                ETags of copies the client holds, comma-separated, as received (quoted); `*` and weak (`W/`) \
                                comparison are not supported.
                                """),
                         ], responses: [
                            APIResponse(status: 200, description: "The briefing fields.", schema: .ref("HomeBriefing"),
                                        headers: [etag, cacheControl])
                                .with(links: [APILink("Revalidate", to: "getHomeBriefing", [("header.If-None-Match", "$response.header.ETag")])]),
                            .notModified("The briefing is the one `If-None-Match` names.", headers: [etag, cacheControl]),
                         ]),
            APIOperation(.post, "/v1/home/admin/briefing-refresh/{athlete_id}", id: "refreshBriefing", tag: "Home",
                         summary: "Queue a briefing refresh for an athlete (admins only)",
                         description: """
                            For a caller whose `role` is \(admins); anyone else gets 403. Queues the athlete's briefing job at \
                            trigger priority and answers at once (`coalesced` when one was already queued). Every call, \
                            accepted or refused, is written to the audit log.
                            """,
                         access: .bearer, parameters: [.path("athlete_id", .uuid, "The athlete whose briefing to refresh.")], responses: [
                            APIResponse(status: 202, description: "Queued.", schema: .ref("BriefingRefreshAccepted")),
                            .error(403, "The caller is not an admin.", codes: ["forbidden"]),
                            .error(404, "No such athlete (a malformed id is a 404 too, before the admin check).", codes: ["not_found"]),
                         ]),
        ]
    }

    /// The briefing fields, shared by `Home` and `HomeBriefing` (named by `BriefingView`'s coding keys).
    static var briefingProperties: [(String, JSONSchema)] {
        typealias Key = BriefingView.CodingKeys
        let keys: [Key] = [.coachBriefing, .briefingState, .briefingIsInterim, .briefingLastUpdatedAt, .briefingSource,
                           .briefingSourceModel, .fallbackReason]
        return keys.map { key in
            let schema: JSONSchema = switch key {
            case .coachBriefing: JSONSchema.ref("CoachBriefing").nullable
                .described("The briefing; null when there is none worth showing (missing, expired, or no consent).")
            case .briefingState: JSONSchema.string(oneOf: BriefingState.self).described("""
                `fresh`: written for the current data under \(Int(BriefingFreshness.freshFor / 60)) minutes ago. `stale`: \
                older, or written for other data. `refreshing`: a refresh is queued or running (the last briefing still \
                shows). `missing`: none, or older than \(Int(BriefingFreshness.staleUntil / 60)) minutes. \
                `consent_required`: the athlete has not turned on `ai_consent`.
                """)
            case .briefingIsInterim: JSONSchema.boolean.described("A stand-in written without a model, to be replaced (false when there is no briefing).")
            case .briefingLastUpdatedAt: JSONSchema.dateTime.nullable.described("When the briefing shown was written.")
            case .briefingSource: JSONSchema.string().with("enum", .strings(briefingSources)).nullable
                .described("`llm`: written by a model; `deterministic`: written from the data without one.")
            case .briefingSourceModel: JSONSchema.string().nullable.described("The model (or deterministic writer) that wrote it.")
            case .fallbackReason: JSONSchema.string().nullable
                .described("Why no model wrote it, e.g. `no_llm_configured`, `circuit_open`, `provider_timeout`; null for a model's briefing.")
            }
            return (key.rawValue, schema)
        }
    }

    /// `BriefingSource`'s values. It is not `CaseIterable`: the switch stops the build when a source is added.
    static let briefingSources: [String] = [BriefingSource.llm, .deterministic].map { source in
        switch source { case .llm, .deterministic: source.rawValue }
    }

    static var homeSchemas: [(String, JSONSchema)] {
        let metres = JSONSchema.number().with("minimum", 0)
        let otherSports = JSONSchema.string().with("enum", .strings(Sport.allCases.filter { $0 != .run }.map(\.rawValue)))
        let week = JSONSchema.integer(minimum: 1).nullable.described("The week of the plan (1 = the week of its start date).")
        return [
            ("Home", response([
                ("today", .ref("TodayWorkout")),
                ("yesterday", .ref("YesterdayInsight")),
                ("week", .ref("WeekProgress")),
                ("race_countdown", JSONSchema.ref("RaceCountdown").nullable.described("The active plan's goal race, unless it is past; null without an active plan.")),
                ("checkin_needed", JSONSchema.boolean.described("No check-in for today yet.")),
                ("today_checkin", JSONSchema.ref("TodayCheckin").nullable.described("Today's check-in, or null.")),
                ("last_run", JSONSchema.ref("LastRun").nullable.described("""
                    The latest run, if it started within the last \(Int(HomeBuilder.lastRunWindow / 3600)) hours.
                    """)),
                ("has_any_activities", .boolean),
                ("total_activities", JSONSchema.integer(minimum: 0).described("Activities of every sport, ever.")),
            ] + briefingProperties).described("The deterministic home payload and the briefing fields, in one object.")),
            ("HomeBriefing", response(briefingProperties)),
            ("CoachBriefing", response([
                ("morning_voice", .string()),
                ("coach_noticed", .string()),
                ("today_context", .string()),
                ("week_assessment", .string()),
                ("checkin_reaction", JSONSchema.string().nullable),
                ("race_assessment", JSONSchema.string().nullable),
                ("workout_why", JSONSchema.string().nullable),
            ]).described("The coach's briefing: one to three sentences per field.")),
            ("TodayWorkout", response([
                ("has_workout", JSONSchema.boolean.described("The active plan has a workout today; when false every other field is null.")),
                ("workout_id", JSONSchema.uuid.nullable),
                ("workout_type", JSONSchema.string(oneOf: WorkoutType.self).nullable),
                ("title", JSONSchema.string().nullable),
                ("distance_m", JSONSchema.number(Limits.Plan.targetDistanceM).nullable.described("The target distance, metres.")),
                ("pace_guidance", JSONSchema.string().nullable.described("The workout's coach notes, else its target pace range.")),
                ("why_context", JSONSchema.string().nullable.described("Why this workout: week of the plan, phase, purpose.")),
                ("why_source", JSONSchema.string().nullable.described("Where `why_context` comes from (`plan`).")),
                ("week_number", week),
                ("phase", JSONSchema.string(oneOf: TrainingPhase.self).nullable),
            ])),
            ("YesterdayInsight", response([
                ("has_activity", JSONSchema.boolean.described("""
                    There was a run yesterday: the `activity_*`, `distance_m`, `pace_s_per_km` and `insight` fields describe \
                    it. Otherwise the `last_activity_*` fields describe the latest run (all null without one).
                    """)),
                ("activity_name", JSONSchema.string().nullable.described("Yesterday's longest run.")),
                ("activity_id", JSONSchema.uuid.nullable),
                ("distance_m", metres.nullable.described("Yesterday's runs together, metres.")),
                ("pace_s_per_km", JSONSchema.number().with("minimum", 0).nullable.described("The longest run's pace, seconds per km (one decimal).")),
                ("insight", JSONSchema.string().nullable),
                ("last_activity_date", JSONSchema.date.nullable.described("The local day of the latest run.")),
                ("last_activity_name", JSONSchema.string().nullable),
                ("last_activity_id", JSONSchema.uuid.nullable),
                ("days_since_last", JSONSchema.integer().nullable.described("Local days from the latest run to today.")),
            ])),
            ("WeekProgress", response([
                ("week_number", week),
                ("total_weeks", JSONSchema.integer(Limits.Plan.totalWeeks).nullable),
                ("phase", JSONSchema.string(oneOf: TrainingPhase.self).nullable.described("The phase of the first workout this week that has one.")),
                ("completed_m", metres.described("Metres run this week (whole metres).")),
                ("planned_m", metres.described("Metres planned this week (whole metres); 0 without a plan.")),
                ("progress_pct", JSONSchema.number().with("minimum", 0).nullable.described("`completed_m` / `planned_m` in percent (one decimal); null when nothing is planned.")),
                ("days", JSONSchema.array(of: .ref("WeekDay")).with("minItems", 7).with("maxItems", 7).described("Monday to Sunday.")),
                ("status", JSONSchema.string(oneOf: WeekStatus.self).described("Done vs planned, for the share of the week that has passed.")),
                ("trajectory_sentence", .string()),
                ("other_sport_summary", JSONSchema.array(of: .ref("OtherSportSummary")).described("This week's other sports, one entry each, by sport name.")),
            ])),
            ("WeekDay", response([
                ("date", .date),
                ("day_abbrev", JSONSchema.string().described("The weekday's initial, Monday first.")),
                ("workout_type", JSONSchema.string(oneOf: WorkoutType.self).nullable.described("The plan's workout that day, if any.")),
                ("distance_m", metres.described("Metres run that day.")),
                ("planned_distance_m", JSONSchema.number(Limits.Plan.targetDistanceM).nullable),
                ("completed", JSONSchema.boolean.described("At least one run that day.")),
                ("is_today", .boolean),
                ("activity_id", JSONSchema.uuid.nullable.described("The day's longest run.")),
                ("workout_id", JSONSchema.uuid.nullable),
                ("run_count", JSONSchema.integer(minimum: 0)),
                ("other_activities", JSONSchema.array(of: .ref("OtherActivity")).described("The day's activities of other sports.")),
            ])),
            ("OtherActivity", response([
                ("activity_id", .uuid),
                ("sport", otherSports),
                ("distance_m", JSONSchema.number(Limits.Activity.distanceM).nullable),
                ("duration_s", JSONSchema.integer(Limits.Activity.timeS).nullable),
                ("name", .string()),
            ])),
            ("OtherSportSummary", response([
                ("sport", otherSports),
                ("count", JSONSchema.integer(minimum: 1)),
                ("distance_m", metres),
                ("duration_s", JSONSchema.integer(minimum: 0).described("Elapsed (else moving) seconds together.")),
            ])),
            ("RaceCountdown", response([
                ("race_name", JSONSchema.string().described("The goal race's name, else the plan's.")),
                ("race_date", .date),
                ("days_remaining", JSONSchema.integer(minimum: 0).described("Local days until race day (0 on the day).")),
                ("distance_m", JSONSchema.number(Limits.Plan.raceDistanceM)),
                ("goal_time", JSONSchema.string().nullable.described("`H:MM:SS`.")),
                ("goal_pace", JSONSchema.string().nullable.described("The goal time's pace in the athlete's units, e.g. `4:58/km`.")),
            ])),
            ("TodayCheckin", response([
                ("readiness_label", JSONSchema.string().nullable),
                ("sleep_label", JSONSchema.string().nullable.described("From the sleep quality, else from the hours slept.")),
                ("sleep_h", JSONSchema.number(Limits.Checkin.sleepH).nullable),
                ("soreness_label", JSONSchema.string().nullable),
            ])),
            ("LastRun", response([
                ("activity_id", .uuid),
                ("name", .string()),
                ("start_time", .dateTime),
                ("distance_m", JSONSchema.number(Limits.Activity.distanceM).nullable),
                ("moving_time_s", JSONSchema.integer(Limits.Activity.timeS).nullable),
                ("average_hr", JSONSchema.integer(Limits.Activity.heartRate).nullable),
                ("pace_per_km", JSONSchema.string().nullable.described("In the athlete's units, e.g. `5:10/km` or `8:19/mi`.")),
            ])),
            ("BriefingRefreshAccepted", response([
                ("status", JSONSchema.string().with("enum", .strings([BriefingService.EnqueueOutcome.enqueued, .coalesced].map(\.rawValue)))
                    .described("`coalesced`: a refresh was already queued, and this one joined it.")),
                ("athlete_id", .uuid),
            ])),
        ]
    }
}
