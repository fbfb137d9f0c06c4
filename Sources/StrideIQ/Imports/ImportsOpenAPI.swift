import Foundation
import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var importOperations: [APIOperation] {
        let activityID = OpenAPI.Parameter.path("activity_id", .uuid, "The activity's id.")
        let binary = JSONSchema.string(contentEncoding: .binary)
        var body = OpenAPI.Request(
            content: [
                .multipartForm: .b(
                    OpenAPI.Content(
                        schema: .object(
                            properties: ["file": .array(items: binary)],
                            additionalProperties: .a(true)))),
                .anyApplication: .b(OpenAPI.Content(schema: binary)),
            ],
            required: true)
        body.description = """
            One or more files as multipart/form-data (every part with a filename is a file), or one file as the \
            body with its own content type (`application/zip`, `application/vnd.ant.fit`, `application/gpx+xml`, \
            `application/octet-stream`, …). FIT, GPX and TCX files, gzipped or not, and zip archives of them \
            (Strava's and Garmin's exports): a file's content says what it is, never its name.
            """
        let importResponse = JSONSchema.ref(ImportDTO.schemaName)
        return [
            APIOperation(
                method: .post, path: "/v1/activities/import", id: "importActivities", tag: "Activities",
                summary: "Import activity files",
                description: """
                    Each file gets its own result: `created` (its activities' ids), `duplicate` (the same file again, \
                    or an activity already recorded: start within 120 s and distance within 3 %) or `failed` with \
                    a `code` and a `reason`. One bad file never blocks the others. Archives, and batches over \
                    `IMPORT_INLINE_MAX_BYTES`, import in the background: 202 with the import to poll.
                    """,
                access: .bearer,
                parameters: [
                    .query(
                        "filename", JSONSchema.string(length: ImportRoutes.filenameLength),
                        "The file's name when it is sent as the raw body.")
                ],
                body: body,
                responses: [
                    APIResponse.created(importResponse, "Imported now; at least one activity was created.")
                        .with(links: [APILink("GetImport", to: "getImport", [("import_id", "$response.body#/id")])]),
                    .ok(importResponse, "Imported now; nothing new (duplicates or failures only)."),
                    APIResponse(
                        status: 202, description: "Queued: the worker imports it; poll `Location`.", schema: importResponse,
                        headers: [
                            APIHeader(
                                name: "Location", schema: .string, required: true,
                                description: "The import's URL (`GET /v1/imports/{import_id}`).")
                        ]),
                    .error(400, "The multipart body is malformed.", codes: [.badRequest]),
                    .error(
                        413, "The upload, a single file, or an archive's expansion is over its limit.",
                        codes: [.archiveTooLarge, .fileTooLarge, .archiveExpandsTooFar]),
                    .error(415, "A JSON or form body, or multipart other than form-data.", codes: [.unsupportedMediaType]),
                    .error(
                        422, "No file, more files than the limit, or an archive that cannot be read.",
                        codes: [.noFiles, .tooManyFiles, .invalidArchive, .validationError]),
                ]),
            APIOperation(
                method: .get, path: "/v1/imports/{import_id}", id: "getImport", tag: "Activities",
                summary: "An import's progress and per-file results",
                access: .bearer, parameters: [.path("import_id", .uuid, "The import's id.")],
                responses: [.ok(importResponse, "The import."), .notFound("import")]),
            APIOperation(
                method: .get, path: "/v1/activities/{activity_id}/streams", id: "getActivityStreams", tag: "Activities",
                summary: "An imported activity's recorded streams",
                access: .bearer,
                parameters: [
                    activityID,
                    .query(
                        "keys", JSONSchema.string(length: ActivityRoutes.streamKeysLength),
                        "Comma-separated: \(ActivityStreams.allKeys.joined(separator: ", ")) (default: every recorded key)."),
                    .query(
                        "resolution", JSONSchema.strings(["low", "medium", "high"]).defaulting(to: "medium"),
                        "`low` ≤ 100 points, `medium` ≤ 1,000, `high` every recorded sample."),
                ],
                responses: [
                    .ok(.ref(ActivityStreamsDTO.schemaName), "The streams."),
                    .error(
                        404, "No such activity belongs to the caller, or it has no streams (typed in, not imported).",
                        codes: [.notFound, .noStreams]),
                    .validationFailed,
                ]),
            APIOperation(
                method: .get, path: "/v1/activities/{activity_id}/export.gpx", id: "exportActivityGPX", tag: "Activities",
                summary: "An imported activity as GPX",
                access: .bearer, parameters: [activityID],
                responses: [
                    APIResponse(
                        status: 200, description: "GPX 1.1 with heart rate and cadence extensions, as a download.",
                        schema: .string, mediaType: OpenAPI.ContentType(rawValue: "application/gpx+xml")!),
                    .error(
                        404, "No such activity belongs to the caller, or it has no streams (typed in, not imported).",
                        codes: [.notFound, .noStreams]),
                ]),
            APIOperation(
                method: .get, path: "/v1/export", id: "exportData", tag: "Athlete",
                summary: "Everything the athlete has given us, as a zip",
                description: """
                    JSON for every record (profile, activities with details, check-ins, plans with workouts, coach \
                    messages), a GPX per activity with streams, and every original file as uploaded.
                    """,
                access: .bearer,
                responses: [
                    APIResponse(status: 200, description: "The zip, as a download.", schema: binary, mediaType: .zip)
                ]),
        ]
    }

    static var importSchemas: [(String, JSONSchema)] {
        [ImportDTO.component, ActivityDetailDTO.component, ActivityStreamsDTO.component]
    }
}

