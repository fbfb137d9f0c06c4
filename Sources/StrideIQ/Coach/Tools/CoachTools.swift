import Fluent
import Foundation
import LLM
import StrideIQCore

/// The coach's tools: each read-only, each reading only the turn's athlete (`CoachToolContext.athleteID`).
/// Distances and paces come in the athlete's units, with the metric figure beside them where the original's
/// tools gave both.
enum CoachTools {
    static var standard: [CoachTool] {
        [
            recentRuns, searchActivities, CoachAnalyticsTools.trainingLoad, CoachAnalyticsTools.trainingPaces,
            CoachAnalyticsTools.racePredictions, planWeek, CoachAnalyticsTools.efficiencyTrend,
            CoachAnalyticsTools.personalRecords, wellnessTrends, RunningMath.tool,
        ]
    }

    /// Most rows any tool lists (totals still count every row in the window).
    static let maxListed = 60
    /// Most activities a search reads before filtering by name.
    static let maxScanned = 5_000

    static let metersPerMile = 1609.344

    // MARK: get_recent_runs

    static let recentRuns = CoachTool(
        "get_recent_runs",
        "The athlete's runs of the last `days` days (default 14, at most 730), newest first, with totals.",
        properties: ["days": ["type": "integer", "minimum": 1, "maximum": 730, "default": 14]]
    ) { arguments, context in
        let days = try arguments.int("days", default: 14, range: 1...730)
        let db = context.database()
        let since = context.today.adding(days: -(days - 1)).start(in: context.timeZone)
        let until = context.today.adding(days: 1).start(in: context.timeZone)
        let rows = try await Activity.query(on: db)
            .filter(\.$athlete.$id == context.athleteID).filter(\.$sport == .run)
            .filter(\.$startTime >= since).filter(\.$startTime < until)
            .sort(\.$startTime, .descending).limit(maxScanned)
            .all()
        let distance = rows.compactMap(\.distanceM).reduce(0, +)
        let seconds = rows.compactMap { $0.movingTimeS ?? $0.durationS }.reduce(0, +)
        return [
            "preferred_units": .string(context.units.rawValue),
            "window_days": .number(Double(days)),
            "run_count": .number(Double(rows.count)),
            "total_distance_km": round(distance / 1000, 2),
            "total_distance_mi": round(distance / metersPerMile, 2),
            "total_duration_min": round(Double(seconds) / 60, 1),
            "runs": .array(rows.prefix(maxListed).map { activityJSON($0, context) }),
            "runs_listed": .number(Double(min(rows.count, maxListed))),
        ]
    }

    // MARK: search_activities

    static let searchActivities = CoachTool(
        "search_activities",
        "Find the athlete's activities by date range, name, sport, race flag and distance; newest first.",
        properties: [
            "start_date": ["type": "string", "format": "date", "description": "YYYY-MM-DD, inclusive"],
            "end_date": ["type": "string", "format": "date", "description": "YYYY-MM-DD, inclusive"],
            "name_contains": ["type": "string", "maxLength": 100],
            "sport": ["type": "string", "enum": .array((Sport.allCases.map(\.rawValue) + ["any"]).map { .string($0) }), "default": "run"],
            "race_only": ["type": "boolean", "default": false],
            "distance_min_m": ["type": "number", "minimum": 0],
            "distance_max_m": ["type": "number", "minimum": 0],
            "limit": ["type": "integer", "minimum": 1, "maximum": 50, "default": 10],
        ]
    ) { arguments, context in
        let start = try arguments.date("start_date")
        let end = try arguments.date("end_date")
        let name = try arguments.string("name_contains", maxLength: 100)
        let sportName = try arguments.string("sport", maxLength: 20) ?? "run"
        let sport: Sport?
        if sportName.lowercased() == "any" || sportName.lowercased() == "all" {
            sport = nil
        } else if let known = Sport(rawValue: sportName.lowercased()) {
            sport = known
        } else {
            throw ToolArguments.Invalid(message: "sport must be one of \(Sport.allCases.map(\.rawValue).joined(separator: ", ")) or any")
        }
        let raceOnly = try arguments.bool("race_only") ?? false
        let minDistance = try arguments.number("distance_min_m")
        let maxDistance = try arguments.number("distance_max_m")
        let limit = try arguments.int("limit", default: 10, range: 1...50)
        if let start, let end, start > end {
            throw ToolArguments.Invalid(message: "start_date must not be after end_date")
        }

        var query = Activity.query(on: context.database()).filter(\.$athlete.$id == context.athleteID)
        if let sport { query = query.filter(\.$sport == sport) }
        if let start { query = query.filter(\.$startTime >= start.start(in: context.timeZone)) }
        if let end { query = query.filter(\.$startTime < end.adding(days: 1).start(in: context.timeZone)) }
        if raceOnly { query = query.filter(\.$isRace == true) }
        if let minDistance { query = query.filter(\.$distanceM >= minDistance) }
        if let maxDistance { query = query.filter(\.$distanceM <= maxDistance) }
        let rows = try await query.sort(\.$startTime, .descending).limit(maxScanned).all()
        let matches = name.map { needle in rows.filter { $0.name.localizedCaseInsensitiveContains(needle) } } ?? rows

        var criteria: [String: JSONValue] = [
            "sport": .string(sport?.rawValue ?? "any"), "race_only": .bool(raceOnly), "limit": .number(Double(limit)),
        ]
        if let start { criteria["start_date"] = .string(start.description) }
        if let end { criteria["end_date"] = .string(end.description) }
        if let name { criteria["name_contains"] = .string(name) }
        if let minDistance { criteria["distance_min_m"] = .number(minDistance) }
        if let maxDistance { criteria["distance_max_m"] = .number(maxDistance) }
        return [
            "preferred_units": .string(context.units.rawValue),
            "match_count": .number(Double(matches.count)),
            "activities": .array(matches.prefix(limit).map { activityJSON($0, context) }),
            "search_criteria": .object(criteria),
        ]
    }

