import Foundation
import LLM
import StrideIQCore

/// The tools that read the analytics job's stored figures (`AnalyticsStore`): nothing here computes a history.
/// Before the first recompute they answer `ok` with `available: false` and a message, so the model can say so.
enum CoachAnalyticsTools {
    static let notYet: JSONValue = [
        "available": false,
        "message": "These figures are not computed yet: they appear shortly after the athlete's first activities are recorded.",
    ]

    static func analytics(_ context: CoachToolContext) async throws -> AthleteAnalytics? {
        try await AnalyticsStore.latest(athleteID: context.athleteID, on: context.database())
    }

    // MARK: get_training_load

    static let trainingLoad = CoachTool(
        "get_training_load",
        "The athlete's current fitness (CTL, 42-day), fatigue (ATL, 7-day) and form (TSB = fitness − fatigue), weekly ramp rate, acute:chronic ratio, and the last 14 days of it."
    ) { _, context in
        guard let analytics = try await analytics(context), let load = analytics.load else { return notYet }
        let day = load.day
        let days = try await AnalyticsStore.days(
            athleteID: context.athleteID, from: context.today.adding(days: -13), through: context.today, on: context.database())
        var json: [String: JSONValue] = [
            "available": true,
            "as_of": .string(day.date.description),
            "ctl": CoachTools.round(day.fitness, 1),
            "atl": CoachTools.round(day.fatigue, 1),
            "tsb": CoachTools.round(day.form, 1),
            "ramp_rate_per_week": CoachTools.round(load.rampRate, 1),
            "tsb_zone": .string(load.tsbContext),
            "load_trend": .string(load.loadTrend),
            "history": .array(
                days.map {
                    [
                        "date": .string($0.date.description), "load": CoachTools.round($0.load, 1),
                        "ctl": CoachTools.round($0.fitness, 1), "atl": CoachTools.round($0.fatigue, 1),
                        "tsb": CoachTools.round($0.form, 1),
                    ]
                }),
        ]
        if let ratio = load.acuteChronicRatio { json["acute_chronic_ratio"] = CoachTools.round(ratio, 2) }
        return .object(json)
    }

    // MARK: get_training_paces

    static let trainingPaces = CoachTool(
        "get_training_paces",
        "The athlete's training paces (easy, long, recovery, marathon, threshold, interval, repetition) from their fitness level (VDOT), and the performance it came from."
    ) { _, context in
        guard let analytics = try await analytics(context), let fitness = analytics.fitness else { return notYet }
        let format = context.format
        func range(_ pace: PaceRange) -> JSONValue {
            [
                "pace": .string(format.paceRange(pace.fastSPerKm, pace.slowSPerKm) ?? "–"),
                "fast_s_per_km": .number(Double(pace.fastSPerKm)), "slow_s_per_km": .number(Double(pace.slowSPerKm)),
            ]
        }
        let paces = fitness.paces
        return [
            "available": true,
            "preferred_units": .string(context.units.rawValue),
            "vdot": CoachTools.round(fitness.vdot, 1),
            "source": source(fitness.source, context),
            "paces": [
                "easy": range(paces.easy), "long": range(paces.long), "recovery": range(paces.recovery),
                "marathon": range(paces.marathon), "threshold": range(paces.threshold), "interval": range(paces.interval),
                "repetition": range(paces.repetition),
            ],
        ]
    }

    // MARK: get_race_predictions

