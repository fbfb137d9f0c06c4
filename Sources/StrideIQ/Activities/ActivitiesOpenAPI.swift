import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var activityOperations: [APIOperation] {
        let id = OpenAPI.Parameter.path("activity_id", .uuid, "The activity's id.")
        let byID = [("activity_id", "$response.body#/id")]
        let page = ActivityListQuery.self
        let limits = Limits.Activity.self
        return [
            APIOperation(
                method: .post, path: "/v1/activities", id: "createActivity", tag: "Activities", summary: "Record an activity",
                description: """
                    Idempotent on (`source`, `external_id`): importing the same activity again answers 200 with the \
                    stored one. Otherwise an activity that starts within \(Int(limits.duplicateStartWindowS)) s of one \
                    already recorded, with a distance within \(Int(limits.duplicateDistanceFraction * 100)) % of it, is \
                    a duplicate (409, naming the existing one).
                    """,
                access: .bearer, body: .json(.ref("ActivityCreate")),
                responses: [
                    APIResponse.created(.ref("Activity"), "The recorded activity.").with(links: [
                        APILink("GetActivity", to: "getActivity", byID),
                        APILink("DeleteActivity", to: "deleteActivity", byID),
                    ]),
                    .ok(.ref("Activity"), "This (`source`, `external_id`) was imported before: the stored activity, unchanged."),
                    .conflict(
                        "A duplicate of an activity already recorded; `existing_activity_id` names it.",
                        code: .duplicateActivity, schema: "DuplicateActivityError"),
                ]),
            APIOperation(
                method: .get, path: "/v1/activities", id: "listActivities", tag: "Activities",
                summary: "The caller's activities, newest first",
                access: .bearer,
                parameters: [
                    .query("limit", JSONSchema.integer(limits.pageSize).defaulting(to: page.defaultLimit), "Page size."),
                    .query("offset", JSONSchema.integer(0...page.maxOffset).defaulting(to: 0), "Activities to skip."),
                    .query(
                        "since", instantOrDay,
                        "Only activities starting at or after this instant (a date means its UTC midnight)."),
                    .query("until", instantOrDay, "Only activities starting before this instant (a date means its UTC midnight)."),
                    .query("sport", .string(oneOf: Sport.self), "Only activities of this sport."),
                ],
                responses: [
                    .ok(.ref("ActivityPage"), "One page, and the total matching the filters."),
                    .validationFailed,
                ]),
            APIOperation(
                method: .get, path: "/v1/activities/{activity_id}", id: "getActivity", tag: "Activities", summary: "One activity",
                access: .bearer, parameters: [id],
                responses: [
                    .ok(.ref("ActivityDetail"), "The activity, with what its file gave it (splits, best efforts, route)."),
                    .notFound("activity"),
                ]),
            APIOperation(
                method: .patch, path: "/v1/activities/{activity_id}", id: "updateActivity", tag: "Activities",
                summary: "Correct an activity",
                description: """
                    Only the fields sent change; `null` clears a measured value. The result is checked whole \
                    (`max_hr` ≥ `avg_hr`, `moving_time_s` ≤ `duration_s`). Every training figure that depends on the \
                    activity is recomputed in the background.
                    """,
                access: .bearer, parameters: [id], body: .json(.ref("ActivityUpdate")),
                responses: [
                    .ok(.ref("Activity"), "The activity, changed."),
                    .notFound("activity"),
                ]),
            APIOperation(
                method: .delete, path: "/v1/activities/{activity_id}", id: "deleteActivity", tag: "Activities",
                summary: "Delete an activity",
                access: .bearer, parameters: [id],
                responses: [
                    .noContent("Deleted."),
                    .notFound("activity"),
                ]),
        ]
    }

    /// A query instant: an RFC 3339 date-time, or a plain date.
    static let instantOrDay = JSONSchema.any(of: [.dateTime, .date], core: .init())

    static var activitySchemas: [(String, JSONSchema)] {
        let limits = Limits.Activity.self
        let earliest = JSONCoding.formatTimestamp(ActivityBody.earliestStart)
        return [
            (
                "ActivityCreate",
                .requestBody(ActivityBody.self, required: [.startTime]) { key in
                    switch key {
                    case .name: JSONSchema.string(length: limits.name).described("Defaults to the sport's name, e.g. \"Run\".")
                    case .sport: JSONSchema.string(oneOf: Sport.self).defaulting(to: Sport.run.rawValue)
                    case .startTime:
                        JSONSchema.dateTime.described(
                            """
                            When it started. Not before \(earliest), nor more than \(Int(ActivityBody.futureTolerance / 60)) minutes \
                            in the future.
                            """)
                    case .utcOffsetS:
                        JSONSchema.integer(limits.utcOffsetS).described(
                            """
                            The UTC offset in force where it happened, in seconds; when absent, derived from `timezone` or else the \
                            athlete's time zone.
                            """)
                    case .timezone: timeZone
                    case .distanceM: JSONSchema.number(limits.distanceM).described("Metres.")
                    case .movingTimeS: JSONSchema.integer(limits.timeS).described("Seconds in motion; at most `duration_s`.")
                    case .durationS: JSONSchema.integer(limits.timeS).described("Elapsed seconds; defaults to `moving_time_s`.")
                    case .avgHR: JSONSchema.integer(limits.heartRate).described("Beats per minute.")
                    case .maxHR: JSONSchema.integer(limits.heartRate).described("Beats per minute; at least `avg_hr`.")
                    case .elevationGainM: JSONSchema.number(limits.elevationGainM).described("Metres.")
                    case .isRace:
                        JSONSchema.boolean(description: "A race: races are the first choice for the fitness level. Default false.")
                    case .source:
                        JSONSchema.string(length: limits.source, pattern: ActivityBody.sourcePattern)
                            .defaulting(to: "manual").described("The system the activity comes from, e.g. `garmin`.")
                    case .externalID:
                        JSONSchema.string(length: limits.externalID)
                            .described("The activity's id in `source`; requires a `source` other than `manual`.")
                    }
                }
            ),
            (
                "ActivityUpdate",
                .requestBody(ActivityPatch.self) { key in
                    switch key {
                    case .name: JSONSchema.string(length: limits.name)
                    case .sport: JSONSchema.string(oneOf: Sport.self)
                    case .isRace: JSONSchema.boolean(description: "Marks the activity as a race (or not).")
                    case .distanceM: JSONSchema.number(limits.distanceM).described("Metres; `null` clears it.")
                    case .movingTimeS: JSONSchema.integer(limits.timeS).described("Seconds in motion; `null` clears it.")
                    case .durationS: JSONSchema.integer(limits.timeS).described("Elapsed seconds; `null` clears it.")
                    case .avgHR: JSONSchema.integer(limits.heartRate).described("Beats per minute; `null` clears it.")
                    case .maxHR: JSONSchema.integer(limits.heartRate).described("Beats per minute; `null` clears it.")
                    }
                }
            ),
            ActivityDTO.component,
            ActivityPage.component,
        ]
    }
}