    // MARK: get_plan_week

    static let planWeek = CoachTool(
        "get_plan_week", "This week's (Monday to Sunday) planned workouts of the athlete's active plan."
    ) { _, context in
        let db = context.database()
        let today = context.today
        let monday = today.adding(days: -today.weekdayIndexFromMonday)
        let sunday = monday.adding(days: 6)
        var data: [String: JSONValue] = [
            "week_start": .string(monday.description), "week_end": .string(sunday.description),
            "today": .string(today.description), "preferred_units": .string(context.units.rawValue),
        ]
        guard
            let plan = try await TrainingPlan.query(on: db)
                .filter(\.$athlete.$id == context.athleteID).filter(\.$status == .active)
                .sort(\.$goalRaceDate, .descending).first(),
            let planID = plan.id
        else {
            data["plan"] = .null
            data["workouts"] = []
            data["message"] = "The athlete has no active training plan."
            return .object(data)
        }
        let workouts = try await PlannedWorkout.query(on: db)
            .filter(\.$plan.$id == planID).filter(\.$athlete.$id == context.athleteID)
            .filter(\.$scheduledDate >= monday.description).filter(\.$scheduledDate <= sunday.description)
            .sort(\.$scheduledDate).all()
        var planJSON: [String: JSONValue] = [
            "id": .string(planID.uuidString), "name": .string(plan.name), "goal_race_date": .string(plan.goalRaceDate),
            "goal_race_distance": .string(context.format.shortDistance(plan.goalRaceDistanceM)),
            "goal_race_distance_m": .number(plan.goalRaceDistanceM),
        ]
        if let race = plan.goalRaceName { planJSON["goal_race_name"] = .string(race) }
        if let goal = plan.goalTimeSeconds {
            planJSON["goal_time"] = .string(Format.duration(goal))
            planJSON["goal_time_seconds"] = .number(Double(goal))
        }
        if let raceDate = LocalDate(plan.goalRaceDate) { planJSON["days_to_race"] = .number(Double(today.days(until: raceDate))) }
        data["plan"] = .object(planJSON)
        data["workouts"] = .array(
            workouts.map { workout in
                var json: [String: JSONValue] = [
                    "date": .string(workout.scheduledDate), "workout_type": .string(workout.workoutType.rawValue),
                    "title": .string(workout.title),
                ]
                if let date = LocalDate(workout.scheduledDate) {
                    json["weekday"] = .string(weekdayNames[date.weekdayIndexFromMonday])
                    json["is_today"] = .bool(date == today)
                }
                if let text = workout.workoutDescription { json["description"] = .string(text) }
                if let phase = workout.phase { json["phase"] = .string(phase.rawValue) }
                if let week = workout.weekNumber { json["week_number"] = .number(Double(week)) }
                if let meters = workout.targetDistanceM {
                    json["target_distance"] = .string(context.format.shortDistance(meters))
                    json["target_distance_m"] = .number(meters)
                }
                if let seconds = workout.targetDurationS { json["target_duration_min"] = round(Double(seconds) / 60, 1) }
                if let pace = context.format.paceRange(workout.targetPaceMinSPerKm, workout.targetPaceMaxSPerKm) {
                    json["target_pace"] = .string(pace)
                }
                if let notes = workout.coachNotes { json["coach_notes"] = .string(notes) }
                return .object(json)
            })
        return .object(data)
    }

