import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var planGenerationOperations: [APIOperation] {
        let tooShort = APIResponse.error(
            422,
            "The race is too close for a plan of its distance: `detail` states the minimum number of weeks and `errors` names `race_date`.",
            codes: [.planTooShort])
        let built = """
            The plan is built by the plan builder: base, build, peak and taper phases sized to the weeks up to the race; \
            weekly volume from the current volume, rising at most about 10 % a week with a recovery week every 3rd or \
            4th week and a taper before the race; a long run on `long_run_day`, quality sessions by phase, never two \
            hard days in a row, nothing on `unavailable_days`, and the race as a `race` workout on `race_date`. Paces \
            come from a fitness number (VDOT): from `goal_time_seconds` when given, else from the athlete's best run of \
            at least 3 km in the last 12 weeks, else a conservative default (`fitness.source` says which). Without \
            `current_weekly_distance_m`, the current volume is the athlete's average weekly `run` distance over the last \
            8 weeks (a conservative start, noted, when there are none).
            """
        return [
            APIOperation(
                method: .post, path: "/v1/plans/generate", id: "generatePlan", tag: "Plans",
                summary: "Build a plan to a goal race and save it as the active plan",
                description: built + """
                     The plan is saved as a normal `active` plan with one workout per generated session (`description` \
                    is the session's why), editable with the plan and workout operations.
                    """,
                access: .bearer, body: .json(.ref("PlanGenerateRequest")),
                responses: [
                    APIResponse.created(.ref("PlanGeneration"), "The plan as built, with the saved plan (`plan_id`, `plan`).")
                        .with(links: [
                            APILink("GetGeneratedPlan", to: "getPlan", [("plan_id", "$response.body#/plan_id")]),
                            APILink("UpdateGeneratedPlan", to: "updatePlan", [("plan_id", "$response.body#/plan_id")]),
                        ]),
                    .conflict("Another plan is already active; complete or cancel it first.", code: .activePlanExists),
                    tooShort,
                ]),
            APIOperation(
                method: .post, path: "/v1/plans/generate/preview", id: "previewGeneratedPlan", tag: "Plans",
                summary: "Build a plan to a goal race without saving it",
                description: built + " Nothing is saved: `plan_id` and `plan` are null.",
                access: .bearer, body: .json(.ref("PlanGenerateRequest")),
                responses: [
                    .ok(.ref("PlanGeneration"), "The plan as built (`plan_id` and `plan` null)."),
                    tooShort,
                ]),
        ]
    }

    static var planGenerationSchemas: [(String, JSONSchema)] {
        let bounds = PlanGenerationBody.Bounds.self
        let weekday = JSONSchema.strings(PlanGenerationBody.weekdays)
        let field = { (key: PlanGenerationBody.CodingKeys) -> JSONSchema in
            switch key {
            case .raceName: .string(length: Limits.Plan.raceName)
            case .raceDate:
                JSONSchema.date.described("The race day: after the athlete's local today, within \(bounds.maxWeeksAhead) weeks.")
            case .raceDistance:
                JSONSchema.strings(PlanGenerationBody.presetNames)
                    .described("A standard distance; send this or `race_distance_m`, not both.")
            case .raceDistanceM:
                JSONSchema.number(bounds.raceDistanceM).described("Any race distance, metres; send this or `race_distance`, not both.")
            case .goalTimeSeconds:
                JSONSchema.integer(Limits.Plan.goalTimeS).described("The goal finishing time, seconds; sets the training paces.")
            case .daysPerWeek: JSONSchema.integer(bounds.daysPerWeek).described("Running days per week.")
            case .longRunDay: weekday.described("The day of the long run.")
            case .unavailableDays:
                JSONSchema.array(of: weekday)
                    .described("Days that are never available: not the long-run day, leaving at least `days_per_week` days.")
            case .currentWeeklyDistanceM:
                JSONSchema.number(bounds.weeklyDistanceM)
                    .described("Recent weekly volume, metres; by default the average of the last 8 weeks of runs.")
            case .peakWeeklyDistanceMinM:
                JSONSchema.number(bounds.peakWeeklyDistanceM).described("The least the peak week should reach, metres.")
            case .peakWeeklyDistanceMaxM:
                JSONSchema.number(bounds.peakWeeklyDistanceM)
                    .described("The most the peak week may reach, metres; at least `peak_weekly_distance_min_m`.")
            }
        }
        return [
            ("PlanGenerateRequest", .requestBody(PlanGenerationBody.self, required: [.raceDate, .daysPerWeek, .longRunDay], field)),
            PlanGenerationDTO.component,
            GeneratedWorkoutDTO.component,
        ]
    }
}

