import Foundation
import LLM
import StrideIQCore

/// `compute_running_math`: pace, finish time and split arithmetic, so the model never does it in its head.
///
/// - `pace_to_finish`: a pace (`pace_per_km` or `pace_per_mile`) over a distance (`distance_km` or
///   `distance_miles`) → the finish time.
/// - `finish_to_pace`: a finish time (`time_seconds`) over a distance → the pace.
/// - `split_calc`: a finish time or a pace over a distance → even splits per km and per mile (cumulative
///   times), and the two halves.
///
/// Paces are "M:SS" (or "H:MM:SS") text or a number of seconds per unit; times are seconds or "H:MM:SS".
enum RunningMath {
    static let metersPerMile = 1609.344
    /// Most splits listed per unit (a 100-mile race has 161 km splits; the rest are summarised).
    static let maxSplits = 60

    static let tool = CoachTool(
        "compute_running_math",
        "Pace, finish time and split arithmetic. operation: pace_to_finish (pace + distance → time), finish_to_pace (time + distance → pace), split_calc (time or pace + distance → even splits).",
        properties: [
            "operation": ["type": "string", "enum": ["pace_to_finish", "finish_to_pace", "split_calc"]],
            "pace_per_km": ["type": "string", "description": "M:SS per km"],
            "pace_per_mile": ["type": "string", "description": "M:SS per mile"],
            "distance_km": ["type": "number", "exclusiveMinimum": 0],
            "distance_miles": ["type": "number", "exclusiveMinimum": 0],
            "time_seconds": ["type": "number", "exclusiveMinimum": 0, "description": "finish time in seconds"],
        ],
        required: ["operation"]
    ) { arguments, context in
        try compute(arguments, units: context.units)
    }

    typealias Invalid = ToolArguments.Invalid

    static func compute(_ arguments: ToolArguments, units: Units) throws(Invalid) -> JSONValue {
        guard let operation = try arguments.string("operation", maxLength: 40) else {
            throw Invalid(message: "operation is required: pace_to_finish, finish_to_pace or split_calc")
        }
        let distanceM = try distance(arguments)
        switch operation {
        case "pace_to_finish":
            guard let pace = try paceSPerKm(arguments) else { throw Invalid(message: "pace_per_km or pace_per_mile is required") }
            guard let distanceM else { throw Invalid(message: "distance_km or distance_miles is required") }
            return result(operation, distanceM: distanceM, timeS: pace * distanceM / 1000, units: units)
        case "finish_to_pace":
            guard let time = try timeSeconds(arguments) else { throw Invalid(message: "time_seconds is required") }
            guard let distanceM else { throw Invalid(message: "distance_km or distance_miles is required") }
            return result(operation, distanceM: distanceM, timeS: time, units: units)
        case "split_calc":
            guard let distanceM else { throw Invalid(message: "distance_km or distance_miles is required") }
            let timeS: Double
            if let time = try timeSeconds(arguments) {
                timeS = time
            } else if let pace = try paceSPerKm(arguments) {
                timeS = pace * distanceM / 1000
            } else {
                throw Invalid(message: "time_seconds, pace_per_km or pace_per_mile is required")
            }
            guard case .object(var json) = result(operation, distanceM: distanceM, timeS: timeS, units: units) else { return .null }
            json["splits_km"] = splits(distanceM: distanceM, timeS: timeS, unitM: 1000)
            json["splits_mile"] = splits(distanceM: distanceM, timeS: timeS, unitM: metersPerMile)
            json["first_half"] = .string(clock(timeS / 2))
            json["second_half"] = .string(clock(timeS / 2))
            json["half_distance_km"] = number(distanceM / 2000, 3)
            return .object(json)
        default:
            throw Invalid(message: "operation must be pace_to_finish, finish_to_pace or split_calc")
        }
    }

