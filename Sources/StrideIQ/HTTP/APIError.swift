import StrideIQCore
import Vapor

/// The one error shape of the API: `{"detail": message, "code": machine_code, "errors": [...]?, ...extra}`.
/// `detail` keeps the original's clients working; `code` is what programs branch on.
public struct APIError: Error, Sendable {
    public var status: HTTPResponseStatus
    public var code: ErrorCode
    public var detail: String
    public var errors: [FieldError]?
    public var headers: HTTPHeaders
    /// Extra top-level fields, e.g. `existing_activity_id` on a duplicate.
    public var extra: [String: String]

    public init(
        _ status: HTTPResponseStatus, code: ErrorCode, detail: String, errors: [FieldError]? = nil,
        headers: HTTPHeaders = [:], extra: [String: String] = [:]
    ) {
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra
    }

    public static func validation(_ errors: [FieldError], detail: String? = nil) -> APIError {
        let summary = detail ?? errors.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
        return APIError(.unprocessableEntity, code: .validationError, detail: summary, errors: errors)
    }

    public static func validation(field: String, _ message: String) -> APIError {
        .validation([FieldError(field: field, message: message)])
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: .notFound, detail: "\(what) not found")
    }

    public static let unauthenticated = APIError(
        .unauthorized, code: .notAuthenticated, detail: "Not authenticated",
        headers: ["WWW-Authenticate": "Bearer"])

    public static let invalidToken = APIError(
        .unauthorized, code: .invalidToken, detail: "Invalid authentication credentials",
        headers: ["WWW-Authenticate": "Bearer"])

    public static func tooManyRequests(code: ErrorCode, detail: String, retryAfter seconds: Int) -> APIError {
        APIError(.tooManyRequests, code: code, detail: detail, headers: ["Retry-After": String(max(1, seconds))])
    }
}

extension FieldValidator {
    /// Throws a 422 with every collected problem, if any.
    func throwIfInvalid() throws {
        if !isValid { throw APIError.validation(errors) }
    }
}

/// The JSON body every error response carries.
struct ErrorBody: Encodable {
    let detail: String
    let code: ErrorCode
    let errors: [FieldError]?
    let extra: [String: String]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(detail, forKey: DynamicKey("detail"))
        try container.encode(code, forKey: DynamicKey("code"))
        if let errors { try container.encode(errors, forKey: DynamicKey("errors")) }
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) {
            try container.encode(value, forKey: DynamicKey(key))
        }
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
