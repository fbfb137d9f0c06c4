import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var checkinOperations: [APIOperation] {
        let limits = Limits.Checkin.self
        let checkinOrNull = JSONSchema.ref("Checkin").orNull
        return [
            APIOperation(
                method: .post, path: "/v1/daily-checkin", id: "upsertCheckin", tag: "Check-ins",
                summary: "Record or change the check-in of a day",
                description: """
                    One check-in per day: the first post for a `date` creates it (201), later ones change only the \
                    fields they send (200); `null` clears a field. The date must be today or one of the \
                    \(limits.maxAgeDays) days before, in the athlete's time zone.
                    """,
                access: .bearer, body: .json(.ref("CheckinUpsert")),
                responses: [
                    .created(.ref("Checkin"), "The day's first check-in."),
                    .ok(.ref("Checkin"), "The day's check-in, changed."),
                ]),
            APIOperation(
                method: .get, path: "/v1/daily-checkin", id: "listCheckins", tag: "Check-ins",
                summary: "The caller's check-ins, newest first",
                access: .bearer,
                parameters: [
                    .query("start_date", .date, "Only check-ins on or after this day."),
                    .query("end_date", .date, "Only check-ins on or before this day (not before `start_date`)."),
                    .query(
                        "limit", JSONSchema.integer(limits.listLimit).defaulting(to: CheckinListQuery.defaultLimit),
                        "At most this many check-ins."),
                ],
                responses: [
                    .ok(.ref("CheckinList"), "The check-ins."),
                    .validationFailed,
                ]),
            APIOperation(
                method: .get, path: "/v1/daily-checkin/today", id: "getTodayCheckin", tag: "Check-ins",
                summary: "Today's check-in (in the athlete's time zone), or null",
                access: .bearer, responses: [.ok(checkinOrNull, "Today's check-in, or `null` when there is none yet.")]),
            APIOperation(
                method: .get, path: "/v1/daily-checkin/{date}", id: "getCheckin", tag: "Check-ins",
                summary: "The check-in of one day, or null",
                access: .bearer, parameters: [.path("date", JSONSchema.date, "The day, `YYYY-MM-DD`.")],
                responses: [
                    .ok(checkinOrNull, "The day's check-in, or `null` when there is none."),
                    .validationFailed,
                ]),
        ]
    }

    static var checkinSchemas: [(String, JSONSchema)] {
        let limits = Limits.Checkin.self
        let scale5 = JSONSchema.integer(limits.scale5)
        return [
            (
                "CheckinUpsert",
                .requestBody(CheckinBody.self, required: [.date]) { key in
                    switch key {
                    case .date: JSONSchema.date.described("The day, in the athlete's time zone.")
                    case .sleepH: JSONSchema.number(limits.sleepH).described("Hours slept.")
                    case .sleepQuality, .stress, .soreness, .enjoyment, .confidence, .readiness: scale5
                    case .rpe: JSONSchema.integer(limits.rpe).described("Rated perceived exertion.")
                    case .notes: JSONSchema.string(length: limits.notes)
                    case .hrvRMSSD: JSONSchema.number(limits.hrvMs).described("Heart-rate variability (RMSSD), milliseconds.")
                    case .restingHR: JSONSchema.integer(limits.restingHR).described("Beats per minute.")
                    }
                }
            ),
            CheckinDTO.component,
            CheckinList.component,
        ]
    }
}

extension CheckinDTO: DocumentedResponse {
    static let schemaName = "Checkin"
    static var openAPIExample: Self {
        OpenAPIExample.decoded(
            """
            {"id": "\(OpenAPIExample.id(30))", "date": "2026-11-29", "sleep_h": 7.5, "sleep_quality_1_5": 4, "stress_1_5": 2,
             "soreness_1_5": 3, "enjoyment_1_5": 5, "confidence_1_5": 4, "readiness_1_5": 4, "rpe_1_10": 6,
             "notes": "Legs a little heavy after Sunday's long run.", "hrv_rmssd": 61.2, "resting_hr": 48,
             "created_at": "2026-11-29T07:30:00Z", "updated_at": "2026-11-29T07:31:00Z"}
            """)
    }
    static var fieldSchemas: [String: JSONSchema] { ["date": .date] }
}

extension CheckinList: DocumentedResponse {
    static let schemaName = "CheckinList"
    static var openAPIExample: Self { Self(checkins: [.openAPIExample], count: 1) }
    static var fieldSchemas: [String: JSONSchema] {
        ["count": JSONSchema.integer(atLeast: 0).described("How many check-ins this response holds.")]
    }
}
