import Foundation
import NIOCore
import Testing
import Vapor

@testable import StrideIQ

/// The web app as the server delivers it (docs/web-app.md): the page at every app path, versioned assets with
/// ETags, the security headers, and the browser session's refresh cookie. What the app does in a browser is
/// the browser suite's job (`scripts/browser-suite`).
@Suite("Web app")
struct WebAppTests {
    static let appPaths = [
        "/", "/signin", "/signup", "/checkin", "/activities", "/activities/new", "/activities/1f0c", "/plan", "/plan/build", "/coach",
        "/settings", "/progress",
    ]

    static func version(in page: String) -> String? {
        guard let range = page.range(of: #"/assets/([0-9a-f]+)/js/main\.js"#, options: .regularExpression) else { return nil }
        return page[range].split(separator: "/")[1].description
    }

    @Test func everyAppPathServesThePageWithRevalidation() async throws {
        try await TestApp.with(.sqlite, migrate: false) { t in
            let home = try await t.request(.GET, "/")
            #expect(home.status == .ok)
            #expect(home.headers.contentType == .html)
            #expect(home.headers.first(name: .cacheControl) == "no-cache")
            let etag = try #require(home.headers.first(name: .eTag))
            let version = try #require(Self.version(in: home.text), "the page names its versioned main.js")
            // The template is filled: the app's stylesheet and a modulepreload per module, no placeholder left.
            #expect(home.text.contains(#"<link rel="stylesheet" href="/assets/\#(version)/css/app.css">"#))
            #expect(home.text.contains(#"<link rel="modulepreload" href="/assets/\#(version)/js/lib/api.js">"#))
            #expect(!home.text.contains("{{VERSION}}") && !home.text.contains("<!-- STYLES -->"))
            for path in Self.appPaths {
                let reply = try await t.request(.GET, path)
                #expect(reply.status == .ok, "\(path)")
                #expect(reply.body == home.body, "\(path) serves the same page")
            }
            let revalidated = try await t.request(.GET, "/coach", headers: [("If-None-Match", etag)])
            #expect(revalidated.status == .notModified)
            #expect(revalidated.body.isEmpty)
            #expect(try await t.request(.GET, "/", headers: [("If-None-Match", "\"stale\"")]).status == .ok)
            // Not an app path: the API's JSON 404.
            expectError(try await t.request(.GET, "/no-such-page"), .notFound, code: "not_found")
        }
    }

    @Test func assetsAreVersionedCachedForeverAndRevalidated() async throws {
        try await TestApp.with(.sqlite, migrate: false) { t in
            let version = try #require(Self.version(in: try await t.request(.GET, "/").text))
            let script = try await t.request(.GET, "/assets/\(version)/js/main.js")
            #expect(script.status == .ok)
            #expect(script.headers.first(name: .contentType) == "text/javascript; charset=utf-8")
            #expect(script.headers.first(name: .cacheControl) == "public, max-age=31536000, immutable")
            let etag = try #require(script.headers.first(name: .eTag))
            #expect(
                try await t.request(.GET, "/assets/\(version)/js/main.js", headers: [("If-None-Match", "W/\(etag)")]).status == .notModified
            )
            let style = try await t.request(.GET, "/assets/\(version)/css/app.css")
            #expect(style.headers.first(name: .contentType) == "text/css; charset=utf-8")
            // A page from another release asks for its own version: today's file, revalidated every time.
            let other = try await t.request(.GET, "/assets/000000000000/js/main.js")
            #expect(other.status == .ok)
            #expect(other.body == script.body)
            #expect(other.headers.first(name: .cacheControl) == "no-cache")
            // Only files of the app, by exact name: no directory walking, no listing.
            for path in [
                "/assets/\(version)/js/nope.js", "/assets/\(version)/index.html", "/assets/\(version)/..%2F..%2FPackage.swift",
                "/assets/\(version)/js", "/assets/\(version)",
            ] {
                expectError(try await t.request(.GET, path), .notFound, code: "not_found")
            }
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        try await TestApp.with(.sqlite) { t in
            // Answered by the route, by the authentication, by no route, by a bad body, and refused before any
            // route by the edge itself (a repeated query parameter; a body in an unknown encoding).
            for (method, path, status, encoding) in [
                (HTTPMethod.GET, "/", HTTPStatus.ok, nil), (.GET, "/ping", .ok, nil), (.GET, "/v1/home", .unauthorized, nil),
                (.GET, "/nowhere", .notFound, nil), (.POST, "/v1/auth/login", .badRequest, nil),
                (.GET, "/v1/activities?limit=1&limit=2", .unprocessableEntity, nil),
                (.POST, "/v1/auth/login", .unsupportedMediaType, "br"),
            ] {
                let reply = try await t.request(
                    method, path, raw: method == .POST ? "{" : nil, headers: encoding.map { [("Content-Encoding", $0)] } ?? [])
                #expect(reply.status == status, "\(path)")
                #expect(reply.headers.first(name: .xRequestId) != nil, "\(path)")
                let csp = try #require(reply.headers.first(name: "Content-Security-Policy"), "\(path)")
                #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && csp.contains("base-uri 'none'"))
                #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
                #expect(reply.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                #expect(reply.headers.first(name: "Referrer-Policy") == "same-origin", "\(path)")
            }
        }
    }

    @Test func scriptsAndStylesStayWithinTheBudget() throws {
        let directory = try #require(WebAssets.locate(configured: nil))
        let assets = try WebAssets.load(from: directory)
        #expect(assets.scriptAndStyleBytes > 10_000, "the app is there")
        #expect(assets.scriptAndStyleBytes <= 150_000, "JS + CSS is \(assets.scriptAndStyleBytes) bytes; the budget is 150 KB")
    }

    /// What the CSP would refuse at run time, refused at test time too: no HTML parsing of strings, no
    /// evaluated code, no inline styles or handlers in the page (docs/web-app.md).
    @Test func theAppNeverParsesStringsAsHTMLOrCode() throws {
        let directory = try #require(WebAssets.locate(configured: nil))
        let assets = try WebAssets.load(from: directory)
        let forbidden = ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('style'"]
        for (path, file) in assets.files where path.hasSuffix(".js") {
            let text = String(buffer: file.body)
            for pattern in forbidden { #expect(!text.contains(pattern), "\(path) uses \(pattern)") }
        }
        let page = String(buffer: assets.page.body)
        for pattern in [" style=", " onclick=", " onload=", "<script>"] { #expect(!page.contains(pattern), "index.html has \(pattern)") }
    }

    @Test func webDirOverridesTheBundledAppAndMustHaveAPage() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("js"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"<script type="module" src="/assets/{{VERSION}}/js/main.js"></script>"#.utf8).write(
            to: directory.appendingPathComponent("index.html"))
        try Data("export {};".utf8).write(to: directory.appendingPathComponent("js/main.js"))
        try await TestApp.with(.sqlite, config: { $0.webDirectory = directory.path }, migrate: false) { t in
            let page = try await t.request(.GET, "/")
            let version = try #require(Self.version(in: page.text))
            #expect(try await t.request(.GET, "/assets/\(version)/js/main.js").text == "export {};")
        }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("index.html"))
        await #expect(throws: WebAssetsError.self) {
            try await TestApp.with(.sqlite, config: { $0.webDirectory = directory.path }, migrate: false) { _ in }
        }
    }

    // MARK: the browser session

    static let web = ("X-StrideIQ-Client", "web")

    struct SetCookie {
        let value: String
        let attributes: [String]
        init?(_ reply: Reply) {
            guard let header = reply.headers[.setCookie].first(where: { $0.hasPrefix("\(WebSessionCookie.name)=") }) else { return nil }
            let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            value = String(parts[0].dropFirst(WebSessionCookie.name.count + 1))
            attributes = Array(parts.dropFirst())
        }
        var cookieHeader: (String, String) { ("Cookie", "\(WebSessionCookie.name)=\(value)") }
    }

    @Test(arguments: TestBackend.available)
    func theRefreshTokenLivesInAnHttpOnlyCookieForTheWebApp(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let email = "web-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let body: JSON = ["email": "\(email)", "password": "tempo-run-42-miles"]
            let registered = try await t.request(.POST, "/v1/auth/register", json: body, headers: [Self.web])
            #expect(registered.status == .created)
            #expect(registered.json["refresh_token"] == .null, "the web app never sees the refresh token")
            #expect(registered.json["access_token"].string?.isEmpty == false)
            let first = try #require(SetCookie(registered))
            #expect(first.value.count > 20)
            #expect(
                Set(first.attributes).isSuperset(of: [
                    "HttpOnly", "SameSite=Strict", "Path=/v1/auth", "Max-Age=\(Int(t.config.refreshTokenTTL))",
                ]))
            #expect(!first.attributes.contains("Secure"), "plain HTTP from an untrusted peer is not HTTPS")

            // Every other client keeps the token in the body and gets no cookie.
            let bearer = try await t.request(.POST, "/v1/auth/login", json: body)
            #expect(bearer.json["refresh_token"].string?.isEmpty == false)
            #expect(SetCookie(bearer) == nil)

            // The page's hint cookie: no secret, readable, for the whole site, same lifetime.
            let hint = try #require(registered.headers[.setCookie].first { $0.hasPrefix("\(WebSessionCookie.hintName)=") })
            #expect(hint.hasPrefix("strideiq_session=1;") && hint.contains("Path=/;") && !hint.contains("HttpOnly"))
            #expect(!hint.contains(first.value))
            // The web app with no cookie has no session: 401, not a validation error.
            expectError(try await t.request(.POST, "/v1/auth/refresh", headers: [Self.web]), .unauthorized, code: "invalid_refresh_token")

            // Refresh by cookie needs the header (CSRF guard): without it the cookie is ignored, nothing rotates.
            let noHeader = try await t.request(.POST, "/v1/auth/refresh", headers: [first.cookieHeader])
            expectError(noHeader, .unprocessableEntity)
            let refreshed = try await t.request(.POST, "/v1/auth/refresh", headers: [first.cookieHeader, Self.web])
            #expect(refreshed.status == .ok)
            #expect(refreshed.json["refresh_token"] == .null)
            let second = try #require(SetCookie(refreshed))
            #expect(second.value != first.value, "rotated")
            let me = try await t.request(.GET, "/v1/auth/me", token: refreshed.json["access_token"].string)
            #expect(me.json["email"].string == email)

            // Logout ends the session and clears the cookie; the cookie is dead afterwards.
            let logout = try await t.request(
                .POST, "/v1/auth/logout", token: refreshed.json["access_token"].string, headers: [second.cookieHeader, Self.web])
            #expect(logout.status == .noContent)
            let cleared = try #require(SetCookie(logout))
            #expect(cleared.value.isEmpty && cleared.attributes.contains("Max-Age=0"))
            let dead = try await t.request(.POST, "/v1/auth/refresh", headers: [second.cookieHeader, Self.web])
            expectError(dead, .unauthorized, code: "invalid_refresh_token")
            #expect(SetCookie(dead)?.value.isEmpty == true, "a refused cookie is cleared")
        }
    }

    @Test func aReplayedCookieRevokesTheSessionAndIsCleared() async throws {
        // No grace window: within it a replay gets the same successor (two tabs refreshing at once).
        try await TestApp.with(.sqlite, config: { $0.refreshReuseGraceSeconds = 0 }) { t in
            let session = try await t.register()
            let login = try await t.request(
                .POST, "/v1/auth/login", json: ["email": "\(session.email)", "password": "\(session.password)"], headers: [Self.web])
            let stolen = try #require(SetCookie(login))
            let rotated = try #require(SetCookie(try await t.request(.POST, "/v1/auth/refresh", headers: [stolen.cookieHeader, Self.web])))
            let replay = try await t.request(.POST, "/v1/auth/refresh", headers: [stolen.cookieHeader, Self.web])
            expectError(replay, .unauthorized, code: "invalid_refresh_token")
            #expect(SetCookie(replay)?.attributes.contains("Max-Age=0") == true)
            // Reuse revoked the whole session: the legitimate successor is refused too.
            expectError(try await t.request(.POST, "/v1/auth/refresh", headers: [rotated.cookieHeader, Self.web]), .unauthorized)
        }
    }

    @Test func theCookieIsSecureOnlyWhenATrustedProxySaysHTTPS() async throws {
        try await TestApp.with(.sqlite, config: { $0.trustedProxies = [CIDR("10.0.0.0/8")!] }, migrate: false) { t in
            func secure(peer: String, proto: String?) -> Bool {
                var headers = HTTPHeaders()
                if let proto { headers.add(name: "X-Forwarded-Proto", value: proto) }
                let request = Request(
                    application: t.app, method: .POST, url: "/v1/auth/login", headers: headers,
                    remoteAddress: try! SocketAddress(ipAddress: peer, port: 4000), on: t.app.eventLoopGroup.next())
                let cookie = WebSessionCookie.setting("token", ttl: 60, for: request).first(name: .setCookie) ?? ""
                #expect(request.cameOverHTTPS == cookie.contains("; Secure"))
                return request.cameOverHTTPS
            }
            #expect(secure(peer: "10.0.0.5", proto: "https"))
            #expect(secure(peer: "10.0.0.5", proto: "https, http"))
            #expect(!secure(peer: "10.0.0.5", proto: "http"))
            #expect(!secure(peer: "10.0.0.5", proto: nil))
            #expect(!secure(peer: "203.0.113.9", proto: "https"), "an untrusted peer cannot claim HTTPS")
        }
    }
}