    // MARK: get_wellness_trends

    static let wellnessTrends = CoachTool(
        "get_wellness_trends",
        "Averages and latest values of the athlete's daily check-ins (sleep, HRV, resting HR, stress, soreness, readiness) over `days` days (default 28, at most 90).",
        properties: ["days": ["type": "integer", "minimum": 1, "maximum": 90, "default": 28]]
    ) { arguments, context in
        let days = try arguments.int("days", default: 28, range: 1...90)
        let first = context.today.adding(days: -(days - 1))
        let rows = try await DailyCheckin.query(on: context.database())
            .filter(\.$athlete.$id == context.athleteID)
            .filter(\.$date >= first.description).filter(\.$date <= context.today.description)
            .sort(\.$date).all()
        func summary(_ values: [(String, Double)], digits: Int = 1) -> JSONValue {
            guard let latest = values.last else { return ["n": 0] }
            let average = values.map(\.1).reduce(0, +) / Double(values.count)
            var json: [String: JSONValue] = [
                "n": .number(Double(values.count)), "average": round(average, digits), "latest": round(latest.1, digits),
                "latest_date": .string(latest.0),
            ]
            // The last 7 days against the whole window, when both have data.
            let recentStart = context.today.adding(days: -6).description
            let recent = values.filter { $0.0 >= recentStart }.map(\.1)
            if !recent.isEmpty, recent.count < values.count {
                json["last_7_days_average"] = round(recent.reduce(0, +) / Double(recent.count), digits)
            }
            return .object(json)
        }
        func series(_ key: KeyPath<DailyCheckin, Double?>) -> [(String, Double)] {
            rows.compactMap { row in row[keyPath: key].map { (row.date, $0) } }
        }
        func series(_ key: KeyPath<DailyCheckin, Int?>) -> [(String, Double)] {
            rows.compactMap { row in row[keyPath: key].map { (row.date, Double($0)) } }
        }
        return [
            "window_days": .number(Double(days)),
            "checkin_count": .number(Double(rows.count)),
            "sleep": ["hours": summary(series(\.sleepH)), "quality_1_5": summary(series(\.sleepQuality))],
            "hrv": ["rmssd_ms": summary(series(\.hrvRMSSD))],
            "resting_hr": summary(series(\.restingHR)),
            "stress": ["score_1_5": summary(series(\.stress))],
            "soreness": ["score_1_5": summary(series(\.soreness))],
            "mindset": [
                "readiness_1_5": summary(series(\.readiness)), "confidence_1_5": summary(series(\.confidence)),
                "enjoyment_1_5": summary(series(\.enjoyment)),
            ],
            // No wearable integration exists: these stay as the original's clients expect them.
            "garmin_days_count": 0,
            "garmin_health_api": false,
            "message": .string(
                rows.isEmpty ? "No check-ins in the last \(days) days." : "\(rows.count) check-ins in the last \(days) days."),
        ]
    }

    // MARK: helpers

    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    static func round(_ value: Double, _ digits: Int) -> JSONValue {
        guard value.isFinite else { return .null }
        let scale = pow(10, Double(digits))
        return .number((value * scale).rounded() / scale)
    }

    /// One activity as the tools list it.
    static func activityJSON(_ activity: Activity, _ context: CoachToolContext) -> JSONValue {
        var json: [String: JSONValue] = [
            "id": .string(activity.id?.uuidString ?? ""),
            "name": .string(activity.name),
            "sport": .string(activity.sport.rawValue),
            "date": .string(LocalDate(activity.startTime, in: context.timeZone).description),
            "is_race": .bool(activity.isRace),
        ]
        let seconds = activity.movingTimeS ?? activity.durationS
        if let meters = activity.distanceM {
            json["distance"] = .string(context.format.distance(meters))
            json["distance_km"] = round(meters / 1000, 2)
            json["distance_mi"] = round(meters / metersPerMile, 2)
            if let seconds, meters > 0, seconds > 0 {
                let pace = Double(seconds) / (meters / 1000)
                json["pace"] = .string(context.format.pace(pace))
                json["pace_s_per_km"] = round(pace, 1)
            }
        }
        if let seconds {
            json["duration"] = .string(Format.duration(seconds))
            json["duration_min"] = round(Double(seconds) / 60, 1)
        }
        if let hr = activity.avgHR { json["avg_hr"] = .number(Double(hr)) }
        if let hr = activity.maxHR { json["max_hr"] = .number(Double(hr)) }
        if let gain = activity.elevationGainM {
            json["elevation_gain_m"] = round(gain, 0)
        }
        return .object(json)
    }
}
