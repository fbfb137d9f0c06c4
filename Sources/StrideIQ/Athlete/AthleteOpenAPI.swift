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
                description: "Only the fields sent change; `display_name: null` clears the display name.",
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
