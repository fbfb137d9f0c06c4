import Fluent
import Foundation
import StrideIQCore

/// Loads `CoachContextInput` with a fixed handful of queries (runs in the window, active plan, its workouts
/// this week, the next workout, recent check-ins, the stored analytics document) — never one query per day.
enum CoachContextLoader {
    /// More runs than this in 8 weeks are not read (the prompt would drop them anyway).
    static let maxRuns = 400

    static func load(
        athlete: Athlete, now: Date, runDays: Int = CoachContextBuilder.defaultRunDays,
        on db: any Database
    ) async throws -> CoachContextInput {
        let athleteID = athlete.id!
        let zone = athlete.timeZone
        let today = LocalDate(now, in: zone)
        let window = HomeWindow(now: now, timeZone: zone)
        let since = CoachContextBuilder.runsSince(now: now, timeZone: zone, runDays: runDays)
        let firstCheckin = today.adding(days: -(CoachContextBuilder.checkinDays - 1))

        async let runRows = Activity.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$sport == .run)
            .filter(\.$startTime >= since)
            .filter(\.$startTime < today.adding(days: 1).start(in: zone))
            .sort(\.$startTime, .descending).limit(maxRuns)
            .all()
        async let planRow = TrainingPlan.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$status == .active)
            .sort(\.$goalRaceDate, .descending).first()
        async let checkinRows = DailyCheckin.query(on: db)
            .filter(\.$athlete.$id == athleteID)
            .filter(\.$date >= firstCheckin.description).filter(\.$date <= today.description)
            .sort(\.$date).all()
        async let analytics = AnalyticsStore.readable(athleteID: athleteID, on: db)

        let plan = try await planRow
        var week: [PlannedWorkout] = []
        var next: PlannedWorkout?
        if let planID = plan?.id {
            async let weekRows = PlannedWorkout.query(on: db)
                .filter(\.$plan.$id == planID)
                .filter(\.$scheduledDate >= window.monday.description)
                .filter(\.$scheduledDate <= window.sunday.description)
                .all()
            async let nextRow = PlannedWorkout.query(on: db)
                .filter(\.$plan.$id == planID)
                .filter(\.$scheduledDate > today.description)
                .filter(\.$workoutType != .rest)
                .sort(\.$scheduledDate).first()
            week = try await weekRows
            next = try await nextRow
        }
        return CoachContextInput(
            now: now, timeZone: zone, units: athlete.units, displayName: athlete.displayName,
            runs: try await runRows.reversed().map(\.fact),
            plan: plan.flatMap(\.fact),
            weekWorkouts: week.compactMap(\.fact),
            nextWorkout: next?.fact,
            checkins: try await checkinRows.compactMap { row in
                LocalDate(row.date).map {
                    CoachCheckinFact(
                        date: $0, sleepH: row.sleepH, sleepQuality: row.sleepQuality, readiness: row.readiness,
                        soreness: row.soreness, stress: row.stress, rpe: row.rpe, notes: row.notes)
                }
            },
            analytics: try await analytics)
    }
}

/// Prompts drawn from the athlete's own data: this week's running, the next workout, the race, the last
/// run, how they feel today. Generic starters only when there is nothing to draw from.
enum CoachSuggestions {
    struct Suggestion: Codable, Sendable, Equatable {
        let title: String
        let description: String
        let prompt: String
    }

    static let maxCount = 5

