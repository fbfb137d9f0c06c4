import Foundation
import StrideIQCore

/// One documented route: method, path (OpenAPI style, `{param}`), parameters, body and every response the
/// handler can give. `OpenAPIDocument` renders a list of these; `OpenAPITests` compares them with the
/// routes the app actually registers.
struct APIOperation: Sendable {
    enum Method: String, Sendable, CaseIterable { case get, put, post, patch, delete }

    /// Who may call it.
    enum Access: Sendable {
        /// No credentials.
        case open
        /// A bearer access token; without a valid one the answer is 401 (`not_authenticated` / `invalid_token`).
        case bearer
        /// A bearer token or other proof in the body (logout): the token is optional.
        case bearerOptional
    }

    var method: Method
    var path: String
    var id: String
    var tag: String
    var summary: String
    var description: String?
    var access: Access
    var parameters: [APIParameter] = []
    var body: APIRequestBody?
    var responses: [APIResponse]
    /// `/v1/auth/*`: every response carries the `X-RateLimit-*` headers, and a 429 may come first.
    var rateLimited = false

    init(_ method: Method, _ path: String, id: String, tag: String, summary: String, description: String? = nil,
         access: Access, parameters: [APIParameter] = [], body: APIRequestBody? = nil, rateLimited: Bool = false,
         responses: [APIResponse]) {
        self.method = method; self.path = path; self.id = id; self.tag = tag; self.summary = summary
        self.description = description; self.access = access; self.parameters = parameters; self.body = body
        self.rateLimited = rateLimited; self.responses = responses
    }

    /// The responses as documented: the declared ones plus those the access rule and the rate limit add,
    /// merged by status (error codes of one status are combined), in status order.
    var allResponses: [APIResponse] {
        var list = responses
        if access == .bearer { list.append(.unauthenticated) }
        if body != nil { list += APIResponse.bodyErrors }
        if rateLimited { list.append(.rateLimited) }
        var merged: [Int: APIResponse] = [:]
        for response in list { merged[response.status] = merged[response.status].map { $0.merging(response) } ?? response }
        var result = merged.values.sorted { $0.status < $1.status }
        if rateLimited {
            result = result.map { $0.addingHeaders(APIHeader.rateLimitHeaders) }
        }
        return result
    }

    func rendered() -> JSONValue {
        var operation = JSONObject()
        operation["operationId"] = .string(id)
        operation["tags"] = [.string(tag)]
        operation["summary"] = .string(summary)
        if let description { operation["description"] = .string(description) }
        switch access {
        case .open: operation["security"] = []
        case .bearer: operation["security"] = [["bearerAuth": []]]
        case .bearerOptional: operation["security"] = [["bearerAuth": []], [:]]
        }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters.map { $0.rendered() }) }
        if let body { operation["requestBody"] = body.rendered() }
        var responses = JSONObject()
        for response in allResponses { responses[String(response.status)] = response.rendered() }
        operation["responses"] = .object(responses)
        return .object(operation)
    }
}

/// A path, query or header parameter.
struct APIParameter: Sendable {
    enum Location: String, Sendable { case path, query, header }
    var name: String
    var location: Location
    var schema: JSONSchema
    var description: String

    static func path(_ name: String, _ schema: JSONSchema, _ description: String) -> APIParameter {
        APIParameter(name: name, location: .path, schema: schema, description: description)
    }

    static func query(_ name: String, _ schema: JSONSchema, _ description: String) -> APIParameter {
        APIParameter(name: name, location: .query, schema: schema, description: description)
    }

    /// An optional request header (never `Accept`, `Content-Type` or `Authorization`, which OpenAPI describes elsewhere).
    static func header(_ name: String, _ schema: JSONSchema, _ description: String) -> APIParameter {
        APIParameter(name: name, location: .header, schema: schema, description: description)
    }

    func rendered() -> JSONValue {
        [
            "name": .string(name),
            "in": .string(location.rawValue),
            "required": .bool(location == .path),
            "description": .string(description),
            "schema": schema.json,
        ]
    }
}

/// A JSON request body.
struct APIRequestBody: Sendable {
    var schema: JSONSchema
    var required = true
    var description: String?

    static func json(_ schema: JSONSchema, required: Bool = true, description: String? = nil) -> APIRequestBody {
        APIRequestBody(schema: schema, required: required, description: description)
    }

    func rendered() -> JSONValue {
        var body = JSONObject()
        if let description { body["description"] = .string(description) }
        body["required"] = .bool(required)
        body["content"] = ["application/json": ["schema": schema.json]]
        return .object(body)
    }
}

/// A response header.
struct APIHeader: Sendable {
    var name: String
    var schema: JSONSchema
    var required: Bool
    var description: String

    func rendered() -> JSONValue {
        ["description": .string(description), "required": .bool(required), "schema": schema.json]
    }

