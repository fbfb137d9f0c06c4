import Foundation
import NIOCore
import SQLKit
import Testing
import Vapor

@testable import StrideIQ

@Suite("Accounts and tokens")
struct AuthTests {
    @Test(arguments: TestBackend.available)
    func registerLoginMeRefreshLogout(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register(email: "Ada@Example.com")
            let me = try await t.request(.GET, "/v1/auth/me", token: s.accessToken)
            #expect(me.status == .ok)
            #expect(me.json["email"].string == "ada@example.com")
            #expect(me.json["role"].string == "athlete")

            let login = try await t.request(.POST, "/v1/auth/login", json: ["email": "ada@example.com", "password": "\(s.password)"])
            #expect(login.status == .ok)
            #expect(login.json["token_type"].string == "bearer")
            #expect(login.json["expires_in"].int == 900)
            #expect(login.json["athlete"]["id"].string == s.athleteID)
            #expect(login.json["refresh_token"].string?.isEmpty == false)

            let refreshed = try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"])
            #expect(refreshed.status == .ok)
            let newRefresh = try #require(refreshed.json["refresh_token"].string)
            #expect(newRefresh != s.refreshToken)

            let logout = try await t.request(.POST, "/v1/auth/logout", json: ["refresh_token": "\(newRefresh)"])
            #expect(logout.status == .noContent)
            expectError(
                try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(newRefresh)"]), .unauthorized,
                code: "invalid_refresh_token")
        }
    }

    /// App use is written to `last_seen_at` by the first authenticated request, then not again until it is
    /// `seenResolution` old (the scheduler's 24 h window needs no finer), so most requests write nothing.
    @Test(arguments: TestBackend.available)
    func appUseIsRecordedAtMostOncePerResolution(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, config: { $0.accessTokenTTL = 86_400 }, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let id = try #require(UUID(uuidString: s.athleteID))
            func lastSeen() async throws -> Date? { try await Athlete.find(id, on: t.app.db)?.lastSeenAt }
            #expect(try await lastSeen() == nil, "registering is not using the app")

            let first = clock.now()
            #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok)
            let recorded = try #require(try await lastSeen())
            #expect(abs(recorded.timeIntervalSince(first)) < 1)

            clock.advance(by: AthleteAuthenticator.seenResolution - 60)
            #expect(try await t.request(.GET, "/v1/home", token: s.accessToken).status == .ok)
            #expect(try await lastSeen() == recorded, "within the resolution: no write")

            clock.advance(by: 61)
            let later = clock.now()
            #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok)
            let rewritten = try #require(try await lastSeen())
            #expect(abs(rewritten.timeIntervalSince(later)) < 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func rotatedRefreshTokenReuseRevokesTheFamily(backend: TestBackend) async throws {
        // Without the grace window, so an immediate reuse is one (the window has its own tests in AuthHardeningTests).
        try await TestApp.with(backend, config: { $0.refreshReuseGraceSeconds = 0 }) { t in
            let s = try await t.register()
            let first = try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"])
            #expect(first.status == .ok)
            let current = try #require(first.json["refresh_token"].string)
            // The old token shows up again (stolen copy): refused, and the legitimate newer token dies too.
            expectError(
                try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"]), .unauthorized,
                code: "invalid_refresh_token")
            expectError(
                try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(current)"]), .unauthorized,
                code: "invalid_refresh_token")
            // Another session of the same athlete is untouched.
            let other = try await t.request(.POST, "/v1/auth/login", json: ["email": "\(s.email)", "password": "\(s.password)"])
            let otherRefresh = try #require(other.json["refresh_token"].string)
            #expect(try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(otherRefresh)"]).status == .ok)
            expectError(try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "not-a-token"]), .unauthorized)
        }
    }

    @Test(arguments: TestBackend.available)
    func logoutWithAccessTokenEndsTheSession(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            #expect(try await t.request(.POST, "/v1/auth/logout", token: s.accessToken).status == .noContent)
            expectError(try await t.request(.GET, "/v1/auth/me", token: s.accessToken), .unauthorized, code: "invalid_token")
            expectError(try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"]), .unauthorized)
            expectError(try await t.request(.POST, "/v1/auth/logout"), .unauthorized)
        }
    }

    @Test(arguments: TestBackend.available)
    func tamperedAndExpiredAccessTokensAreRejected(backend: TestBackend) async throws {
        // Access tokens live 15 minutes: valid at 14:59, refused at 15:00.
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            clock.advance(by: 14 * 60 + 59)
            #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok)
            clock.advance(by: 1)
            expectError(try await t.request(.GET, "/v1/auth/me", token: s.accessToken), .unauthorized, code: "invalid_token")
            // The refresh token still works and gives a fresh access token.
            let refreshed = try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"])
            let access = try #require(refreshed.json["access_token"].string)
            #expect(try await t.request(.GET, "/v1/auth/me", token: access).status == .ok)
        }
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let parts = s.accessToken.split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            // Used once first, so the process remembers it as checked (`TokenService.verifiedAccessTokens`): the
            // variants below must still be checked in full, not matched to it.
            #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok)
            let header = try JSON(data: base64URLDecode(parts[0]))
            #expect(header["alg"].string == "HS256")
            let payload = try JSON(data: base64URLDecode(parts[1]))
            for claim in ["sub", "role", "iat", "exp", "jti"] { #expect(!payload[claim].isNull, "claim \(claim)") }

            // alg: none, no signature.
            let none = base64URLEncode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + parts[1] + "."
            expectError(try await t.request(.GET, "/v1/auth/me", token: none), .unauthorized)
            // Edited payload (role promoted), original signature.
            let promoted = payload.setting("role", "owner")
            let edited = parts[0] + "." + base64URLEncode(promoted.data) + "." + parts[2]
            expectError(try await t.request(.GET, "/v1/auth/me", token: edited), .unauthorized)
            // Signed with another key.
            let forged =
                parts[0] + "." + parts[1] + "."
                + base64URLEncode(
                    Data(
                        HMAC<SHA256>.authenticationCode(
                            for: Data((parts[0] + "." + parts[1]).utf8),
                            using: SymmetricKey(data: Data("some-other-secret-key-of-32-bytes!!".utf8)))))
            expectError(try await t.request(.GET, "/v1/auth/me", token: forged), .unauthorized)
            // One character of the signature changed (the first: the last one's low bits are padding).
            let first = parts[2].first == "A" ? "B" : "A"
            let resigned = parts[0] + "." + parts[1] + "." + first + parts[2].dropFirst()
            expectError(try await t.request(.GET, "/v1/auth/me", token: resigned), .unauthorized, code: "invalid_token")
            // Garbage and missing.
            expectError(try await t.request(.GET, "/v1/auth/me", token: "abc"), .unauthorized)
            expectError(try await t.request(.GET, "/v1/auth/me"), .unauthorized, code: "not_authenticated")
            // The untouched token still works (the checks above are not failing for another reason).
            #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok)
        }
    }

    /// A migration that adds a column to `athletes` while the app runs must not break authentication. On
    /// PostgreSQL the athlete lookup is a prepared statement (`ActiveAthleteLookup.Statement`), prepared on each
    /// pooled connection's first use; were it `SELECT *`, every later use of that connection would fail once the
    /// table's shape changed (`cached plan must not change result type`), until the process restarted.
    @Test(arguments: TestBackend.available)
    func athleteLookupOutlivesAnAddedColumn(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            for _ in 0..<3 { #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok) }
            try await (t.app.db as! any SQLDatabase).raw("ALTER TABLE athletes ADD COLUMN added_later INTEGER").run()
            for _ in 0..<3 {
                let me = try await t.request(.GET, "/v1/auth/me", token: s.accessToken)
                #expect(me.status == .ok)
                #expect(me.json["id"].string == s.athleteID)
            }
        }
    }

    /// `authenticated(onEventLoop: true)` runs the check and the handler on the request's event loop, across
    /// the handler's own `await`s (the database, the cache); the default runs them off it, as Vapor does. Home's
    /// routes are registered the first way (`RouteTable`). A refused token is the same 401 either way.
    @Test(arguments: TestBackend.available)
    func eventLoopRoutesRunTheirHandlerOnTheRequestsLoop(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            @Sendable func probe(_ req: Request) async throws -> String {
                let before = req.eventLoop.inEventLoop
                _ = try await Athlete.find(req.currentAthlete.id, on: req.db)
                _ = try await req.application.cache.get("probe")
                return before && req.eventLoop.inEventLoop ? "loop" : "elsewhere"
            }
            t.app.authenticated(onEventLoop: true).get("probe", "loop", use: probe)
            t.app.authenticated().get("probe", "default", use: probe)
            let s = try await t.register()
            #expect(try await t.request(.GET, "/probe/loop", token: s.accessToken).text == "loop")
            #expect(try await t.request(.GET, "/probe/default", token: s.accessToken).text == "elsewhere")
            expectError(try await t.request(.GET, "/probe/loop", token: s.accessToken + "x"), .unauthorized)
            #expect(RouteTable.entries.filter(\.onEventLoop).map(\.feature) == ["home"])
        }
    }

    /// `bearerToken` replaces Vapor's `bearerAuthorization` on the request path: it must accept and refuse the
    /// same header values and give the same token.
    @Test func bearerTokenReadsTheHeaderAsVaporDoes() {
        let values = [
            "Bearer abc.def", "bearer abc", "BEARER abc", "bEaReR abc", "  Bearer   abc  ", "Bearer", "Bearer ", "Basic abc",
            "Bearer a b", "Bearerabc", "Bearer\tabc", "", " ", "Bearerx abc", "xBearer abc", "Beare abc", "Bearer é",
            "Bëarer abc", "Bearer  abc def", "\u{0002}earer abc",
        ]
        for value in values {
            var headers = HTTPHeaders()
            headers.add(name: .authorization, value: value)
            #expect(headers.bearerToken == headers.bearerAuthorization?.token, "\(value.debugDescription)")
        }
        #expect(HTTPHeaders().bearerToken == nil)
        var valid = HTTPHeaders()
        valid.add(name: .authorization, value: "bearer tok")
        #expect(valid.bearerToken == "tok")
    }

    /// The athlete lookup decodes its row itself on PostgreSQL (`PostgresRowOutput`), not through Fluent's
    /// query path: every column must read exactly as a Fluent query reads it, and the model must behave as a
    /// loaded one (no pending changes, and an update writes what changed).
    @Test(arguments: TestBackend.available)
    func athleteLookupReadsEveryColumnAsFluentDoes(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let id = try #require(UUID(uuidString: s.athleteID))
            // Every optional column set, and no column at its default.
            let stored = try #require(try await Athlete.find(id, on: t.app.db))
            stored.displayName = "Ada"
            stored.role = .owner
            stored.timezone = "Europe/Berlin"
            stored.units = .imperial
            stored.aiConsent = true
            stored.lastSeenAt = Date(timeIntervalSince1970: 1_790_000_000.25)
            stored.maxHR = 191
            stored.restingHR = 44
            stored.thresholdPaceSPerKm = 251.5
            stored.aiConsentGrantedAt = Date(timeIntervalSince1970: 1_780_000_000.5)
            stored.aiConsentRevokedAt = Date(timeIntervalSince1970: 1_785_000_000.75)
            stored.dataVersion = 7
            try await stored.update(on: t.app.db)

            let viaFluent = try #require(try await Athlete.find(id, on: t.app.db))
            let viaLookup = try #require(try await ActiveAthleteLookup.athlete(id: id, jti: "not-revoked", on: t.app.db))
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let fluentJSON = String(decoding: try encoder.encode(viaFluent), as: UTF8.self)
            #expect(String(decoding: try encoder.encode(viaLookup), as: UTF8.self) == fluentJSON)
            // Every column took part, none of them nil.
            let fields = try JSONSerialization.jsonObject(with: Data(fluentJSON.utf8)) as? [String: Any]
            #expect(fields?.count == Athlete.keys.count, "\(fluentJSON)")
            #expect(fields?.values.contains { $0 is NSNull } == false, "\(fluentJSON)")
            #expect(!viaLookup.hasChanges)
            #expect(viaLookup.$id.exists)

            // It saves like a loaded model: only what changed is written, and it is written.
            viaLookup.displayName = "Ada L."
            try await viaLookup.update(on: t.app.db)
            #expect(try await Athlete.find(id, on: t.app.db)?.displayName == "Ada L.")

            // A revoked token's `jti` finds no athlete.
            try await (t.app.db as! any SQLDatabase).insert(into: TokenService.revokedTable).columns("jti", "expires_at")
                .values(SQLBind("revoked-jti"), SQLBind(Date().addingTimeInterval(900))).run()
            #expect(try await ActiveAthleteLookup.athlete(id: id, jti: "revoked-jti", on: t.app.db) == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func registrationValidation(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            func register(_ email: String, _ password: String) async throws -> Reply {
                try await t.request(.POST, "/v1/auth/register", json: ["email": "\(email)", "password": "\(password)"])
            }
            // Password length boundaries in bytes: 8 and 72 pass, 7 and 73 fail.
            #expect(try await register("p8@example.com", "kx7#mq2z").status == .created)
            expectError(try await register("p7@example.com", "kx7#mq2"), .unprocessableEntity, code: "validation_error")
            #expect(try await register("p72@example.com", String(repeating: "ab3$", count: 18)).status == .created)
            let tooLong = try await register("p73@example.com", String(repeating: "ab3$", count: 18) + "x")
            expectError(tooLong, .unprocessableEntity)
            #expect(tooLong.json["errors"][0]["field"].string == "password")
            // Multi-byte characters count as bytes: 24 × "é" (2 bytes) = 48 bytes fine, 37 × "é" = 74 bytes not.
            expectError(try await register("utf@example.com", String(repeating: "é", count: 37)), .unprocessableEntity)
            // Common and email-equal passwords.
            expectError(try await register("common@example.com", "Password123"), .unprocessableEntity)
            expectError(try await register("same@example.com", "same@example.com"), .unprocessableEntity)
            // Email shape, duplicates (case-insensitive), unknown fields, wrong types, bad timezone.
            expectError(try await register("not-an-email", "kx7#mq2z-long"), .unprocessableEntity)
            expectError(try await register("P8@Example.com", "kx7#mq2z-long"), .conflict, code: "email_already_registered")
            expectError(
                try await t.request(
                    .POST, "/v1/auth/register", json: ["email": "x@example.com", "password": "kx7#mq2z-long", "admin": true]),
                .unprocessableEntity)
            expectError(
                try await t.request(.POST, "/v1/auth/register", json: ["email": "x@example.com", "password": 12_345_678]),
                .unprocessableEntity)
            expectError(
                try await t.request(
                    .POST, "/v1/auth/register", json: ["email": "x@example.com", "password": "kx7#mq2z-long", "timezone": "Mars/Olympus"]),
                .unprocessableEntity)
            // The original's race_code is accepted and ignored.
            #expect(
                try await t.request(
                    .POST, "/v1/auth/register", json: ["email": "rc@example.com", "password": "kx7#mq2z-long", "race_code": "BOSTON"]
                ).status == .created)
        }
    }

    @Test(arguments: TestBackend.available)
    func lockoutIsCountedAcrossTwoAppsSharingOneCache(backend: TestBackend) async throws {
        let shared = MemoryCache()
        try await TestApp.with(backend, overrides: AppOverrides(cache: shared)) { a in
            let s = try await a.register()
            try await TestApp.with(backend, overrides: AppOverrides(cache: shared), sharingDatabaseWith: a) { b in
                let wrong: JSON = ["email": "\(s.email)", "password": "wrong-password-1"]
                for app in [a, b, a, b] {
                    expectError(try await app.request(.POST, "/v1/auth/login", json: wrong), .unauthorized, code: "invalid_credentials")
                }
                // The fifth failure, on either process, locks the account.
                let fifth = try await b.request(.POST, "/v1/auth/login", json: wrong)
                expectError(fifth, .tooManyRequests, code: "account_locked")
                let retryAfter = try #require(fifth.headers.first(name: "Retry-After").flatMap(Int.init))
                #expect((890...900).contains(retryAfter))
                // Locked everywhere, even with the right password.
                let right: JSON = ["email": "\(s.email)", "password": "\(s.password)"]
                expectError(try await a.request(.POST, "/v1/auth/login", json: right), .tooManyRequests, code: "account_locked")
                expectError(try await b.request(.POST, "/v1/auth/login", json: right), .tooManyRequests, code: "account_locked")
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func separateCachesDoNotShareCounts(backend: TestBackend) async throws {
        // The control for the test above: without a shared cache, four failures on one app and one on another
        // lock nothing, so the shared count is what locked it there.
        try await TestApp.with(backend, overrides: AppOverrides(cache: MemoryCache())) { a in
            let s = try await a.register()
            try await TestApp.with(backend, overrides: AppOverrides(cache: MemoryCache()), sharingDatabaseWith: a) { b in
                let wrong: JSON = ["email": "\(s.email)", "password": "wrong-password-1"]
                for _ in 0..<4 { _ = try await a.request(.POST, "/v1/auth/login", json: wrong) }
                expectError(try await b.request(.POST, "/v1/auth/login", json: wrong), .unauthorized)
                #expect(
                    try await b.request(.POST, "/v1/auth/login", json: ["email": "\(s.email)", "password": "\(s.password)"]).status == .ok)
            }
        }
    }

    @Test func authRateLimitPerClientIP() async throws {
        // The window is the clock's minute: a clock held still keeps every request in one window however long
        // the logins take (a loaded machine once carried the fourth into the next minute).
        let minute = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60
        let clock = TestClock(Date(timeIntervalSince1970: minute + 10))
        try await TestApp.with(.sqlite, config: { $0.authRateLimitPerMinute = 3 }, overrides: AppOverrides(now: clock.now)) { t in
            let body: JSON = ["email": "nobody@example.com", "password": "whatever-123"]
            for _ in 0..<3 {
                let reply = try await t.request(.POST, "/v1/auth/login", json: body)
                #expect(reply.status == .unauthorized)
                #expect(reply.headers.first(name: "X-RateLimit-Limit") == "3")
            }
            let limited = try await t.request(.POST, "/v1/auth/login", json: body)
            expectError(limited, .tooManyRequests, code: "rate_limited")
            #expect(limited.headers.first(name: "Retry-After").flatMap(Int.init) != nil)
            // Other routes are not limited by the auth bucket.
            #expect(try await t.request(.GET, "/ping").status == .ok)
        }
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() async throws {
        try await TestApp.with(.sqlite, config: { $0.trustedProxies = [CIDR("10.0.0.0/8")!, CIDR("::1/128")!] }, migrate: false) { t in
            func clientIP(peer: String, forwardedFor: String?) -> String {
                var headers = HTTPHeaders()
                if let forwardedFor { headers.add(name: "X-Forwarded-For", value: forwardedFor) }
                let request = Request(
                    application: t.app, method: .GET, url: "/", headers: headers,
                    remoteAddress: try! SocketAddress(ipAddress: peer, port: 4000),
                    on: t.app.eventLoopGroup.next())
                return request.clientIP
            }
            // An untrusted peer cannot choose its address.
            #expect(clientIP(peer: "203.0.113.9", forwardedFor: "1.2.3.4") == "203.0.113.9")
            // A trusted proxy's header is believed; the right-most untrusted hop is the client.
            #expect(clientIP(peer: "10.1.2.3", forwardedFor: "198.51.100.7") == "198.51.100.7")
            #expect(clientIP(peer: "10.1.2.3", forwardedFor: "6.6.6.6, 198.51.100.7, 10.9.9.9") == "198.51.100.7")
            #expect(clientIP(peer: "::1", forwardedFor: "2001:db8::5") == "2001:db8::5")
            // Garbage in the header does not become a bucket key.
            #expect(clientIP(peer: "10.1.2.3", forwardedFor: "not-an-ip") == "10.1.2.3")
            #expect(clientIP(peer: "10.1.2.3", forwardedFor: nil) == "10.1.2.3")
        }
    }
}

func base64URLDecode(_ text: String) -> Data {
    var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while s.count % 4 != 0 { s += "=" }
    return Data(base64Encoded: s) ?? Data()
}

func base64URLEncode(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
