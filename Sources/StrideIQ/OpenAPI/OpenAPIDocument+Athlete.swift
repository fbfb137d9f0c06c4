import StrideIQCore

extension OpenAPIDocument {
    static var athleteOperations: [APIOperation] {
        [
            APIOperation(.get, "/v1/athlete", id: "getAthlete", tag: "Athlete", summary: "The caller's profile",
                         access: .bearer, responses: [.ok(.ref("Athlete"), "The profile.")]),
            APIOperation(.patch, "/v1/athlete", id: "updateAthlete", tag: "Athlete", summary: "Change the caller's profile",
                         description: "Only the fields sent change; `display_name: null` clears the display name.",
                         access: .bearer, body: .json(.ref("AthleteUpdate")), responses: [.ok(.ref("Athlete"), "The updated profile.")]),
        ]
    }

    static var athleteSchemas: [(String, JSONSchema)] {
        [
            ("Athlete", response([
                ("id", .uuid),
                ("email", JSONSchema.string().described("Lower-cased.")),
                ("display_name", JSONSchema.string().nullable),
                ("role", .string(oneOf: Role.self)),
                ("timezone", JSONSchema.string().described("IANA time zone: every \"today\" and week of this athlete is computed in it.")),
                ("units", .string(oneOf: Units.self)),
                ("ai_consent", .boolean),
                ("created_at", JSONSchema.dateTime.nullable),
            ])),
            ("AthleteUpdate", .requestBody(AthletePatch.self) { key in
                switch key {
                case .displayName: .string(length: Limits.displayName)
                case .timezone: timeZone
                case .units: .string(oneOf: Units.self)
                case .aiConsent: JSONSchema.boolean.described("Whether the athlete agrees to AI coaching on their data.")
                }
            }),
        ]
    }
}
