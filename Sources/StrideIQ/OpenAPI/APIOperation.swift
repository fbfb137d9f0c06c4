import OpenAPIKit

/// One documented route: method, path (OpenAPI style, `{param}`), parameters, body and every response the
/// handler can give. Each feature lists its own next to its routes (`ActivitiesOpenAPI.swift`, …);
/// `OpenAPIDocument` renders them as `OpenAPI.Operation`s, and `OpenAPITests` compares them with the routes
/// the app actually registers.
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
    var parameters: [OpenAPI.Parameter] = []
    var body: OpenAPI.Request?
    /// `/v1/auth/*`: every response carries the `X-RateLimit-*` headers, and a 429 may come first.
    var rateLimited = false
    var responses: [APIResponse]

    /// The responses as documented: the declared ones plus those the access rule and the rate limit add,
    /// merged by status (error codes of one status are combined), in status order.
    var allResponses: [APIResponse] {
        var list = responses
        if access == .bearer { list.append(.unauthenticated) }
        // The JSON body errors; an upload (files, not JSON) documents its own.
        if let body, body.content[.json] != nil { list += APIResponse.bodyErrors }
        if rateLimited { list.append(.rateLimited) }
        var merged: [Int: APIResponse] = [:]
        for response in list { merged[response.status] = merged[response.status].map { $0.merging(response) } ?? response }
        let result = merged.values.sorted { $0.status < $1.status }
        return rateLimited ? result.map { $0.addingHeaders(APIHeader.rateLimitHeaders) } : result
    }

    var rendered: OpenAPI.Operation {
        let bearer: OpenAPI.SecurityRequirement = [.component(named: "bearerAuth"): []]
        let security: [OpenAPI.SecurityRequirement] =
            switch access {
            case .open: []
            case .bearer: [bearer]
            case .bearerOptional: [bearer, [:]]
            }
        var responses = OpenAPI.Response.Map()
        for response in allResponses { responses[.status(code: response.status)] = .b(response.rendered) }
        return OpenAPI.Operation(
            tags: [tag], summary: summary, description: description, operationId: id,
            parameters: parameters.map { .b($0) }, requestBody: body, responses: responses,
            security: security)
    }
}

extension OpenAPI.Parameter {
    static func path(_ name: String, _ schema: JSONSchema, _ description: String) -> Self {
        .path(name: name, schema: schema, description: description)
    }

    static func query(_ name: String, _ schema: JSONSchema, _ description: String) -> Self {
        .query(name: name, schema: schema, description: description)
    }

    /// An optional request header (never `Accept`, `Content-Type` or `Authorization`, which OpenAPI describes elsewhere).
    static func header(_ name: String, _ schema: JSONSchema, _ description: String) -> Self {
        .header(name: name, schema: schema, description: description)
    }
}

extension OpenAPI.Request {
    /// A JSON request body.
    static func json(_ schema: JSONSchema, required: Bool = true) -> Self {
        OpenAPI.Request(content: [.json: .b(OpenAPI.Content(schema: schema))], required: required)
    }
}

/// A response header.
struct APIHeader: Sendable {
    var name: String
    var schema: JSONSchema
    var required: Bool
    var description: String

    var rendered: OpenAPI.Header {
        OpenAPI.Header(schema: schema, description: description, required: required)
    }

