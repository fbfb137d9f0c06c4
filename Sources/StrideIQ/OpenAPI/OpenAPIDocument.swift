import Foundation
import StrideIQCore

/// The OpenAPI 3.1 document of every route `routes(_:)` registers (`OpenAPITests` compares the two), served
/// at `GET /openapi.json`. Each feature's operations and schemas live in an extension beside this file
/// (`OpenAPIDocument+Auth.swift`, …). Every bound and vocabulary is read from `Limits` and the
/// `StrideIQCore` enums, the same constants validation uses, so the two cannot drift.
enum OpenAPIDocument {
    static let openAPIVersion = "3.1.0"
    static let apiVersion = "1.0.0"

    /// Every documented operation, in the order the document lists them.
    static let operations: [APIOperation] =
        healthOperations + authOperations + athleteOperations + activityOperations + checkinOperations + planOperations
        + homeOperations + coachAPIOperations

    /// `components.schemas`, in the order the document lists them.
    static let schemas: [(String, JSONSchema)] =
        errorSchemas + healthSchemas + authSchemas + athleteSchemas + activitySchemas + checkinSchemas + planSchemas
        + homeSchemas + coachAPISchemas

    static let tags: [(String, String)] = [
        ("Health", "Liveness, readiness and this document."),
        ("Auth", "Accounts and sessions: short-lived bearer access tokens and rotating refresh tokens. Rate-limited per client address."),
        ("Athlete", "The caller's own profile."),
        ("Activities", "Recorded sessions: manual entries and imports (idempotent on source + external_id)."),
        ("Check-ins", "One daily check-in per local day, upserted."),
        ("Plans", "Training plans with their goal race, and their planned workouts."),
        ("Home", "The home screen, computed from the athlete's data, with the coach's precomputed briefing."),
        ("Coach", "The AI coach: questions answered whole or streamed (Server-Sent Events) on saved threads; needs `ai_consent`."),
    ]

    /// The document, encoded once on first use.
    static let json = Data(value.serialized().utf8)

    static var value: JSONValue {
        var paths = JSONObject()
        for operation in operations {
            var item = paths[operation.path].flatMap { if case .object(let o) = $0 { o } else { nil } } ?? JSONObject()
            precondition(item[operation.method.rawValue] == nil, "\(operation.method) \(operation.path) documented twice")
            item[operation.method.rawValue] = operation.rendered()
            paths[operation.path] = .object(item)
        }
        var components = JSONObject()
        for (name, schema) in schemas {
            precondition(components[name] == nil, "schema \(name) declared twice")
            components[name] = schema.json
        }
        return [
            "openapi": .string(openAPIVersion),
            "info": [
                "title": "StrideIQ",
                "version": .string(apiVersion),
                "summary": "The StrideIQ AI running-coach API.",
                "description": .string("""
                    Every error has one JSON shape, `Error`: `detail` (for people), `code` (for programs) and, for 422 \
                    responses, `errors` listing every invalid field. Request bodies are JSON objects (at most 1 MiB) whose \
                    unknown fields are rejected; `null` is accepted only where a schema allows it (to clear a value). \
                    Timestamps are RFC 3339 with an offset; calendar days are `YYYY-MM-DD`. String lengths count \
                    Unicode code points.
                    """),
            ],
            "tags": .array(tags.map { ["name": .string($0.0), "description": .string($0.1)] }),
            "paths": .object(paths),
            "components": [
                "schemas": .object(components),
                "securitySchemes": [
                    "bearerAuth": [
                        "type": "http",
                        "scheme": "bearer",
                        "bearerFormat": "JWT",
                        "description": .string("An access token from register, login or refresh (HS256, valid \(Int(AppConfig().accessTokenTTL / 60)) minutes by default)."),
                    ],
                ],
            ],
        ]
    }

    // MARK: Response objects

    /// Whether response DTOs write `null` for an absent optional value (`true`), or leave the key out as
    /// Swift's synthesized `Encodable` does for `Int?`, `String?`, `Double?` and `Bool?` (`false`). Decides
    /// whether nullable keys are listed as `required`; `OpenAPITests` checks it against real encodings.
    static let responsesWriteEveryKey = true

    /// A response object: every non-nullable key is always present; nullable ones per `responsesWriteEveryKey`.
    static func response(_ properties: [(String, JSONSchema)]) -> JSONSchema {
        .object(properties, required: responsesWriteEveryKey ? .all : .nonNullable)
    }

    // MARK: Errors

    static let errorSchemas: [(String, JSONSchema)] = [
        ("Error", JSONSchema.object([
            ("detail", JSONSchema.string().described("What went wrong, for people.")),
            ("code", JSONSchema.string().described("What went wrong, for programs: a stable snake_case code.")),
            ("errors", JSONSchema.array(of: .ref("FieldError")).described("Every invalid field (422 responses only).")),
        ], required: .only(["detail", "code"]), extras: .allowed(.string()))
            .described("The one error shape. Some errors add string fields, e.g. `existing_activity_id` on a duplicate activity.")),
        ("FieldError", JSONSchema.object([
            ("field", JSONSchema.string().described("The field's JSON name (`body` for the body as a whole; `a.b[2]` for nested values).")),
            ("message", JSONSchema.string()),
        ])),
        ("ValidationError", JSONSchema.allOf([
            .ref("Error"),
            JSONSchema().with("required", ["errors"]).with("properties", ["code": JSONSchema.constant("validation_error").json]),
        ])),
        ("DuplicateActivityError", JSONSchema.allOf([
            .ref("Error"),
            JSONSchema().with("required", ["existing_activity_id"])
                .with("properties", ["existing_activity_id": JSONSchema.uuid.described("The activity this one duplicates.").json]),
        ])),
    ]

    // MARK: Shared field schemas

    /// An IANA time zone name, checked against the server's time zone database.
    static let timeZone = JSONSchema.string()
        .described("An IANA time zone name such as `Europe/Paris` (or `UTC`); abbreviations like `EST` are rejected.")
        .examples("Europe/Paris")
}
