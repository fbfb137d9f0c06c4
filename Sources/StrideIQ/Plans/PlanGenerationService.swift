import Fluent
import Foundation
import StrideIQCore

/// Builds a plan to a goal race with `PlanBuilder` from the request and the athlete's recent runs, and saves it
/// as a normal active plan (one transaction with its workouts and the briefing trigger).
struct PlanGenerationService: Sendable {
    let trigger: BriefingTrigger

    /// Weeks of runs the current weekly volume is averaged over, when the request does not give it.
    static let volumeWeeks = 8
    /// Weeks of runs searched for the best effort, when there is no goal time.
    static let fitnessWeeks = 12
    /// The shortest run that says something about race fitness.
    static let fitnessMinDistanceM = 3_000.0
    /// VDOTs outside this range are not believed (a GPS glitch, a mislabelled ride).
    static let plausibleVDOT = 20.0...85.0
    /// A new athlete with no runs starts from this weekly volume.
    static let conservativeWeeklyM = 15_000.0

    /// What a generate request computes: the plan as built and the facts it was built from.
    struct Computation: Sendable {
        let body: PlanGenerationBody
        let request: PlanRequest
        let plan: GeneratedPlan
        let source: FitnessSource
        let notes: [String]
    }

    // MARK: compute

    /// Validates the request against the athlete's today, fills the volume and fitness from the athlete's runs
    /// where the body leaves them out, and runs the builder. 422 for any refused input (`plan_too_short` when
    /// the race is too close for its distance).
    func compute(_ body: PlanGenerationBody, athlete: Athlete, now: Date, on db: any Database) async throws -> Computation {
        let zone = athlete.timeZone
        let today = LocalDate(now, in: zone)
        // `validate` has checked the shape; these are present and well-formed.
        guard let raceDate = body.raceDay, let distanceM = body.distanceM, let daysPerWeek = body.daysPerWeek,
            let longRunWeekday = body.longRunWeekday
        else { throw APIError.validation(field: "body", "is incomplete") }
        var v = FieldValidator()
        v.check(raceDate > today, "race_date", "must be after today (\(today) in \(athlete.timezone))")
        let latest = today.adding(days: PlanGenerationBody.Bounds.maxWeeksAhead * 7)
        v.check(raceDate <= latest, "race_date", "must be within \(PlanGenerationBody.Bounds.maxWeeksAhead) weeks (by \(latest))")
        if let goal = body.goalTimeSeconds {
            let vdot = RunningFitness.vdot(distanceM: distanceM, timeS: Double(goal))
            v.check(
                vdot <= Self.plausibleVDOT.upperBound, "goal_time_seconds",
                "is faster than the pace tables reach (VDOT \(String(format: "%.1f", vdot)), above \(Int(Self.plausibleVDOT.upperBound)))")
        }
        try v.throwIfInvalid()

        let runs = try await recentRuns(athleteID: athlete.requireID(), today: today, zone: zone, on: db)
        var notes: [String] = []

        let currentWeeklyM: Double
        if let given = body.currentWeeklyDistanceM {
            currentWeeklyM = given
        } else {
            let since = today.adding(days: -Self.volumeWeeks * 7).start(in: zone)
            let until = today.start(in: zone)
            let total = runs.filter { $0.start >= since && $0.start < until }.reduce(0) { $0 + $1.distanceM }
            if total > 0 {
                currentWeeklyM = total / Double(Self.volumeWeeks)
                notes.append(
                    "Your current volume, \(Self.kilometres(currentWeeklyM)) a week, is the average of your runs over the last "
                        + "\(Self.volumeWeeks) weeks.")
            } else {
                currentWeeklyM = Self.conservativeWeeklyM
                notes.append(
                    "No runs in the last \(Self.volumeWeeks) weeks, so the plan starts from a conservative "
                        + "\(Self.kilometres(currentWeeklyM)) a week.")
            }
        }

        var vdot: Double?
        if body.goalTimeSeconds == nil, let best = Self.bestEffort(runs) {
            vdot = best.vdot
            notes.append(
                "Paces come from your best recent run: \(Self.kilometres(best.run.distanceM)) in \(Self.clock(best.timeS)) "
                    + "on \(best.run.day) (VDOT \(String(format: "%.1f", best.vdot))).")
        }

        let request = PlanRequest(
            raceName: body.raceName, raceDate: raceDate, raceDistanceM: distanceM, goalTimeS: body.goalTimeSeconds,
            daysPerWeek: daysPerWeek, longRunWeekday: longRunWeekday,
            unavailableWeekdays: Set((body.unavailableDays ?? []).compactMap { PlanGenerationBody.weekdays.firstIndex(of: $0) }),
            currentWeeklyM: currentWeeklyM, peakWeeklyM: body.peakWeeklyDistanceMaxM, minPeakWeeklyM: body.peakWeeklyDistanceMinM,
            vdot: vdot, today: today)
        let plan: GeneratedPlan
        do {
            plan = try PlanBuilder.generate(request)
        } catch {
            throw Self.apiError(error, body: body)
        }
        let source: FitnessSource =
            switch plan.vdotSource {
            case "goal_time": .goalTime
            case "athlete": .recentRun
            default: .standard
            }
        return Computation(body: body, request: request, plan: plan, source: source, notes: notes + plan.notes)
    }

