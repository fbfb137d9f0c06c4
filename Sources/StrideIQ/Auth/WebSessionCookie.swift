import Vapor

/// The web app's session: its refresh token travels in an `HttpOnly; SameSite=Strict; Path=/v1/auth` cookie,
/// so no script (and no injected script) can read it, and the access token lives only in the page's memory.
///
/// The cookie is used only when the request says it comes from the web app (`X-StrideIQ-Client: web`). A
/// cross-site page can make a browser send the cookie with a plain form post, but it cannot add a custom
/// header without a CORS preflight, which this server never grants: requiring the header is the CSRF guard.
/// Every other client keeps the bearer API with the refresh token in the JSON body.
///
/// A second cookie, `strideiq_session=1` (readable by the page, path `/`, same lifetime), carries no secret:
/// it only tells the page that a session may exist, so a first visit does not fire a refresh that can only fail.
enum WebSessionCookie {
    static let clientHeader: HTTPHeaders.Name = "X-StrideIQ-Client"
    static let name = "strideiq_refresh"
    static let path = "/v1/auth"
    static let hintName = "strideiq_session"

    static func isWebClient(_ req: Request) -> Bool {
        req.headers.first(name: clientHeader)?.trimmingCharacters(in: .whitespaces).lowercased() == "web"
    }

    /// The refresh token from the cookie, only for a request that carries the web client's header.
    static func token(_ req: Request) -> String? {
        guard isWebClient(req), let value = req.cookies[name]?.string, !value.isEmpty else { return nil }
        return value
    }

    /// `Set-Cookie` carrying a new refresh token for `ttl` seconds.
    static func setting(_ token: String, ttl: TimeInterval, for req: Request) -> HTTPHeaders {
        headers(value: token, maxAge: Int(ttl), for: req)
    }

    /// `Set-Cookie` that deletes the cookie.
    static func clearing(for req: Request) -> HTTPHeaders {
        headers(value: "", maxAge: 0, for: req)
    }

    private static func headers(value: String, maxAge: Int, for req: Request) -> HTTPHeaders {
        let expires = maxAge == 0 ? Date(timeIntervalSince1970: 0) : nil
        let secure = req.cameOverHTTPS
        let token = HTTPCookies.Value(
            string: value, expires: expires, maxAge: maxAge, path: path, isSecure: secure, isHTTPOnly: true, sameSite: .strict)
        let hint = HTTPCookies.Value(
            string: maxAge == 0 ? "" : "1", expires: expires, maxAge: maxAge, path: "/", isSecure: secure, isHTTPOnly: false,
            sameSite: .strict)
        var headers = HTTPHeaders()
        headers.add(name: .setCookie, value: token.serialize(name: name))
        headers.add(name: .setCookie, value: hint.serialize(name: hintName))
        return headers
    }
}

extension Request {
    /// The browser's connection was HTTPS: this server speaks plain HTTP, so only a trusted proxy
    /// (`TRUSTED_PROXIES`) can say so, with `X-Forwarded-Proto: https`.
    var cameOverHTTPS: Bool {
        let peer = remoteAddress?.ipAddress ?? ""
        guard application.config.trustedProxies.contains(where: { $0.contains(peer) }) else { return false }
        let proto = headers.first(name: "X-Forwarded-Proto")?.split(separator: ",").first
        return proto?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }
}
