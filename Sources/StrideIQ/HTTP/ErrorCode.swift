import Vapor

/// Every `code` an error response of the API can carry (the `code` of the one error shape, `APIError`).
/// Programs branch on these, so a raw value never changes once shipped; the OpenAPI document lists them all.
///
/// Not listed here: the `code` of the coach's `error` stream frame and the `error_code` of a saved coach
/// answer. Those describe how an answer that already started ended (`provider_timeout`, `malformed_stream`,
/// `LLMError.code`, …), arrive inside a 200 response and are stored with the message, so they stay the coach
/// turn's own vocabulary (`CoachTurn`).
public enum ErrorCode: String, CaseIterable, Sendable, Codable {
    // MARK: any route

    /// A malformed request that no more specific code describes (a 400 from Vapor itself).
    case badRequest = "bad_request"
    /// The body is not valid JSON.
    case invalidJSON = "invalid_json"
    /// The body is larger than the 1 MiB limit.
    case payloadTooLarge = "payload_too_large"
    /// The body was sent with a content type other than JSON.
    case unsupportedMediaType = "unsupported_media_type"
    /// The body was sent with a `Content-Encoding` other than gzip, deflate or identity (415).
    case unsupportedContentEncoding = "unsupported_content_encoding"
    /// The body is not valid for its `Content-Encoding`: a corrupt, truncated or trailing-garbage gzip/deflate stream (400).
    case invalidContentEncoding = "invalid_content_encoding"
    /// One or more fields (body, query or path) break a rule; `errors` lists each one.
    case validationError = "validation_error"
    /// No such resource for the caller, or no route matches the path.
    case notFound = "not_found"
    /// The route exists but not for this HTTP method.
    case methodNotAllowed = "method_not_allowed"
    /// The per-client request budget of the route is spent; `Retry-After` says when it refills.
    case rateLimited = "rate_limited"
    /// An unexpected failure; its details go to the log, never to the client.
    case internalError = "internal_error"
    /// A dependency is unavailable (a 503 not covered by a more specific code).
    case serviceUnavailable = "service_unavailable"
    /// The database cannot be reached (refused, closed or pool exhausted); `Retry-After` says when to retry (503).
    case databaseUnavailable = "database_unavailable"

    // MARK: authentication and access

    /// No credentials were sent where they are required (also `/metrics` without its token).
    case notAuthenticated = "not_authenticated"
    /// The access token is malformed, expired, or signed with another key.
    case invalidToken = "invalid_token"
    /// The refresh token is unknown, expired, rotated or revoked.
    case invalidRefreshToken = "invalid_refresh_token"
    /// Login with an unknown email or a wrong password.
    case invalidCredentials = "invalid_credentials"
    /// Too many failed logins for this email; `Retry-After` says when it unlocks.
    case accountLocked = "account_locked"
    /// Registration with an email that already has an account.
    case emailAlreadyRegistered = "email_already_registered"
    /// The caller's role does not allow this action (admin routes; `seed-demo` in production).
    case forbidden

    // MARK: writes

    /// A write clashed with the stored state and no more specific code applies (a 409 that carries only a status).
    case conflict
    /// The activity matches one already recorded (start and distance close); `existing_activity_id` names it.
    case duplicateActivity = "duplicate_activity"
    /// Another plan of the athlete is already active.
    case activePlanExists = "active_plan_exists"
    /// The plan already has a workout on that date.
    case workoutDateTaken = "workout_date_taken"
    /// The plan's workouts changed since the adaptation proposal was made; ask for a new one.
    case proposalStale = "proposal_stale"
    /// The adaptation proposal was already accepted, rejected or superseded.
    case proposalNotPending = "proposal_not_pending"
    /// The goal race is too close for a plan of its distance; `detail` states the minimum number of weeks.
    case planTooShort = "plan_too_short"

    // MARK: imports

    /// One activity file is over `IMPORT_MAX_FILE_BYTES` (a 413, or a file's `failed` result in a batch).
    case fileTooLarge = "file_too_large"
    /// The upload (an archive or a batch) is over `IMPORT_MAX_ARCHIVE_BYTES`.
    case archiveTooLarge = "archive_too_large"
    /// The archive or batch has more files than `IMPORT_MAX_ARCHIVE_ENTRIES`.
    case tooManyFiles = "too_many_files"
    /// The archive expands past `IMPORT_MAX_EXPANDED_BYTES` or `IMPORT_MAX_INFLATE_RATIO` × its size.
    case archiveExpandsTooFar = "archive_expands_too_far"
    /// The archive cannot be read as a zip file.
    case invalidArchive = "invalid_archive"
    /// The upload holds no file to import.
    case noFiles = "no_files"
    /// The activity has no recorded streams (it was typed in, not imported from a file).
    case noStreams = "no_streams"

    // MARK: coach

    /// The athlete has not turned on `ai_consent`.
    case aiConsentRequired = "ai_consent_required"
    /// Every coach stream slot (of the process or of the athlete) is taken; `Retry-After` says when to retry.
    case coachBusy = "coach_busy"
    /// The athlete's daily coach message budget is spent; `resets_at` says when it refills.
    case coachBudgetExhausted = "coach_budget_exhausted"
    /// The process is shutting down and takes no new coach turns.
    case shuttingDown = "shutting_down"

    /// The code of an error that carries only a status (Vapor's own aborts, unmatched routes).
    public init(status: HTTPResponseStatus) {
        self =
            switch status.code {
            case 400: .badRequest
            case 401: .notAuthenticated
            case 403: .forbidden
            case 404: .notFound
            case 405: .methodNotAllowed
            case 409: .conflict
            case 413: .payloadTooLarge
            case 415: .unsupportedMediaType
            case 422: .validationError
            case 429: .rateLimited
            case 503: .serviceUnavailable
            default: status.code >= 500 ? .internalError : .badRequest
            }
    }
}