    /// The builder's refusals as 422s: `plan_too_short` with the minimum stated, or a validation error on the field.
    static func apiError(_ error: PlanBuilderError, body: PlanGenerationBody) -> APIError {
        switch error {
        case .tooShort(let minimumWeeks, let availableWeeks):
            let detail =
                "\(planLabel(body)) needs at least \(minimumWeeks) weeks; the race is in \(availableWeeks)."
            return APIError(
                .unprocessableEntity, code: .planTooShort, detail: detail,
                errors: [FieldError(field: "race_date", message: detail)])
        case .invalid(let field, let message):
            return APIError.validation(field: requestFields[field] ?? field, message)
        }
    }

    /// The builder's field names → the request's (the builder's messages name the same input).
    static let requestFields = [
        "long_run_weekday": "long_run_day", "unavailable_weekdays": "unavailable_days", "goal_time_s": "goal_time_seconds",
        "current_weekly_m": "current_weekly_distance_m", "peak_weekly_m": "peak_weekly_distance_max_m",
        "min_peak_weekly_m": "peak_weekly_distance_min_m",
    ]

    /// "A half marathon plan", "A 10 km plan", "An 8 km plan".
    static func planLabel(_ body: PlanGenerationBody) -> String {
        let named = [
            "5k": "A 5 km plan", "10k": "A 10 km plan", "10_mile": "A 10 mile plan",
            "half_marathon": "A half marathon plan", "marathon": "A marathon plan",
        ]
        if let name = body.raceDistance, let label = named[name] { return label }
        let km = (body.raceDistanceM ?? 0) / 1000
        let number = km.rounded() == km ? String(Int(km)) : String(format: "%.1f", km)
        let integer = number.split(separator: ".")[0]
        let vowel = integer.hasPrefix("8") || integer == "11" || integer == "18"
        return "\(vowel ? "An" : "A") \(number) km plan"
    }

    // MARK: save

