import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var authOperations: [APIOperation] {
        let tokens = "An access token, a new refresh token and the account."
        let config = AppConfig()
        return [
            APIOperation(
                method: .post, path: "/v1/auth/register", id: "register", tag: "Auth",
                summary: "Create an account and start a session",
                access: .open, body: .json(.ref("RegisterRequest")), rateLimited: true,
                responses: [
                    .created(.ref("TokenResponse"), tokens),
                    .conflict("An account with this email already exists.", code: .emailAlreadyRegistered),
                ]),
            APIOperation(
                method: .post, path: "/v1/auth/login", id: "login", tag: "Auth",
                summary: "Start a session with email and password",
                description: """
                    \(config.loginMaxFailures) failed logins for one email within \(Int(config.loginFailureWindow / 60)) \
                    minutes lock it for \(Int(config.loginLockout / 60)) minutes (429 `account_locked`), defaults that \
                    the server's configuration may change.
                    """,
                access: .open, body: .json(.ref("LoginRequest")), rateLimited: true,
                responses: [
                    .ok(.ref("TokenResponse"), tokens),
                    .error(401, "Unknown email or wrong password.", codes: [.invalidCredentials], headers: [.wwwAuthenticate]),
                    .error(429, "The account is locked after repeated failures.", codes: [.accountLocked], headers: [.retryAfter]),
                ]),
            APIOperation(
                method: .post, path: "/v1/auth/refresh", id: "refreshSession", tag: "Auth",
                summary: "Exchange a refresh token for a new pair",
                description: """
                    The presented refresh token is consumed (rotated). Presenting one that was already rotated revokes \
                    its whole session, except within `REFRESH_REUSE_GRACE_SECONDS` of its rotation, when the answer \
                    carries the same new refresh token again (two tabs refreshing at once).
                    """,
                access: .open, body: .json(.ref("RefreshRequest")), rateLimited: true,
                responses: [
                    .ok(.ref("TokenResponse"), tokens),
                    .error(401, "The refresh token is unknown, expired, rotated or revoked.", codes: [.invalidRefreshToken]),
                ]),
            APIOperation(
                method: .post, path: "/v1/auth/logout", id: "logout", tag: "Auth", summary: "End a session",
                description: """
                    Ends the session of the refresh token in the body, or else of the bearer access token (which is \
                    revoked too). At least one of them is required; a bearer token that is sent must be valid.
                    """,
                access: .bearerOptional, body: .json(.ref("LogoutRequest"), required: false), rateLimited: true,
                responses: [
                    .noContent("The session is over."),
                    .error(
                        401, "Neither a valid bearer token nor a valid refresh token was sent.",
                        codes: [.notAuthenticated, .invalidToken, .invalidRefreshToken]),
                    .error(
                        503, "The logout could not be recorded (database unavailable); nothing changed, try again.",
                        codes: [.databaseUnavailable]),
                ]),
            APIOperation(
                method: .get, path: "/v1/auth/me", id: "getMe", tag: "Auth", summary: "The authenticated account",
                access: .bearer, rateLimited: true, responses: [.ok(.ref("Athlete"), "The caller's account.")]),
        ]
    }

    /// Characters Swift counts as whitespace (Unicode `White_Space`), which an email may not contain.
    static let whitespaceClass = #"\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"#

    /// `EmailRules.isValid` as a pattern: one `@`, something before it, a dot inside the domain (no empty
    /// label), no whitespace. `OpenAPITests` checks that the two agree.
    static let emailPattern = #"^[^@\#(whitespaceClass)]+@[^@.\#(whitespaceClass)]+(?:\.[^@.\#(whitespaceClass)]+)+$"#

    static var authSchemas: [(String, JSONSchema)] {
        let passwordBytes = Limits.Password.bytes
        return [
            (
                "RegisterRequest",
                .requestBody(RegisterBody.self, required: [.email, .password]) { key in
                    switch key {
                    case .email:
                        JSONSchema.string(
                            minLength: Limits.email.lowerBound, maxLength: Limits.email.upperBound,
                            pattern: emailPattern, examples: ["runner@example.com"])
                    case .password:
                        // JSON Schema counts code points, the rule counts UTF-8 bytes (1–4 per code point): these are
                        // the tightest code-point bounds that every valid password meets.
                        JSONSchema.string(length: (passwordBytes.lowerBound + 3) / 4...passwordBytes.upperBound).described(
                            """
                            \(passwordBytes.lowerBound)–\(passwordBytes.upperBound) bytes of UTF-8, not a commonly used \
                            password, not the email (or its part before the @).
                            """)
                    case .displayName: JSONSchema.string(length: Limits.displayName)
                    case .timezone: timeZone.defaulting(to: "UTC")
                    case .units: JSONSchema.string(oneOf: Units.self).defaulting(to: Units.metric.rawValue)
                    }
                }
            ),
            (
                "LoginRequest",
                .requestBody(LoginBody.self, required: [.email, .password]) { key in
                    switch key {
                    case .email: JSONSchema.string(length: LoginBody.emailLength).described("Matched case-insensitively.")
                    case .password: .string(length: LoginBody.passwordLength)
                    }
                }
            ),
            (
                "RefreshRequest",
                .requestBody(RefreshBody.self, required: [.refreshToken]) { key in
                    switch key {
                    case .refreshToken: .string(length: RefreshBody.tokenLength)
                    }
                }
            ),
            (
                "LogoutRequest",
                .requestBody(LogoutBody.self) { key in
                    switch key {
                    case .refreshToken:
                        JSONSchema.string(length: RefreshBody.tokenLength)
                            .described("The session to end; optional when a bearer access token is sent.")
                    }
                }
            ),
            TokenResponse.component,
        ]
    }
}

extension TokenResponse: DocumentedResponse {
    static let schemaName = "TokenResponse"
    static var openAPIExample: Self {
        Self(
            TokenService.Issued(accessToken: "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", refreshToken: "5Jq1Yx0c8n2L", expiresIn: 900),
            athlete: OpenAPIExample.athlete)
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "access_token": .described("A bearer JWT (HS256)."),
            "token_type": .constant("bearer"),
            "expires_in": JSONSchema.integer(atLeast: 1).described("Seconds until the access token expires."),
            "refresh_token": .described(
                "Opaque; single use (each refresh rotates it). `null` when the request carried `X-StrideIQ-Client: web`: the token is then in the `strideiq_refresh` HttpOnly cookie."
            ),
        ]
    }
}