    static let wwwAuthenticate = APIHeader(
        name: "WWW-Authenticate", schema: .constant("Bearer"), required: true,
        description: "The authentication scheme to use.")
    static let retryAfter = APIHeader(
        name: "Retry-After", schema: .integer(atLeast: 1), required: true,
        description: "Seconds to wait before trying again.")
    /// On every `/v1/auth/*` response (left out only when the shared cache is down and the limit is skipped).
    static let rateLimitHeaders = [
        APIHeader(
            name: "X-RateLimit-Limit", schema: .integer(atLeast: 1), required: false,
            description: "Requests allowed per client address per minute on /v1/auth/*."),
        APIHeader(
            name: "X-RateLimit-Remaining", schema: .integer(atLeast: 0), required: false,
            description: "Requests left in the current minute."),
        APIHeader(
            name: "X-RateLimit-Reset", schema: .integer(1...60), required: false,
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
        self.name = name
        self.operationID = operationID
        self.parameters = parameters
    }

    var rendered: OpenAPI.Link {
        var expressions = OrderedDictionary<String, Either<OpenAPI.RuntimeExpression, AnyCodable>>()
        for (name, expression) in parameters {
            guard let parsed = OpenAPI.RuntimeExpression(rawValue: expression) else {
                preconditionFailure("link \(self.name): \(expression) is not a runtime expression")
            }
            expressions[name] = .a(parsed)
        }
        return OpenAPI.Link(operationId: operationID, parameters: expressions)
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
    var mediaType = OpenAPI.ContentType.json
    /// For `text/event-stream`: the schema of one event (`{id, event, data}`), rendered as the media type's
    /// `x-itemSchema` (OpenAPI 3.2 calls it `itemSchema`; 3.1 has no such field). `schema` stays the 3.1
    /// reading: the body as a whole, a string.
    var itemSchema: ServerSentEventSchema?
    /// For error responses: the `code` values this status can carry here.
    var errorCodes: [ErrorCode] = []
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

    /// 200 with a `text/event-stream` body: a string as a whole, each event valid against `events`.
    static func eventStream(
        _ description: String, body: String, events: ServerSentEventSchema,
        headers: [APIHeader] = []
    ) -> APIResponse {
        APIResponse(
            status: 200, description: description, schema: JSONSchema.string(description: body), headers: headers,
            mediaType: .eventStream, itemSchema: events)
    }

    /// An error in the one error shape, with the codes it can carry.
    static func error(
        _ status: Int, _ description: String, codes: [ErrorCode], schema: String = "Error",
        headers: [APIHeader] = []
    ) -> APIResponse {
        APIResponse(status: status, description: description, schema: nil, headers: headers, errorCodes: codes, errorSchema: schema)
    }

    static func notFound(_ what: String) -> APIResponse {
        .error(404, "No such \(what) belongs to the caller (a malformed id is a 404 too).", codes: [.notFound])
    }

    static func conflict(_ description: String, code: ErrorCode, schema: String = "Error") -> APIResponse {
        .error(409, description, codes: [code], schema: schema)
    }

    static let validationFailed = APIResponse.error(
        422, "Validation failed: `errors` lists every problem, one per field.", codes: [.validationError], schema: "ValidationError")

    static let unauthenticated = APIResponse.error(
        401, "Missing, malformed, expired, revoked or tampered access token.",
        codes: [.notAuthenticated, .invalidToken], headers: [.wwwAuthenticate])

    static let rateLimited = APIResponse.error(
        429, "Too many requests from this client address to /v1/auth/* in the current minute.",
        codes: [.rateLimited], headers: [.retryAfter])

    /// What any JSON body can fail with before the handler sees it.
    static let bodyErrors: [APIResponse] = [
        .error(400, "The body is not valid JSON.", codes: [.invalidJSON]),
        .error(413, "The body is larger than 1 MiB.", codes: [.payloadTooLarge]),
        .error(415, "The body was sent with a Content-Type other than application/json.", codes: [.unsupportedMediaType]),
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
            let codes = other.errorCodes.map { "`\($0.rawValue)`" }.joined(separator: ", ")
            merged.description = description + (codes.isEmpty ? " Or: " : " Or (\(codes)): ") + other.description
        }
        for code in other.errorCodes where !merged.errorCodes.contains(code) { merged.errorCodes.append(code) }
        var names: [String] = []
        for name in headers.map(\.name) + other.headers.map(\.name) where !names.contains(name) { names.append(name) }
        merged.headers = names.map { name in
            let mine = headers.first { $0.name == name }
            let theirs = other.headers.first { $0.name == name }
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
        let code = JSONSchema.strings(errorCodes.map(\.rawValue)).optionalSchemaObject()
        return .all(of: [.ref(errorSchema), .object(properties: ["code": code])], core: .init())
    }

    var rendered: OpenAPI.Response {
        var content = OpenAPI.Content.Map()
        if let bodySchema {
            let extensions = itemSchema.map { ["x-itemSchema": AnyCodable($0)] } ?? [:]
            content[mediaType] = .b(OpenAPI.Content(schema: bodySchema, vendorExtensions: extensions))
        }
        var headerMap = OpenAPI.Header.Map()
        for header in headers { headerMap[header.name] = .b(header.rendered) }
        var linkMap = OpenAPI.Link.Map()
        for link in links { linkMap[link.name] = .b(link.rendered) }
        return OpenAPI.Response(
            description: description, headers: headers.isEmpty ? nil : headerMap, content: content,
            links: linkMap)
    }
}
