import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var athleteOperations: [APIOperation] {
        [
            APIOperation(
                method: .get, path: "/v1/athlete", id: "getAthlete", tag: "Athlete", summary: "The caller's profile",
                access: .bearer, responses: [.ok(.ref("Athlete"), "The profile.")]),
            APIOperation(
                method: .patch, path: "/v1/athlete", id: "updateAthlete", tag: "Athlete", summary: "Change the caller's profile",
                description: """
                    Only the fields sent change; `null` clears `display_name`, `max_hr`, `resting_hr` and \
                    `threshold_pace_s_per_km`. A change of the heart-rate anchors or threshold pace recomputes every \
                    training figure (in the background).
                    """,
                access: .bearer, body: .json(.ref("AthleteUpdate")), responses: [.ok(.ref("Athlete"), "The updated profile.")]),
        ]
    }

    static var athleteSchemas: [(String, JSONSchema)] {
        [
            AthleteDTO.component,
            (
                "AthleteUpdate",
                .requestBody(AthletePatch.self) { key in
                    switch key {
                    case .displayName: .string(length: Limits.displayName)
                    case .timezone: timeZone
                    case .units: .string(oneOf: Units.self)
                    case .aiConsent: JSONSchema.boolean(description: "Whether the athlete agrees to AI coaching on their data.")
                    case .maxHR:
                        JSONSchema.integer(AthletePatch.maxHRRange).described(
                            "Maximum heart rate, beats per minute; `null` clears it (then it is estimated from activities).")
                    case .restingHR:
                        JSONSchema.integer(AthletePatch.restingHRRange).described(
                            "Resting heart rate, beats per minute (at least 30 below `max_hr`); `null` clears it (then it is estimated from check-ins)."
                        )
                    case .thresholdPaceSPerKm:
                        JSONSchema.number(AthletePatch.thresholdPaceRange).described(
                            "Threshold pace, seconds per km; `null` clears it (then the fitness level's threshold pace is used).")
                    }
                }
            ),
        ]
    }
}

extension AthleteDTO: DocumentedResponse {
    static let schemaName = "Athlete"
    static var openAPIExample: Self { Self(OpenAPIExample.athlete) }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "email": .described("Lower-cased."),
            "timezone": .described("IANA time zone: every \"today\" and week of this athlete is computed in it."),
        ]
    }
}
