import Fluent
import JWT
import StrideIQCore
import StrideIQSupport
import Vapor

/// Accounts and sessions, on a database and plain values (no request): register, log in (with the lockout),
/// refresh, log out.
struct AuthService: Sendable {
    let tokens: TokenService
    let loginGuard: LoginGuard
    let metrics: Metrics
    /// bcrypt on its own low-priority threads (never on an event loop), bounded by its gate.
    let hasher: PasswordHashing
    /// Verified against for unknown emails (`AppServices.dummyPasswordHash`).
    let dummyPasswordHash: String
    let keys: JWTKeyCollection
    let logger: Logger

    /// A new account and its first session; an email already registered is a 409.
    func register(_ body: RegisterBody, on db: any Database) async throws -> (Athlete, TokenService.Issued) {
        let email = EmailRules.normalize(body.email)
        let hash = try await hasher.hash(body.password)
        let athlete = Athlete(
            email: email, passwordHash: hash, displayName: body.displayName,
            timezone: body.timezone ?? "UTC", units: body.units ?? .metric)
        do {
            try await athlete.create(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw APIError(.conflict, code: .emailAlreadyRegistered, detail: "Email already registered")
        }
        return (athlete, try await tokens.startSession(for: athlete, keys: keys, on: db))
    }

    /// A new session for the right email and password. Every password check is an attempt reserved first
    /// (`LoginGuard.reserveAttempt`), so concurrent guesses cannot outrun the lockout.
    func login(_ body: LoginBody, on db: any Database) async throws -> (Athlete, TokenService.Issued) {
        let email = EmailRules.normalize(body.email)
        if let remaining = await loginGuard.lockRemaining(email: email, logger: logger) {
            metrics.loginAttempt(result: "locked")
            throw Self.locked(remaining)
        }
        let reservation = await loginGuard.reserveAttempt(email: email, logger: logger)
        if case .refused(let remaining) = reservation {
            metrics.loginAttempt(result: "locked")
            throw Self.locked(remaining)
        }
        let athlete = try await Athlete.query(on: db).filter(\.$email == email).first()
        // Unknown emails cost one bcrypt too, so response time does not reveal which emails exist.
        let created = athlete?.passwordHash ?? dummyPasswordHash
        let valid = try await hasher.verify(body.password, created: created)
        guard valid, let athlete else {
            metrics.loginAttempt(result: "invalid")
            if let lock = await loginGuard.recordFailure(email: email, reservation: reservation, logger: logger) {
                throw Self.locked(lock)
            }
            throw APIError(
                .unauthorized, code: .invalidCredentials, detail: "Invalid email or password",
                headers: ["WWW-Authenticate": "Bearer"])
        }
        await loginGuard.recordSuccess(email: email, logger: logger)
        metrics.loginAttempt(result: "ok")
        return (athlete, try await tokens.startSession(for: athlete, keys: keys, on: db))
    }

    /// Exchanges a refresh token for a new pair (`TokenService.refresh`).
    func refresh(_ refreshToken: String, on db: any Database) async throws -> (Athlete, TokenService.Issued) {
        try await tokens.refresh(refreshToken, keys: keys, on: db, logger: logger)
    }

    /// Ends the session named by the refresh token, the access token, or both; neither is a 401.
    func logout(refreshToken: String?, accessClaims: AccessClaims?, on db: any Database) async throws {
        guard refreshToken != nil || accessClaims != nil else { throw APIError.unauthenticated }
        try await tokens.logout(refreshToken: refreshToken, accessClaims: accessClaims, on: db, logger: logger)
    }

    static func locked(_ remaining: Duration) -> APIError {
        let seconds = remaining.wholeSecondsRoundedUp
        let minutes = max(1, (seconds + 59) / 60)
        return .tooManyRequests(
            code: .accountLocked,
            detail: "Account temporarily locked. Try again in \(minutes) minute\(minutes == 1 ? "" : "s").",
            retryAfter: seconds)
    }
}
