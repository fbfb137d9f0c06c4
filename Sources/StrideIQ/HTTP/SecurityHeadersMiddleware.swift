import Vapor

/// Headers that make the browser hold the web app to what it is: scripts, styles and requests only from this
/// origin (no inline script or style, no eval), never framed, no MIME sniffing, no referrer to other sites.
/// Set on every response, API and error responses included: they cost nothing and a JSON body opened in a
/// browser tab is then just as contained.
// Future-based like every middleware on the path of each request: an `AsyncMiddleware` costs a task per
// request and layer.
struct SecurityHeadersMiddleware: Middleware {
    static let contentSecurityPolicy = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)
            response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
            response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
            return response
        }
    }
}
