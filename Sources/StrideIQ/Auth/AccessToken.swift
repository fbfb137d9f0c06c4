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
/// not from the token, so a deleted or demoted account loses access within one request). The revocation check
/// rides on that athlete lookup (`ActiveAthleteLookup`): a logged-out token finds no athlete.
///
/// Applied to routes with `routes.authenticated()`, not as an `AsyncMiddleware`: a middleware runs as a task of
/// its own and the route's `async` handler as another, with the thread hops between them, on every
/// authenticated request. `AuthenticatedRoutes` wraps each route's own responder instead, so the check and an
/// `async` handler run in one task.
enum AthleteAuthenticator {
    /// Sets `request.currentAthlete`, or throws the 401.
    static func authenticate(_ request: Request) async throws {
        guard let token = request.headers.bearerToken else { throw APIError.unauthenticated }
        let claims = try await request.verifyAccessTokenSignature(token)
        guard let athleteID = UUID(uuidString: claims.sub.value),
            let athlete = try await ActiveAthleteLookup.athlete(
                id: athleteID, jti: claims.jti.value, on: request.application.loopDatabases.database(for: request))
        else {
            throw APIError.invalidToken
        }
        request.setCurrentAthlete(CurrentAthlete(athlete: athlete, claims: claims))
        try await markSeen(athlete, on: request)
    }

    /// How stale `last_seen_at` may get before a request writes it again. Its one reader is the briefing
    /// scheduler's "active in the last 24 h" (`BriefingScheduler.activeWindow`), which an hour's resolution
    /// serves as well as a minute's. The write is on the request path, so each one is a request that pays for
    /// a database write: once a minute, an athlete who kept the app open paid it sixty times an hour, and every
    /// athlete's first request after a minute's pause paid it at once.
    static let seenResolution: TimeInterval = 3600

    /// Records app use, at most once per `seenResolution` per athlete.
    private static func markSeen(_ athlete: Athlete, on request: Request) async throws {
        let now = request.application.now()
        if let seen = athlete.lastSeenAt, now.timeIntervalSince(seen) < seenResolution { return }
        try await Athlete.query(on: request.db).filter(\Athlete.$id == athlete.id!).set(\.$lastSeenAt, to: now).update()
        athlete.lastSeenAt = now
    }
}

extension HTTPHeaders {
    /// The token of `Authorization: Bearer <token>`, read as Vapor's `bearerAuthorization` reads it (the scheme
    /// in any case, spaces around and between the two parts, nothing else) without its allocations: on every
    /// authenticated request its split into an array and lowercased copy were about 3 % of the CPU.
    var bearerToken: String? {
        guard let value = first(name: .authorization) else { return nil }
        let bytes = value.utf8
        let space = UInt8(ascii: " ")
        guard let schemeStart = bytes.firstIndex(where: { $0 != space }) else { return nil }
        let schemeEnd = bytes[schemeStart...].firstIndex(of: space) ?? bytes.endIndex
        guard bytes[schemeStart..<schemeEnd].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }),
            let tokenStart = bytes[schemeEnd...].firstIndex(where: { $0 != space })
        else { return nil }
        let tokenEnd = bytes[tokenStart...].firstIndex(of: space) ?? bytes.endIndex
        guard bytes[tokenEnd...].allSatisfy({ $0 == space }) else { return nil }
        return String(value[tokenStart..<tokenEnd])
    }
}

extension RoutesBuilder {
    /// Routes that require a signed-in athlete (`AthleteAuthenticator`). With `onEventLoop`, the check and the
    /// handler run on the request's event loop (`EventLoopTaskExecutor`), which only a handler that never
    /// blocks or computes for long may do.
    func authenticated(onEventLoop: Bool = false) -> any RoutesBuilder {
        AuthenticatedRoutes(root: self, onEventLoop: onEventLoop)
    }
}