    static func build(_ input: CoachContextInput) -> [Suggestion] {
        let zone = input.timeZone
        let format = Format(units: input.units)
        let today = LocalDate(input.now, in: zone)
        let monday = today.adding(days: -today.weekdayIndexFromMonday)
        var out: [Suggestion] = []

        let weekRuns = input.runs.filter { LocalDate($0.startTime, in: zone) >= monday && LocalDate($0.startTime, in: zone) <= today }
        let weekDistance = weekRuns.compactMap(\.distanceM).reduce(0, +)
        let planned = input.weekWorkouts.compactMap(\.distanceM).reduce(0, +)
        if !weekRuns.isEmpty || planned > 0 {
            let done = format.distance(weekDistance)
            let description =
                planned > 0
                ? "\(done) of \(format.distance(planned)) planned, \(weekRuns.count) run\(weekRuns.count == 1 ? "" : "s") so far."
                : "\(done) in \(weekRuns.count) run\(weekRuns.count == 1 ? "" : "s") so far."
            let prompt =
                planned > 0
                ? "I've run \(done) of the \(format.distance(planned)) planned this week. Am I on track, and how should I handle the rest of the week?"
                : "I've run \(done) in \(weekRuns.count) run\(weekRuns.count == 1 ? "" : "s") this week. How is my week looking?"
            out.append(Suggestion(title: "How is my week going?", description: description, prompt: prompt))
        }

        let picture = TrainingPicture(analytics: input.analytics, today: today)
        if let load = picture.load {
            let (verdict, reasons) = LoadReading.verdict(load)
            if verdict != .fine, let first = reasons.first {
                out.append(
                    Suggestion(
                        title: "Am I doing too much?", description: first.prefix(1).uppercased() + first.dropFirst() + ".",
                        prompt: "Am I doing too much?"))
            }
        }

        if let todays = input.weekWorkouts.first(where: { $0.date == today && $0.type != .rest }) {
            let text = CoachContextBuilder.workoutText(todays, format: format)
            out.append(
                Suggestion(
                    title: "Today's workout", description: text,
                    prompt: "Today's workout is \(text). How should I approach it?"))
        } else if let next = input.nextWorkout {
            let text = CoachContextBuilder.workoutText(next, format: format)
            let when = next.date == today.adding(days: 1) ? "tomorrow" : "on \(CoachContextBuilder.weekday(next.date)) \(next.date)"
            out.append(
                Suggestion(
                    title: "Prepare for the next workout", description: "\(text), \(when).",
                    prompt: "My next workout is \(text) \(when). How should I prepare and pace it?"))
        }

        if let plan = input.plan {
            let days = today.days(until: plan.raceDate)
            if days >= 0 {
                let name = CoachContextBuilder.clip(plan.raceName ?? plan.name, CoachContextBuilder.maxNameChars)
                let goal = plan.goalTimeS.map { " with a goal of \(Format.duration($0))" } ?? ""
                out.append(
                    Suggestion(
                        title: "\(name) in \(days) day\(days == 1 ? "" : "s")",
                        description: "\(format.distance(plan.raceDistanceM)) on \(plan.raceDate)\(goal).",
                        prompt:
                            "My race, \(name), is in \(days) day\(days == 1 ? "" : "s")\(goal). What should I focus on between now and race day?"
                    ))
            }
        }

        if let last = input.runs.last {
            let line = CoachContextBuilder.runLine(last, zone: zone, format: format)
            out.append(
                Suggestion(
                    title: "Review my last run", description: line,
                    prompt: "My last run was \(line). What does it tell you about my fitness?"))
        }

        if let checkin = input.checkins.first(where: { $0.date == today }),
            (checkin.readiness ?? 5) <= 2 || (checkin.soreness ?? 1) >= 4 || (checkin.sleepH ?? 8) < 6
        {
            let text = CoachContextBuilder.checkinText(checkin)
            out.append(
                Suggestion(
                    title: "Not feeling 100%?", description: "Today's check-in: \(text).",
                    prompt: "Today's check-in: \(text). Should I change today's training?"))
        }

        if let fitness = picture.fitness {
            let name = CoachSentences.distanceName(input.plan?.raceDistanceM ?? 10_000)
            let race = name.hasSuffix("marathon") ? "a \(name)" : "a \(name) race"
            out.append(
                Suggestion(
                    title: "What can I run \(race) in?",
                    description: String(format: "From your fitness level (VDOT %.1f) and Riegel.", fitness.vdot),
                    prompt: "What can I run \(race) in?"))
        }

        if out.isEmpty {
            out = [
                Suggestion(
                    title: "Getting started", description: "No runs or plan recorded yet.",
                    prompt: "I'm just getting started. How should I structure my first weeks of running?"),
                Suggestion(
                    title: "Easy pace", description: "What easy running should feel like.",
                    prompt: "How do I know if I'm running my easy runs easy enough?"),
            ]
        }
        return Array(out.prefix(maxCount))
    }
}