    static let wwwAuthenticate = APIHeader(name: "WWW-Authenticate", schema: .constant("Bearer"), required: true,
                                           description: "The authentication scheme to use.")
    static let retryAfter = APIHeader(name: "Retry-After", schema: .integer(minimum: 1), required: true,
                                      description: "Seconds to wait before trying again.")
    /// On every `/v1/auth/*` response (left out only when the shared cache is down and the limit is skipped).
    static let rateLimitHeaders = [
        APIHeader(name: "X-RateLimit-Limit", schema: .integer(minimum: 1), required: false,
                  description: "Requests allowed per client address per minute on /v1/auth/*."),
        APIHeader(name: "X-RateLimit-Remaining", schema: .integer(minimum: 0), required: false,
                  description: "Requests left in the current minute."),
        APIHeader(name: "X-RateLimit-Reset", schema: .integer(1...60), required: false,
                  description: "Seconds until the current window ends."),
    ]
}

/// An OpenAPI link: a value of this response (or request) that another operation takes as a parameter.
struct APILink: Sendable {
    var name: String
    var operationID: String
    /// Parameter name → runtime expression, e.g. `"activity_id": "$response.body#/id"`.
    var parameters: [(String, String)]

    init(_ name: String, to operationID: String, _ parameters: [(String, String)]) {
        self.name = name; self.operationID = operationID; self.parameters = parameters
    }

    func rendered() -> JSONValue {
        var rendered = JSONObject()
        for (name, expression) in parameters { rendered[name] = .string(expression) }
        return ["operationId": .string(operationID), "parameters": .object(rendered)]
    }
}

/// One response of an operation: a status, its body schema (none for 204 and 304) and its headers. Error
/// responses name the machine `code`s they can carry.
struct APIResponse: Sendable {
    var status: Int
    var description: String
    var schema: JSONSchema?
    var headers: [APIHeader] = []
    /// The body's media type.
    var mediaType = "application/json"
    /// For `text/event-stream`: the schema of one event (`{id, event, data}`), rendered as the media type's
    /// `x-itemSchema` (OpenAPI 3.2 calls it `itemSchema`; 3.1 has no such field). `schema` stays the 3.1
    /// reading: the body as a whole, a string.
    var itemSchema: JSONSchema?
    /// For error responses: the `code` values this status can carry here.
    var errorCodes: [String] = []
    /// For error responses: the schema the codes refine (`Error`, `ValidationError`, …).
    var errorSchema: String?
    /// OpenAPI links from this response to operations that take one of its values (used by stateful fuzzing).
    var links: [APILink] = []

    static func ok(_ schema: JSONSchema, _ description: String) -> APIResponse {
        APIResponse(status: 200, description: description, schema: schema)
    }

    static func created(_ schema: JSONSchema, _ description: String) -> APIResponse {
        APIResponse(status: 201, description: description, schema: schema)
    }

    static func noContent(_ description: String) -> APIResponse {
        APIResponse(status: 204, description: description, schema: nil)
    }

    /// 304: the client's copy (named by `If-None-Match`) is current; no body.
    static func notModified(_ description: String, headers: [APIHeader]) -> APIResponse {
        APIResponse(status: 304, description: description, schema: nil, headers: headers)
    }

    /// 200 with a `text/event-stream` body: a string as a whole, each event valid against `events`
    /// (see `JSONSchema.serverSentEvent(_:)`).
    static func eventStream(_ description: String, body: String, events: JSONSchema, headers: [APIHeader] = []) -> APIResponse {
        APIResponse(status: 200, description: description, schema: JSONSchema.string().described(body), headers: headers,
                    mediaType: "text/event-stream", itemSchema: events)
    }

    /// An error in the one error shape, with the codes it can carry.
    static func error(_ status: Int, _ description: String, codes: [String], schema: String = "Error",
                      headers: [APIHeader] = []) -> APIResponse {
        APIResponse(status: status, description: description, schema: nil, headers: headers, errorCodes: codes, errorSchema: schema)
    }

    static func notFound(_ what: String) -> APIResponse {
        .error(404, "No such \(what) belongs to the caller (a malformed id is a 404 too).", codes: ["not_found"])
    }

    static func conflict(_ description: String, code: String, schema: String = "Error") -> APIResponse {
        .error(409, description, codes: [code], schema: schema)
    }

    static let validationFailed = APIResponse.error(
        422, "Validation failed: `errors` lists every problem, one per field.", codes: ["validation_error"], schema: "ValidationError")

    static let unauthenticated = APIResponse.error(
        401, "Missing, malformed, expired, revoked or tampered access token.",
        codes: ["not_authenticated", "invalid_token"], headers: [.wwwAuthenticate])

    static let rateLimited = APIResponse.error(
        429, "Too many requests from this client address to /v1/auth/* in the current minute.",
        codes: ["rate_limited"], headers: [.retryAfter])