/// Puts `AthleteAuthenticator` in front of every route added through it, including those added through groups
/// made from it (their middleware stays inside the check, as a grouped middleware's would).
private struct AuthenticatedRoutes: RoutesBuilder {
    let root: any RoutesBuilder
    let onEventLoop: Bool

    func add(_ route: Route) {
        route.responder = AuthenticatedResponder(route: route.responder, onEventLoop: onEventLoop)
        root.add(route)
    }
}

/// Checks the caller, then answers with the route's own responder in the same task when that responder is
/// `async` (a route handler) rather than starting another.
private struct AuthenticatedResponder: AsyncResponder {
    let route: any Responder
    /// `route` as an `async` responder, when it is one: looked up once, when the route is added.
    let handler: (any AsyncResponder)?
    let onEventLoop: Bool

    init(route: any Responder, onEventLoop: Bool) {
        self.route = route
        handler = route as? any AsyncResponder
        self.onEventLoop = onEventLoop
    }

    /// Starts the task that answers: as Vapor's `AsyncResponder` would (on the global executor), or with the
    /// request's event loop as its executor.
    func respond(to request: Request) -> EventLoopFuture<Response> {
        let promise = request.eventLoop.makePromise(of: Response.self)
        let executor = onEventLoop ? request.application.loopExecutors.executor(for: request.eventLoop) : nil
        Task(executorPreference: executor) {
            do { promise.succeed(try await self.respond(to: request)) } catch { promise.fail(error) }
        }
        return promise.futureResult
    }

    func respond(to request: Request) async throws -> Response {
        try await AthleteAuthenticator.authenticate(request)
        if let handler { return try await handler.respond(to: request) }
        return try await route.respond(to: request).get()
    }
}

extension Request {
    /// Signature, expiry and the revocation list (a database lookup), for a route that does not load the athlete
    /// (`OptionalBearer`). Any failure is the same 401.
    func verifyAccessToken(_ token: String) async throws -> AccessClaims {
        let claims = try await verifyAccessTokenSignature(token)
        guard try await !application.tokenService.isAccessTokenRevoked(jti: claims.jti.value, on: db) else {
            throw APIError.invalidToken
        }
        return claims
    }

    /// The header (`AccessTokenHeader`), the signature (HS256 with our key only; `alg: none` and other keys
    /// fail) and expiry against the app clock; not the revocation list. Any failure is the same 401. A token
    /// whose header and signature passed once is not checked again (`TokenService.verifiedAccessTokens`); its
    /// expiry is, every time.
    func verifyAccessTokenSignature(_ token: String) async throws -> AccessClaims {
        let verified = application.tokenService.verifiedAccessTokens
        let claims: AccessClaims
        if let known = verified.remembered(for: token, input: token) {
            claims = known
        } else {
            guard AccessTokenHeader.isAcceptable(token), let checked = try? await jwt.verify(token, as: AccessClaims.self)
            else { throw APIError.invalidToken }
            verified.remember(checked, for: token, input: token)
            claims = checked
        }
        guard claims.exp.value > application.now() else { throw APIError.invalidToken }
        return claims
    }
}

/// The JOSE header of an access token must be exactly what `TokenService` issues: `alg` `HS256`, optionally
/// `typ` `JWT`, nothing else. The signature check alone does not look at the header, so without this a token
/// claiming `RS256`, or naming a `kid`, a `jku` or a `crit` extension, was accepted as long as its HMAC was
/// ours; another verifier in front (a proxy, a future key rotation by `kid`) could be misled by such a header.
enum AccessTokenHeader {
    static func isAcceptable(_ token: String) -> Bool {
        guard let dot = token.firstIndex(of: "."),
            let data = base64URLDecoded(token[..<dot]),
            let header = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            header["alg"] as? String == "HS256"
        else { return false }
        if let typ = header["typ"], typ as? String != "JWT" { return false }
        return Set(header.keys).isSubset(of: ["alg", "typ"])
    }

    private static func base64URLDecoded(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
