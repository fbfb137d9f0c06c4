import Foundation
import OpenAPIKit
import StrideIQCore

/// The OpenAPI 3.1 document of every route the app registers (`OpenAPITests` compares the two), served at
/// `GET /openapi.json`. Each feature lists its operations and schemas next to its routes
/// (`Activities/ActivitiesOpenAPI.swift`, …); this file assembles them with the shared components. Response
/// schemas are recorded from the response types themselves (`DocumentedResponse`); every bound and
/// vocabulary of a request is read from `Limits` and the `StrideIQCore` enums, the constants validation uses.
enum OpenAPIDocument {
    static let apiVersion = "1.0.0"

    /// Every documented operation, in the order the document lists them.
    static let operations: [APIOperation] =
        healthOperations + authOperations + athleteOperations + activityOperations + importOperations + checkinOperations + planOperations
        + planGenerationOperations + planAdaptationOperations + homeOperations + coachOperations + analyticsOperations

    /// `components.schemas`, in the order the document lists them.
    static let schemas: [(String, JSONSchema)] =
        errorSchemas + healthSchemas + authSchemas + athleteSchemas + activitySchemas + importSchemas + checkinSchemas + planSchemas
        + planGenerationSchemas + planAdaptationSchemas + homeSchemas + coachSchemas + analyticsSchemas

    static let tags: [(String, String)] = [
        ("Health", "Liveness, readiness and this document."),
        ("Auth", "Accounts and sessions: short-lived bearer access tokens and rotating refresh tokens. Rate-limited per client address."),
        ("Athlete", "The caller's own profile."),
        ("Activities", "Recorded sessions: manual entries and imports (idempotent on source + external_id)."),
        ("Check-ins", "One daily check-in per local day, upserted."),
        ("Plans", "Training plans with their goal race, and their planned workouts."),
        ("Home", "The home screen, computed from the athlete's data, with the coach's precomputed briefing."),
        (
            "Analytics",
            "Training figures the analytics job derives after every change: load, fitness and form, paces, predictions, records, efficiency, what works."
        ),
        ("Coach", "The AI coach: questions answered whole or streamed (Server-Sent Events) on saved threads; needs `ai_consent`."),
    ]

    static let document: OpenAPI.Document = {
        var paths = OpenAPI.PathItem.Map()
        for operation in operations {
            let path = OpenAPI.Path(rawValue: operation.path)
            var item = paths[path]?.b ?? OpenAPI.PathItem()
            precondition(item[operation.method.openAPI] == nil, "\(operation.method) \(operation.path) documented twice")
            item[operation.method.openAPI] = operation.rendered
            paths[path] = .b(item)
        }
        var components = OpenAPI.Components()
        for (name, schema) in schemas {
            guard let key = OpenAPI.ComponentKey(rawValue: name) else { preconditionFailure("\(name) is not a component name") }
            precondition(components.schemas[key] == nil, "schema \(name) declared twice")
            components.schemas[key] = schema
        }
        let tokenMinutes = Int(AppConfig().accessTokenTTL / 60)
        components.securitySchemes["bearerAuth"] = .b(
            .http(
                scheme: "bearer", bearerFormat: "JWT",
                description: "An access token from register, login or refresh (HS256, valid \(tokenMinutes) minutes by default)."))
        let info = OpenAPI.Document.Info(
            title: "StrideIQ", summary: "The StrideIQ AI running-coach API.",
            description: """
                Every error has one JSON shape, `Error`: `detail` (for people), `code` (for programs) and, for 422 \
                responses, `errors` listing every invalid field. Request bodies are JSON objects (at most 1 MiB) whose \
                unknown fields are rejected; `null` is accepted only where a schema allows it (to clear a value). \
                Timestamps are RFC 3339 with an offset; calendar days are `YYYY-MM-DD`. String lengths count \
                Unicode code points. Every key of a response object is always present; absent values are `null`.
                """,
            version: apiVersion)
        return OpenAPI.Document(
            openAPIVersion: .v3_1_0, info: info, servers: [], paths: paths, components: components,
            tags: tags.map { OpenAPI.Tag(name: $0.0, description: $0.1) })
    }()

    /// The document as served: JSON, keys sorted, encoded once on first use.
    static let json: Data = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(document) } catch { fatalError("the OpenAPI document does not encode: \(error)") }
    }()

    // MARK: Errors

    static let errorSchemas: [(String, JSONSchema)] = [
        (
            "Error",
            JSONSchema.object(
                [
                    "detail": JSONSchema.string(description: "What went wrong, for people."),
                    "code": JSONSchema.strings(ErrorCode.allCases.map(\.rawValue))
                        .described("What went wrong, for programs: a stable snake_case code (every code the API returns)."),
                    "errors": JSONSchema.array(of: .ref("FieldError")).described("Every invalid field (422 responses only)."),
                ], optional: ["errors"], extras: .string
            )
            .described("The one error shape. Some errors add string fields, e.g. `existing_activity_id` on a duplicate activity.")
        ),
        (
            "FieldError",
            JSONSchema.object([
                "field": JSONSchema.string(
                    description: "The field's JSON name (`body` for the body as a whole; `a.b[2]` for nested values)."),
                "message": JSONSchema.string,
            ])
        ),
        (
            "ValidationError",
            .all(
                of: [
                    .ref("Error"),
                    .object(properties: [
                        "code": JSONSchema.constant(ErrorCode.validationError.rawValue).optionalSchemaObject(),
                        "errors": JSONSchema.fragment,
                    ]),
                ], core: .init())
        ),
        (
            "DuplicateActivityError",
            .all(
                of: [
                    .ref("Error"),
                    .object(properties: ["existing_activity_id": JSONSchema.uuid.described("The activity this one duplicates.")]),
                ], core: .init())
        ),
    ]

    // MARK: Shared field schemas

    /// An IANA time zone name, checked against the server's time zone database.
    static let timeZone = JSONSchema.string(
        description: "An IANA time zone name such as `Europe/Paris` (or `UTC`); abbreviations like `EST` are rejected.",
        examples: ["Europe/Paris"])
}

extension APIOperation.Method {
    var openAPI: OpenAPI.HttpMethod {
        switch self {
        case .get: .get
        case .put: .put
        case .post: .post
        case .patch: .patch
        case .delete: .delete
        }
    }
}

/// Values the response examples share (`DocumentedResponse.openAPIExample`).
enum OpenAPIExample {
    /// 2026-11-29T07:30:00Z.
    static let instant = Date(timeIntervalSince1970: 1_795_937_400)
    static let day = LocalDate(instant, in: .gmt)

    /// A fixed UUID per number, so the served document never changes between runs.
    static func id(_ number: Int) -> UUID {
        UUID(uuidString: "00000000-0000-4000-8000-" + String(String(number, radix: 16).suffix(12)).leftPadded(to: 12))!
    }

    /// A response value read from its JSON: for the DTOs built from database rows, which have no memberwise
    /// initializer. Decoding checks the keys and types, and the recorder then encodes the value like a handler.
    static func decoded<Value: Decodable>(_ json: String) -> Value {
        do {
            return try JSONCoding.decoder.decode(Value.self, from: Data(json.utf8))
        } catch {
            fatalError("the example of \(Value.self) does not decode: \(error)")
        }
    }

    static var athlete: Athlete {
        let athlete = Athlete(
            id: id(1), email: "runner@example.com", passwordHash: "", displayName: "Kip",
            timezone: "Europe/Paris", aiConsent: true)
        athlete.createdAt = instant
        athlete.maxHR = 188
        athlete.restingHR = 48
        athlete.thresholdPaceSPerKm = 245
        return athlete
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