    /// What any JSON body can fail with before the handler sees it.
    static let bodyErrors: [APIResponse] = [
        .error(400, "The body is not valid JSON.", codes: ["invalid_json"]),
        .error(413, "The body is larger than 1 MiB.", codes: ["payload_too_large"]),
        .error(415, "The body was sent with a Content-Type other than application/json.", codes: ["unsupported_media_type"]),
        validationFailed,
    ]

    func with(links: [APILink]) -> APIResponse {
        var copy = self
        copy.links = links
        return copy
    }

    /// Two descriptions of one status: codes and headers combined (a header required only if both require it).
    func merging(_ other: APIResponse) -> APIResponse {
        var merged = self
        if !description.contains(other.description) {
            let codes = other.errorCodes.map { "`\($0)`" }.joined(separator: ", ")
            merged.description = description + (codes.isEmpty ? " Or: " : " Or (\(codes)): ") + other.description
        }
        for code in other.errorCodes where !merged.errorCodes.contains(code) { merged.errorCodes.append(code) }
        var names: [String] = []
        for name in headers.map(\.name) + other.headers.map(\.name) where !names.contains(name) { names.append(name) }
        merged.headers = names.map { name in
            let mine = headers.first { $0.name == name }, theirs = other.headers.first { $0.name == name }
            var header = (mine ?? theirs)!
            header.required = (mine?.required ?? false) && (theirs?.required ?? false)
            return header
        }
        merged.links += other.links
        return merged
    }

    func addingHeaders(_ extra: [APIHeader]) -> APIResponse {
        var copy = self
        for header in extra where !copy.headers.contains(where: { $0.name == header.name }) { copy.headers.append(header) }
        return copy
    }

    /// The body schema as documented: for errors, the named error schema narrowed to these codes.
    var bodySchema: JSONSchema? {
        guard let errorSchema else { return schema }
        let code: JSONSchema = errorCodes.count == 1 ? .constant(errorCodes[0]) : .string().with("enum", .strings(errorCodes))
        return .allOf([.ref(errorSchema), JSONSchema().with("properties", ["code": code.json])])
    }

    func rendered() -> JSONValue {
        var response = JSONObject()
        response["description"] = .string(description)
        if !headers.isEmpty {
            var rendered = JSONObject()
            for header in headers { rendered[header.name] = header.rendered() }
            response["headers"] = .object(rendered)
        }
        if let bodySchema {
            var media = JSONObject()
            media["schema"] = bodySchema.json
            if let itemSchema { media["x-itemSchema"] = itemSchema.json }
            var content = JSONObject()
            content[mediaType] = .object(media)
            response["content"] = .object(content)
        }
        if !links.isEmpty {
            var rendered = JSONObject()
            for link in links { rendered[link.name] = link.rendered() }
            response["links"] = .object(rendered)
        }
        return .object(response)
    }
}

extension JSONSchema {
    /// The schema of a request body type. Its properties are exactly the body's `CodingKeys` — `describe`
    /// is a switch over them, so a field added to the type cannot go undocumented — plus its ignored fields
    /// (any non-null value); `null` is allowed exactly for its `nullableFields`; any other key is invalid.
    static func requestBody<Body: RequestBody>(_: Body.Type, required: [Body.CodingKeys] = [],
                                               _ describe: (Body.CodingKeys) -> JSONSchema) -> JSONSchema {
        var properties: [(String, JSONSchema)] = Body.CodingKeys.allCases.map { key in
            let schema = describe(key)
            return (key.rawValue, Body.nullableFields.contains(key.rawValue) ? schema.nullable : schema)
        }
        for ignored in Body.ignoredFields.sorted() {
            properties.append((ignored, JSONSchema.not(.null).deprecated.described("Accepted for compatibility and ignored.")))
        }
        return .object(properties, required: .only(required.map(\.rawValue)))
    }

    static let null = JSONSchema().with("type", "null")

    /// One Server-Sent Event as a client parses it — `id` (increasing from 1), `event` (the name) and `data`
    /// (one JSON object) — for each of `events` (name → the schema of its `data`). `data` carries its schema
    /// as `contentMediaType: application/json` + `contentSchema`, the JSON Schema way to describe a string
    /// that holds JSON.
    static func serverSentEvent(_ events: [(String, JSONSchema)]) -> JSONSchema {
        let data = JSONSchema.string().with("contentMediaType", "application/json")
        let frame = JSONSchema.object([
            ("id", JSONSchema.string(pattern: "^[1-9][0-9]*$").described("The event's number in this stream: 1, 2, 3, …")),
            ("event", JSONSchema.string().with("enum", .strings(events.map(\.0)))),
            ("data", data.described("One line of JSON whose `type` is the event's name.")),
        ])
        let cases = events.map { name, schema in
            JSONSchema().with("properties", [
                "event": JSONSchema.constant(name).json,
                "data": data.with("contentSchema", schema.json).json,
            ])
        }
        return frame.with("anyOf", .array(cases.map(\.json)))
    }
}