    static let racePredictions = CoachTool(
        "get_race_predictions",
        "Predicted race times for 5 km, 10 km, half marathon and marathon from the athlete's fitness level (VDOT), with a Riegel prediction beside each."
    ) { _, context in
        guard let analytics = try await analytics(context), let fitness = analytics.fitness else { return notYet }
        let format = context.format
        return [
            "available": true,
            "preferred_units": .string(context.units.rawValue),
            "vdot": CoachTools.round(fitness.vdot, 1),
            "source": source(fitness.source, context),
            "predictions": .array(
                fitness.predictions.map { prediction in
                    [
                        "distance": .string(prediction.name),
                        "distance_m": .number(prediction.distanceM),
                        "time": .string(RunningMath.clock(prediction.timeS)),
                        "time_seconds": CoachTools.round(prediction.timeS, 0),
                        "pace": .string(format.pace(prediction.timeS / (prediction.distanceM / 1000))),
                        "riegel_time": .string(RunningMath.clock(prediction.riegelTimeS)),
                        "riegel_time_seconds": CoachTools.round(prediction.riegelTimeS, 0),
                    ]
                }),
        ]
    }

    // MARK: get_efficiency_trend

    static let efficiencyTrend = CoachTool(
        "get_efficiency_trend",
        "Running efficiency (speed per heartbeat, higher is better) on comparable easy runs over the last `days` days (default 30, 7 to 365), with the stored trend.",
        properties: ["days": ["type": "integer", "minimum": 7, "maximum": 365, "default": 30]]
    ) { arguments, context in
        let days = try arguments.int("days", default: 30, range: 7...365)
        guard let analytics = try await analytics(context) else { return notYet }
        let trend = analytics.efficiency
        let first = context.today.adding(days: -(days - 1))
        let points = trend.points.filter { $0.date >= first && $0.date <= context.today }
        var summary: [String: JSONValue] = [
            "direction": .string(trend.direction), "required_points": .number(Double(trend.requiredPoints)),
            "total_points": .number(Double(trend.points.count)),
        ]
        if let slope = trend.slopePerWeek { summary["slope_per_week"] = .number(slope) }
        if let change = trend.changePercent { summary["change_percent"] = CoachTools.round(change, 1) }
        if let p = trend.pValue { summary["p_value"] = CoachTools.round(p, 4) }
        if let r2 = trend.rSquared { summary["r_squared"] = CoachTools.round(r2, 3) }
        return [
            "available": true,
            "window_days": .number(Double(days)),
            "trend_analysis": .object(summary),
            "summary": [
                "points_in_window": .number(Double(points.count)),
                "average_efficiency": points.isEmpty
                    ? .null : CoachTools.round(points.map(\.efficiency).reduce(0, +) / Double(points.count), 5),
            ],
            // The newest 50 points of the window, oldest first.
            "time_series": .array(
                points.suffix(50).map { point in
                    [
                        "date": .string(point.date.description), "efficiency": CoachTools.round(point.efficiency, 5),
                        "pace": .string(context.format.pace(point.paceSPerKm)), "avg_hr": .number(Double(point.avgHR)),
                        "distance": .string(context.format.distance(point.distanceM)),
                    ]
                }),
        ]
    }

    // MARK: get_personal_records

    static let personalRecords = CoachTool(
        "get_personal_records", "The athlete's personal records per standard distance, with their dates."
    ) { _, context in
        guard let analytics = try await analytics(context) else { return notYet }
        return [
            "available": true,
            "preferred_units": .string(context.units.rawValue),
            "pb_count": .number(Double(analytics.records.count)),
            "records": .array(
                analytics.records.map { record in
                    [
                        "category": .string(record.category), "distance_m": .number(record.distanceM),
                        "time": .string(RunningMath.clock(record.timeS)), "time_seconds": CoachTools.round(record.timeS, 1),
                        "pace": .string(context.format.pace(record.timeS / (record.distanceM / 1000))),
                        "date": .string(record.date.description), "activity_id": .string(record.activityID.uuidString),
                        "source": .string(record.source.rawValue),
                    ]
                }),
        ]
    }

    static func source(_ reference: PerformanceRef, _ context: CoachToolContext) -> JSONValue {
        [
            "kind": .string(reference.kind.rawValue), "date": .string(reference.date.description),
            "distance": .string(context.format.distance(reference.distanceM)), "distance_m": .number(reference.distanceM),
            "time": .string(RunningMath.clock(reference.timeS)), "activity_id": .string(reference.activityID.uuidString),
        ]
    }
}