extension ActivityDTO: DocumentedResponse {
    static let schemaName = "Activity"
    static var openAPIExample: Self { OpenAPIExample.decoded(exampleJSON) }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "utc_offset_s": .described("Seconds east of UTC where it happened."),
            "local_date": .described("The day it started on, at `utc_offset_s`."),
            "pace_s_per_km": .described("Seconds per km over the moving (else elapsed) time; null without a distance and a time."),
        ]
    }

    private static let exampleJSON = """
        {"id": "\(OpenAPIExample.id(10))", "name": "Tempo run", "sport": "run", "start_time": "2026-11-29T06:30:00Z",
         "utc_offset_s": 3600, "timezone": "Europe/Paris", "local_date": "2026-11-29", "distance_m": 10000, "moving_time_s": 2940,
         "duration_s": 3010, "avg_hr": 158, "max_hr": 174, "elevation_gain_m": 42, "pace_s_per_km": 294, "is_race": false, "source": "garmin",
         "external_id": "g-1", "created_at": "2026-11-29T07:30:00Z"}
        """
}

extension ActivityPage: DocumentedResponse {
    static let schemaName = "ActivityPage"
    static var openAPIExample: Self { Self(activities: [.openAPIExample], total: 1, limit: 20, offset: 0) }
    static var fieldSchemas: [String: JSONSchema] {
        ["total": JSONSchema.integer(atLeast: 0).described("Activities matching the filters, on every page.")]
    }
}
