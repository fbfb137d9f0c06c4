import Fluent
import StrideIQCore
import Vapor

/// `/v1/auth/*`: register, login, refresh, logout, me (`AuthService`). Rate-limited per client IP.
struct AuthRoutes: RouteCollection {
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
        let (athlete, issued) = try await service(req).register(body, on: req.db)
        return JSONResponse(.created, TokenResponse(issued, athlete: athlete))
    }

    func login(req: Request) async throws -> JSONResponse<TokenResponse> {
        let body = try req.decodeBody(LoginBody.self).value
        let (athlete, issued) = try await service(req).login(body, on: req.db)
        return JSONResponse(.ok, TokenResponse(issued, athlete: athlete))
    }

    func refresh(req: Request) async throws -> JSONResponse<TokenResponse> {
        let body = try req.decodeBody(RefreshBody.self).value
        let (athlete, issued) = try await service(req).refresh(body.refreshToken, on: req.db)
        return JSONResponse(.ok, TokenResponse(issued, athlete: athlete))
    }

    func logout(req: Request) async throws -> HTTPStatus {
        let hasBody = (req.body.data?.readableBytes ?? 0) > 0
        let refreshToken = hasBody ? try req.decodeBody(LogoutBody.self).value.refreshToken : nil
        let claims = req.storage[OptionalBearer.ClaimsKey.self]
        try await service(req).logout(refreshToken: refreshToken, accessClaims: claims, on: req.db)
        return .noContent
    }

    func me(req: Request) async throws -> JSONResponse<AthleteDTO> {
        JSONResponse(.ok, AthleteDTO(try req.currentAthlete.athlete))
    }

    private func service(_ req: Request) -> AuthService {
        let app = req.application
        return AuthService(
            tokens: app.tokenService, loginGuard: app.loginGuard, metrics: app.metrics,
            hasher: req.password.async, dummyPasswordHash: app.strideIQ.dummyPasswordHash,
            keys: app.jwt.keys, logger: req.logger)
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