extension PlanGenerationDTO: DocumentedResponse {
    static let schemaName = "PlanGeneration"
    static var schemaDescription: String? {
        "A generated plan: the race, the fitness and paces it was built from, and its weeks of workouts."
    }

    static var openAPIExample: Self {
        let race = LocalDate("2027-03-21")!
        let pace = { (fast: Int, slow: Int) in Pace(fastSPerKm: fast, slowSPerKm: slow) }
        let threshold = GeneratedWorkoutDTO.openAPIExample
        let long = GeneratedWorkoutDTO(
            date: LocalDate("2026-12-06")!, workoutType: .long, title: "Long run 14 km",
            why: "Time on feet at an easy effort builds the endurance the half marathon needs.", distanceM: 14_000,
            durationS: 5_320, paceFastSPerKm: 360, paceSlowSPerKm: 400, phase: .build)
        return PlanGenerationDTO(
            planID: OpenAPIExample.id(30),
            plan: OpenAPIExample.decoded(
                """
                {"id": "\(OpenAPIExample.id(30))", "name": "City Half", "status": "active", "goal_race_name": "City Half",
                 "goal_race_date": "2027-03-21", "goal_race_distance_m": 21097.5, "goal_time_seconds": 6300,
                 "plan_start_date": "2026-11-30", "plan_end_date": "2027-03-21", "total_weeks": 16,
                 "workouts": [{"id": "\(OpenAPIExample.id(31))", "plan_id": "\(OpenAPIExample.id(30))",
                   "scheduled_date": "2026-12-03", "week_number": 1, "workout_type": "threshold", "title": "Threshold 3 × 8 min",
                   "description": "\(threshold.why)", "phase": "build", "target_distance_m": 9000, "target_duration_s": 2880,
                   "target_pace_min_s_per_km": 280, "target_pace_max_s_per_km": 288, "coach_notes": "Relax the shoulders."}],
                 "created_at": "2026-11-29T07:30:00Z", "updated_at": "2026-11-29T07:30:00Z"}
                """),
            race: Race(name: "City Half", date: race, distanceM: 21_097.5, goalTimeSeconds: 6_300),
            fitness: Fitness(
                vdot: 47.3, source: .goalTime,
                paces: Paces(
                    easy: pace(335, 370), long: pace(335, 370), recovery: pace(370, 400), marathon: pace(297, 303),
                    threshold: pace(280, 288), interval: pace(256, 262), repetition: pace(238, 244))),
            currentWeeklyDistanceM: 35_000,
            weeks: [
                Week(
                    week: 1, startDate: LocalDate("2026-11-30")!, phase: .build, isRecovery: false, volumeM: 36_000, longRunM: 14_000,
                    workouts: [threshold, long])
            ],
            notes: ["Your current volume, 35.0 km a week, is the average of your runs over the last 8 weeks."])
    }

    static var fieldSchemas: [String: JSONSchema] {
        [
            "plan_id": .described("The saved plan's id; null for a preview."),
            "plan": .described("The saved plan with its workouts (as `GET /v1/plans/{plan_id}` shows it); null for a preview."),
            "current_weekly_distance_m": .described(
                "The weekly volume the plan starts from, metres (given, from recent runs, or the default)."),
            "weeks": .described("Monday-to-Sunday weeks from the plan's start to the race week, each with its workouts in date order."),
            "notes": .described("What people should know about how the plan was built (defaults used, adjustments made)."),
        ]
    }
}

extension GeneratedWorkoutDTO: DocumentedResponse {
    static let schemaName = "GeneratedWorkout"
    static var schemaDescription: String? {
        "One generated session: what, when, how far or how long, at what pace range (s/km, null for none), and why."
    }

    static var openAPIExample: Self {
        GeneratedWorkoutDTO(
            date: LocalDate("2026-12-03")!, workoutType: .threshold, title: "Threshold 3 × 8 min",
            why: "Comfortably hard running at threshold raises the pace you can hold for the whole race.", distanceM: 9_000,
            durationS: 2_880, paceFastSPerKm: 280, paceSlowSPerKm: 288, phase: .build)
    }
}
