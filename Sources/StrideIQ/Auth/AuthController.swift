import Fluent
import Vapor
import StrideIQCore

/// `/v1/auth/*`: register, login, refresh, logout, me. Rate-limited per client IP.
struct AuthController: RouteCollection {
    let config: AppConfig

    func boot(routes: any RoutesBuilder) throws {
        let auth = routes.grouped("v1", "auth")
            .grouped(RateLimitMiddleware(scope: "auth", limitPerMinute: config.authRateLimitPerMinute))
        auth.post("register", use: register)
        auth.post("login", use: login)
        auth.post("refresh", use: refresh)
        auth.grouped(OptionalBearer()).post("logout", use: logout)
        auth.grouped(AthleteAuthenticator()).get("me", use: me)
    }

    func register(req: Request) async throws -> JSONResponse<TokenResponse> {
        let body = try req.decodeBody(RegisterBody.self).value
        let email = EmailRules.normalize(body.email)
        // bcrypt runs on Vapor's thread pool, never on the event loop.
        let hash = try await req.password.async.hash(body.password)
        let athlete = Athlete(email: email, passwordHash: hash, displayName: body.displayName,
                              timezone: body.timezone ?? "UTC", units: body.units ?? .metric)
        do {
            try await athlete.create(on: req.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw APIError(.conflict, code: "email_already_registered", detail: "Email already registered")
        }
        let issued = try await req.application.tokenService.startSession(for: athlete, request: req)
        return JSONResponse(.created, TokenResponse(issued, athlete: athlete))
    }

    func login(req: Request) async throws -> JSONResponse<TokenResponse> {
        let body = try req.decodeBody(LoginBody.self).value
        let email = EmailRules.normalize(body.email)
        let guardian = req.application.loginGuard
        let metrics = req.application.metrics
        if let remaining = await guardian.lockRemaining(email: email, logger: req.logger) {
            metrics.loginAttempt(result: "locked")
            throw Self.locked(remaining)
        }
        let athlete = try await Athlete.query(on: req.db).filter(\.$email == email).first()
        // Unknown emails cost one bcrypt too, so response time does not reveal which emails exist.
        let valid = try await req.password.async.verify(body.password, created: athlete?.passwordHash ?? req.application.strideIQ.dummyPasswordHash)
        guard valid, let athlete else {
            metrics.loginAttempt(result: "invalid")
            if let lock = await guardian.recordFailure(email: email, logger: req.logger) { throw Self.locked(lock) }
            throw APIError(.unauthorized, code: "invalid_credentials", detail: "Invalid email or password",
                           headers: ["WWW-Authenticate": "Bearer"])
        }
        await guardian.recordSuccess(email: email, logger: req.logger)
        metrics.loginAttempt(result: "ok")
        let issued = try await req.application.tokenService.startSession(for: athlete, request: req)
        return JSONResponse(.ok, TokenResponse(issued, athlete: athlete))
    }

    func refresh(req: Request) async throws -> JSONResponse<TokenResponse> {
        let body = try req.decodeBody(RefreshBody.self).value
        let (athlete, issued) = try await req.application.tokenService.refresh(body.refreshToken, request: req)
        return JSONResponse(.ok, TokenResponse(issued, athlete: athlete))
    }

    func logout(req: Request) async throws -> HTTPStatus {
        let refreshToken = (req.body.data?.readableBytes ?? 0) > 0 ? try req.decodeBody(LogoutBody.self).value.refreshToken : nil
        let claims = req.storage[OptionalBearer.ClaimsKey.self]
        guard refreshToken != nil || claims != nil else { throw APIError.unauthenticated }
        try await req.application.tokenService.logout(refreshToken: refreshToken, accessClaims: claims, request: req)
        return .noContent
    }

    func me(req: Request) async throws -> JSONResponse<AthleteDTO> {
        JSONResponse(.ok, AthleteDTO(try req.currentAthlete.athlete))
    }

    static func locked(_ remaining: Duration) -> APIError {
        let seconds = remaining.wholeSecondsRoundedUp
        let minutes = max(1, (seconds + 59) / 60)
        return .tooManyRequests(code: "account_locked",
                                detail: "Account temporarily locked. Try again in \(minutes) minute\(minutes == 1 ? "" : "s").",
                                retryAfter: seconds)
    }
}

/// For logout: accepts a valid access token when one is sent, without requiring it (a refresh token in the
/// body is enough). An invalid token is still a 401.
struct OptionalBearer: AsyncMiddleware {
    struct ClaimsKey: StorageKey { typealias Value = AccessClaims }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization {
            request.storage[ClaimsKey.self] = try await request.verifyAccessToken(bearer.token)
        }
        return try await next.respond(to: request)
    }
}

struct RegisterBody: RequestBody {
    let email: String
    let password: String
    let displayName: String?
    let timezone: String?
    let units: Units?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case email, password, timezone, units
        case displayName = "display_name"
    }
    /// The original accepted an invite/race code; we keep accepting (and ignoring) it.
    static var ignoredFields: Set<String> { ["race_code"] }

    func validate(into v: inout FieldValidator) {
        v.check(EmailRules.isValid(email), "email", "must be a valid email address")
        for problem in PasswordPolicy.problems(password: password, email: email) { v.fail("password", problem) }
        v.length(displayName, "display_name", Limits.displayName)
        if let timezone { v.check(TimeZoneRules.isValid(timezone), "timezone", "must be an IANA time zone such as Europe/Paris") }
    }
}

struct LoginBody: RequestBody {
    let email: String
    let password: String
    enum CodingKeys: String, CodingKey, CaseIterable { case email, password }
    /// Loose on purpose: a login only has to be checkable, not valid under today's rules.
    static let emailLength = 1...Limits.email.upperBound
    static let passwordLength = 1...1024
    func validate(into v: inout FieldValidator) {
        v.length(email, "email", Self.emailLength)
        v.length(password, "password", Self.passwordLength)
    }
}

struct RefreshBody: RequestBody {
    let refreshToken: String
    enum CodingKeys: String, CodingKey, CaseIterable { case refreshToken = "refresh_token" }
    static let tokenLength = 1...512
    func validate(into v: inout FieldValidator) { v.length(refreshToken, "refresh_token", Self.tokenLength) }
}

struct LogoutBody: RequestBody {
    let refreshToken: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case refreshToken = "refresh_token" }
    func validate(into v: inout FieldValidator) { v.length(refreshToken, "refresh_token", RefreshBody.tokenLength) }
}

/// The original's token response plus `refresh_token`.
struct TokenResponse: Encodable, Sendable {
    let accessToken: String
    let tokenType = "bearer"
    let expiresIn: Int
    let refreshToken: String
    let athlete: AthleteDTO

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in"
        case refreshToken = "refresh_token", athlete
    }

    init(_ issued: TokenService.Issued, athlete: Athlete) {
        accessToken = issued.accessToken; expiresIn = issued.expiresIn
        refreshToken = issued.refreshToken; self.athlete = AthleteDTO(athlete)
    }
}

enum EmailRules {
    /// Deliberately simple: one @, something before it, a dot in the domain, no spaces. Delivery proves the rest.
    /// Read code point by code point, like the pattern in the OpenAPI document (`OpenAPIDocument.emailPattern`).
    static func isValid(_ email: String) -> Bool {
        let scalars = email.unicodeScalars
        guard Limits.email.contains(scalars.count), !scalars.contains(where: \.properties.isWhitespace) else { return false }
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        // A dot in the domain, and no empty label: no leading, trailing or double dot.
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    static func normalize(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }
}