extension ImportDTO: DocumentedResponse {
    static let schemaName = "Import"
    static var openAPIExample: Self {
        let record = ActivityImport()
        record.id = OpenAPIExample.id(40)
        record.status = .completed
        record.filesTotal = 2
        record.filesDone = 2
        record.created = 1
        record.duplicate = 0
        record.failed = 1
        record.uploadBytes = 1_234_567
        record.errorCode = "archive_expands_too_far"
        record.error = "The archive expands past its limits"
        record.createdAt = OpenAPIExample.instant
        record.updatedAt = OpenAPIExample.instant
        record.finishedAt = OpenAPIExample.instant
        return ImportDTO(
            record,
            results: [
                ImportResultRow(
                    file: "activities/1234.fit.gz", status: "failed", activityIDs: OpenAPIExample.id(10).uuidString,
                    code: "corrupt_file", reason: "checksum mismatch")
            ])
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "status": JSONSchema.strings(["queued", "running", "completed", "failed"]),
            "progress_pct": JSONSchema.integer(0...100),
            "error_code": .described("Why the whole import failed (a limit, an unreadable archive); per-file failures are `results`."),
        ]
    }
}

extension ActivityImport.Status: CaseIterable {
    static let allCases: [Self] = [.queued, .running, .completed, .failed]
}

extension ActivityDetailDTO: DocumentedResponse {
    static let schemaName = "ActivityDetail"
    static var openAPIExample: Self {
        let activity: Activity = {
            let a = Activity()
            let dto = ActivityDTO.openAPIExample
            a.id = dto.id
            a.name = dto.name
            a.sport = dto.sport
            a.startTime = dto.startTime
            a.utcOffsetS = dto.utcOffsetS
            a.timezone = dto.timezone
            a.distanceM = dto.distanceM
            a.movingTimeS = dto.movingTimeS
            a.durationS = dto.durationS
            a.avgHR = dto.avgHR
            a.maxHR = dto.maxHR
            a.elevationGainM = dto.elevationGainM
            a.source = "file"
            a.externalID = "sha256:0f…"
            a.createdAt = dto.createdAt
            return a
        }()
        let split = ActivitySplit(index: 1, distanceM: 1000, elapsedS: 294, movingS: 294, elevationGainM: 4, avgHeartRate: 156)
        let detail = ActivityDetail()
        detail.id = activity.id
        detail.elevationLossM = 40
        detail.avgCadence = 176
        detail.splitsKm = StoredJSON.encode([split])
        detail.splitsMile = StoredJSON.encode([split])
        detail.bestEfforts = StoredJSON.encode([BestEffort(name: "5k", distanceM: 5000, elapsedS: 1440, startOffsetS: 600)])
        detail.track = StoredJSON.encode([[2.35, 48.85], [2.36, 48.86]])
        detail.streamKeys = "time,distance"
        detail.streams = Data([0])
        let file = ActivityFile()
        file.format = "fit"
        file.fileName = "morning-run.fit"
        file.device = "garmin 3121"
        file.sizeBytes = 123_456
        file.sha256 = String(repeating: "0f", count: 32)
        return ActivityDetailDTO(activity, detail: detail, file: file)
    }
    static var fieldSchemas: [String: JSONSchema] {
        ActivityDTO.fieldSchemas.merging(
            [
                "track": .described("The route as a GeoJSON LineString, `[longitude, latitude]` pairs, at most 500."),
                "has_streams": .described("Whether `GET /v1/activities/{id}/streams` has data."),
                "splits": .described("Per full km and per full mile, the last partial split included with its distance."),
            ], uniquingKeysWith: { a, _ in a })
    }
}

extension ActivityStreamsDTO: DocumentedResponse {
    static let schemaName = "ActivityStreams"
    static var openAPIExample: Self {
        ActivityStreamsDTO(
            activityID: OpenAPIExample.id(10), resolution: "medium",
            recorded: ActivityStreams(
                time: [0, 1], distance: [0, 3.1], heartRate: [140, 141], cadence: [170, 172], altitude: [35, 35.2],
                latitude: [48.85, 48.8501], longitude: [2.35, 2.3501]),
            keys: ActivityStreams.allKeys)
    }
    static var fieldSchemas: [String: JSONSchema] {
        let numbers = JSONSchema.array(items: .number)
        let gappy = JSONSchema.array(items: .one(of: [.number, .null()], core: .init()))
        return [
            "streams": JSONSchema.object(
                properties: [
                    "time": numbers.optionalSchemaObject().with(description: "Seconds since the start."),
                    "distance": numbers.optionalSchemaObject().with(description: "Metres, cumulative."),
                    "heartrate": gappy.optionalSchemaObject().with(description: "Beats per minute; null where none was recorded."),
                    "cadence": gappy.optionalSchemaObject().with(description: "Steps per minute."),
                    "altitude": gappy.optionalSchemaObject().with(description: "Metres."),
                    "latlng": JSONSchema.array(
                        items: .one(of: [.array(minItems: 2, maxItems: 2, items: .number), .null()], core: .init())
                    ).optionalSchemaObject().with(description: "`[latitude, longitude]`; null without a fix."),
                ],
                additionalProperties: .a(false)),
            "resolution": JSONSchema.strings(["low", "medium", "high"]),
        ]
    }
}