    /// The common fields: finish time, pace per km and per mile, the distance both ways.
    static func result(_ operation: String, distanceM: Double, timeS: Double, units: Units) -> JSONValue {
        let paceKm = timeS / (distanceM / 1000)
        let paceMile = timeS / (distanceM / metersPerMile)
        return [
            "operation": .string(operation),
            "preferred_units": .string(units.rawValue),
            "distance_km": number(distanceM / 1000, 3),
            "distance_miles": number(distanceM / metersPerMile, 3),
            "finish_time": .string(clock(timeS)),
            "finish_time_seconds": number(timeS, 1),
            "pace_per_km": .string(clock(paceKm)),
            "pace_per_mile": .string(clock(paceMile)),
            "pace_s_per_km": number(paceKm, 1),
            "pace_s_per_mile": number(paceMile, 1),
        ]
    }

    /// Even splits: each whole unit's cumulative time, then the last part-unit when the distance is not whole.
    static func splits(distanceM: Double, timeS: Double, unitM: Double) -> JSONValue {
        let perMeter = timeS / distanceM
        let whole = Int((distanceM / unitM + 1e-9).rounded(.down))
        var out: [JSONValue] = []
        for index in 1...max(1, min(whole, maxSplits)) where Double(index) * unitM <= distanceM + 1e-6 {
            out.append([
                "at": .number(Double(index)), "split": .string(clock(unitM * perMeter)),
                "elapsed": .string(clock(Double(index) * unitM * perMeter)),
            ])
        }
        let rest = distanceM - Double(whole) * unitM
        if whole <= maxSplits && rest > 1 {
            out.append([
                "at": number(distanceM / unitM, 3), "split": .string(clock(rest * perMeter)), "elapsed": .string(clock(timeS)),
            ])
        }
        return .array(out)
    }

    // MARK: parsing

    static func distance(_ arguments: ToolArguments) throws(Invalid) -> Double? {
        let meters: Double
        if let km = try arguments.number("distance_km") {
            meters = km * 1000
        } else if let miles = try arguments.number("distance_miles") {
            meters = miles * metersPerMile
        } else {
            return nil
        }
        guard meters.isFinite, meters >= 1, meters <= 1_000_000 else {
            throw Invalid(message: "the distance must be more than 0 and at most 1000 km")
        }
        return meters
    }

    static func paceSPerKm(_ arguments: ToolArguments) throws(Invalid) -> Double? {
        let perKm: Double
        if let value = try duration(arguments, "pace_per_km") {
            perKm = value
        } else if let value = try duration(arguments, "pace_per_mile") {
            perKm = value / (metersPerMile / 1000)
        } else {
            return nil
        }
        guard perKm >= 60, perKm <= 3600 else {
            throw Invalid(message: "the pace must be between 1:00 and 60:00 per km")
        }
        return perKm
    }

    static func timeSeconds(_ arguments: ToolArguments) throws(Invalid) -> Double? {
        guard let value = try duration(arguments, "time_seconds") else { return nil }
        guard value > 0, value <= 7 * 86_400 else { throw Invalid(message: "time_seconds must be more than 0 and at most 7 days") }
        return value
    }

    /// Seconds from a number, or from "SS", "M:SS" or "H:MM:SS" text (a unit suffix such as "/km" is ignored).
    static func duration(_ arguments: ToolArguments, _ key: String) throws(Invalid) -> Double? {
        switch arguments.values[key] {
        case nil, .null?: return nil
        case .number(let value)?:
            guard value.isFinite else { throw Invalid(message: "\(key) must be a number of seconds or M:SS") }
            return value
        case .string(let text)?:
            let clean = text.split(separator: "/").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            let parts = clean.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
            guard (1...3).contains(parts.count), parts.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }) else {
                throw Invalid(message: "\(key) must be a number of seconds or M:SS")
            }
            let values = parts.map { $0! }
            if values.count > 1, values.dropFirst().contains(where: { $0 >= 60 }) {
                throw Invalid(message: "\(key) must be a number of seconds or M:SS")
            }
            return values.reduce(0) { $0 * 60 + $1 }
        default:
            throw Invalid(message: "\(key) must be a number of seconds or M:SS")
        }
    }

    // MARK: output

    /// "M:SS" under an hour, else "H:MM:SS"; rounded to the second (never ":60").
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let hours = total / 3600
        let minutes = total % 3600 / 60
        let secs = total % 60
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }

    static func number(_ value: Double, _ digits: Int) -> JSONValue {
        let scale = pow(10, Double(digits))
        return .number((value * scale).rounded() / scale)
    }
}
