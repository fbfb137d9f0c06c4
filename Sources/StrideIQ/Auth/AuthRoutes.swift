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
        auth.authenticated().get("me", use: me)
    }

    func register(req: Request) async throws -> JSONResponse<TokenResponse> {
        let body = try req.decodeBody(RegisterBody.self).value
        let (athlete, issued) = try await service(req).register(body, on: req.db)
        return tokenResponse(.created, issued, athlete, req)
    }

    func login(req: Request) async throws -> JSONResponse<TokenResponse> {
        let body = try req.decodeBody(LoginBody.self).value
        let (athlete, issued) = try await service(req).login(body, on: req.db)
        return tokenResponse(.ok, issued, athlete, req)
    }

    /// The refresh token comes from the body, or for the web app with an empty body from its cookie. A
    /// refused cookie is cleared, so the browser stops presenting a dead session.
    func refresh(req: Request) async throws -> Response {
        let hasBody = (req.body.data?.readableBytes ?? 0) > 0
        let fromCookie = hasBody ? nil : WebSessionCookie.token(req)
        // The web app without its cookie has no session to refresh (not a malformed request).
        if !hasBody, fromCookie == nil, WebSessionCookie.isWebClient(req) {
            return Self.clearingCookie(APIErrorMiddleware.response(for: TokenService.invalidRefresh, request: req), req)
        }
        let token = try fromCookie ?? req.decodeBody(RefreshBody.self).value.refreshToken
        do {
            let (athlete, issued) = try await service(req).refresh(token, on: req.db)
            return try await tokenResponse(.ok, issued, athlete, req).encodeResponse(for: req)
        } catch let error as APIError where fromCookie != nil {
            return Self.clearingCookie(APIErrorMiddleware.response(for: error, request: req), req)
        }
    }

    /// Ends the session of the body's refresh token, else the web app's cookie, and/or the bearer token; the
    /// web app's cookie is cleared.
    func logout(req: Request) async throws -> Response {
        let hasBody = (req.body.data?.readableBytes ?? 0) > 0
        let refreshToken = hasBody ? try req.decodeBody(LogoutBody.self).value.refreshToken : WebSessionCookie.token(req)
        let claims = req.storage[OptionalBearer.ClaimsKey.self]
        let isWeb = WebSessionCookie.isWebClient(req)
        do {
            try await service(req).logout(refreshToken: refreshToken, accessClaims: claims, on: req.db)
        } catch let error as APIError where isWeb {
            return Self.clearingCookie(APIErrorMiddleware.response(for: error, request: req), req)
        }
        let response = Response(status: .noContent)
        return isWeb ? Self.clearingCookie(response, req) : response
    }

    private static func clearingCookie(_ response: Response, _ req: Request) -> Response {
        response.headers.add(contentsOf: WebSessionCookie.clearing(for: req))
        return response
    }

    /// The token pair: for the web app the refresh token goes into its cookie and the body carries `null`.
    private func tokenResponse(
        _ status: HTTPResponseStatus, _ issued: TokenService.Issued, _ athlete: Athlete, _ req: Request
    ) -> JSONResponse<TokenResponse> {
        guard WebSessionCookie.isWebClient(req) else { return JSONResponse(status, TokenResponse(issued, athlete: athlete)) }
        return JSONResponse(
            status, TokenResponse(issued, athlete: athlete, refreshTokenInCookie: true),
            headers: WebSessionCookie.setting(issued.refreshToken, ttl: config.refreshTokenTTL, for: req))
    }

    func me(req: Request) async throws -> JSONResponse<AthleteDTO> {
        JSONResponse(.ok, AthleteDTO(try req.currentAthlete.athlete))
    }

    private func service(_ req: Request) -> AuthService {
        let app = req.application
        return AuthService(
            tokens: app.tokenService, loginGuard: app.loginGuard, metrics: app.metrics,
            hasher: app.strideIQ.passwords, dummyPasswordHash: app.strideIQ.dummyPasswordHash,
            keys: app.jwt.keys, logger: req.logger)
    }
}

/// For logout: accepts a valid access token when one is sent, without requiring it (a refresh token in the
/// body is enough). An invalid token is still a 401.
struct OptionalBearer: AsyncMiddleware {
    struct ClaimsKey: StorageKey { typealias Value = AccessClaims }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let token = request.headers.bearerToken {
            request.storage[ClaimsKey.self] = try await request.verifyAccessToken(token)
        }
        return try await next.respond(to: request)
    }
}
