import Fluent
import JWT
import StrideIQCore
import Vapor

/// Claims of the short-lived HS256 access token. `sid` names the refresh-token family (the login session),
/// so logging out with only an access token can end that session too.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var role: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim
    var sid: String

    /// Expiry is checked by `verifyAccessToken` against the app's clock (injectable in tests), not here.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The authenticated caller of this request, set by `AthleteAuthenticator`.
struct CurrentAthlete: Sendable {
    let athlete: Athlete
    let claims: AccessClaims
    var id: UUID { athlete.id! }
    var role: Role { athlete.role }
}

extension Request {
    private struct CurrentAthleteKey: StorageKey { typealias Value = CurrentAthlete }

    var currentAthlete: CurrentAthlete {
        get throws {
            guard let current = storage[CurrentAthleteKey.self] else { throw APIError.unauthenticated }
            return current
        }
    }

    func setCurrentAthlete(_ current: CurrentAthlete) { storage[CurrentAthleteKey.self] = current }
}

/// Requires a valid, unrevoked access token and loads its athlete (role and existence come from the database,
/// not from the token, so a deleted or demoted account loses access within one request).
struct AthleteAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = request.headers.bearerAuthorization else { throw APIError.unauthenticated }
        let claims = try await request.verifyAccessToken(bearer.token)
        guard let athleteID = UUID(uuidString: claims.sub.value),
            let athlete = try await Athlete.find(athleteID, on: request.db)
        else {
            throw APIError.invalidToken
        }
        request.setCurrentAthlete(CurrentAthlete(athlete: athlete, claims: claims))
        try await markSeen(athlete, on: request)
        return try await next.respond(to: request)
    }

    /// Records app use ("active in the last 24 h" counts it) at most once a minute per athlete.
    private func markSeen(_ athlete: Athlete, on request: Request) async throws {
        let now = request.application.now()
        if let seen = athlete.lastSeenAt, now.timeIntervalSince(seen) < 60 { return }
        try await Athlete.query(on: request.db).filter(\Athlete.$id == athlete.id!).set(\.$lastSeenAt, to: now).update()
        athlete.lastSeenAt = now
    }
}

extension Request {
    /// Signature (HS256 with our key only; `alg: none` and other keys fail), expiry against the app clock,
    /// and the revocation list. Any failure is the same 401.
    func verifyAccessToken(_ token: String) async throws -> AccessClaims {
        guard let claims = try? await jwt.verify(token, as: AccessClaims.self),
            claims.exp.value > application.now(),
            await !application.tokenService.isAccessTokenRevoked(jti: claims.jti.value, logger: logger)
        else {
            throw APIError.invalidToken
        }
        return claims
    }
}
