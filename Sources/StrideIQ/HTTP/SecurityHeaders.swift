import Vapor

/// Headers that make the browser hold the web app to what it is: scripts, styles and requests only from this
/// origin (no inline script or style, no eval), never framed, no MIME sniffing, no referrer to other sites.
/// Set on every response by `EdgeMiddleware`, API and error responses included: they cost nothing and a JSON
/// body opened in a browser tab is then just as contained.
enum SecurityHeaders {
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

    static func apply(to headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: "Content-Security-Policy", value: contentSecurityPolicy)
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
    }
}