    /// Saves the plan (`active`) and its workouts, and enqueues the briefing refresh, in one transaction. 409
    /// `active_plan_exists` when the athlete already has an active plan (nothing is written).
    func save(_ c: Computation, athlete: Athlete, on db: any Database) async throws -> (TrainingPlan, [PlannedWorkout]) {
        let athleteID = try athlete.requireID()
        let generated = c.plan
        let plan = TrainingPlan()
        plan.$athlete.id = athleteID
        plan.name = String(generated.name.unicodeScalars.prefix(Limits.Plan.name.upperBound))
        plan.status = .active
        plan.goalRaceName = c.body.raceName
        plan.goalRaceDate = generated.raceDate.description
        plan.goalRaceDistanceM = generated.raceDistanceM
        plan.goalTimeSeconds = generated.goalTimeS
        plan.planStartDate = generated.startDate.description
        plan.planEndDate = generated.endDate.description
        plan.totalWeeks = generated.weeks.count
        let trigger = trigger
        let conflict = APIError(
            .conflict, code: .activePlanExists, detail: "Another plan is already active; complete or cancel it first")
        do {
            return try await db.write(athlete: athleteID) { db in
                let active = try await TrainingPlan.query(on: db)
                    .filter(\.$athlete.$id == athleteID).filter(\.$status == .active).count()
                if active > 0 { throw conflict }
                try await plan.save(on: db)
                let planID = try plan.requireID()
                let workouts = generated.weeks.flatMap { week in
                    week.workouts.map { Self.row($0, week: week.number, planID: planID, athleteID: athleteID) }
                }
                if !workouts.isEmpty { try await workouts.create(on: db) }
                try await trigger.fire("plan_changed", athlete: athlete, on: db)
                return (plan, workouts)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw conflict
        }
    }

    private static func row(_ w: GeneratedWorkout, week: Int, planID: UUID, athleteID: UUID) -> PlannedWorkout {
        let row = PlannedWorkout()
        row.$plan.id = planID
        row.$athlete.id = athleteID
        row.scheduledDate = w.date.description
        row.weekNumber = week
        row.workoutType = w.type
        row.title = String(w.title.unicodeScalars.prefix(Limits.Plan.title.upperBound))
        row.workoutDescription = String(w.why.unicodeScalars.prefix(Limits.Plan.text.upperBound))
        row.phase = w.phase
        row.targetDistanceM = w.distanceM.map { $0.rounded() }
        row.targetDurationS = w.durationS
        row.targetPaceMinSPerKm = w.pace?.fastSPerKm
        row.targetPaceMaxSPerKm = w.pace?.slowSPerKm
        return row
    }

    // MARK: the athlete's runs

    struct Run: Sendable, Equatable {
        let start: Date
        let day: LocalDate
        let distanceM: Double
        /// Moving time, else elapsed; nil when neither was recorded.
        let timeS: Double?
    }

    /// The athlete's `run` activities with a distance, over the longer of the two look-back windows (whole local
    /// days in the athlete's zone, and today so far: today counts for fitness, not for the weekly average).
    func recentRuns(athleteID: UUID, today: LocalDate, zone: TimeZone, on db: any Database) async throws -> [Run] {
        let weeks = max(Self.volumeWeeks, Self.fitnessWeeks)
        let rows = try await Activity.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$sport == .run)
            .filter(\.$startTime >= today.adding(days: -weeks * 7).start(in: zone))
            .filter(\.$startTime < today.adding(days: 1).start(in: zone))
            .all()
        return rows.compactMap { row in
            guard let distance = row.distanceM, distance > 0 else { return nil }
            let time = (row.movingTimeS ?? row.durationS).flatMap { $0 > 0 ? Double($0) : nil }
            return Run(start: row.startTime, day: LocalDate(row.startTime, in: zone), distanceM: distance, timeS: time)
        }
    }

    /// The run of at least 3 km in the fitness window with the highest plausible VDOT.
    static func bestEffort(_ runs: [Run]) -> (run: Run, timeS: Double, vdot: Double)? {
        var best: (run: Run, timeS: Double, vdot: Double)?
        for run in runs where run.distanceM >= fitnessMinDistanceM {
            guard let time = run.timeS else { continue }
            let vdot = RunningFitness.vdot(distanceM: run.distanceM, timeS: time)
            guard plausibleVDOT.contains(vdot) else { continue }
            if best == nil || vdot > best!.vdot { best = (run, time, vdot) }
        }
        return best
    }

    // MARK: formatting

    static func kilometres(_ metres: Double) -> String {
        String(format: "%.1f km", metres / 1000)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
