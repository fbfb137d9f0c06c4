import Crypto
import Foundation
import NIOCore
import NIOPosix
import SQLKit
import Testing
import Vapor

@testable import StrideIQ

/// The lockout under concurrent guesses, revocations that survive the cache, the access token's header, and
/// the refresh grace window.
@Suite("Auth hardening")
struct AuthHardeningTests {
    // MARK: lockout under concurrency

    @Test(arguments: TestBackend.available)
    func concurrentGuessesGetAtMostMaxFailuresPasswordChecks(backend: TestBackend) async throws {
        // On Postgres the cache is Redis (REDIS_URL), on SQLite the in-memory one: both are exercised.
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let max = t.config.loginMaxFailures
            let wrong: JSON = ["email": "\(s.email)", "password": "wrong-password-1"]
            let right: JSON = ["email": "\(s.email)", "password": "\(s.password)"]
            let (wrongStatuses, rightReply) = try await withThrowingTaskGroup(of: (Bool, Reply).self) { group in
                for _ in 0..<40 { group.addTask { (false, try await t.request(.POST, "/v1/auth/login", json: wrong)) } }
                // The right password goes in while the guesses are in flight, once they have used up the window
                // (attempts counted, or the lock set), as in the probe that logged in with it.
                group.addTask {
                    let deadline = ContinuousClock.now + .seconds(10)
                    while ContinuousClock.now < deadline {
                        if await Self.windowIsUsedUp(email: s.email, max: max, cache: t.app.cache) { break }
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    return (true, try await t.request(.POST, "/v1/auth/login", json: right))
                }
                var wrongStatuses: [UInt] = []
                var rightReply: Reply?
                for try await (isRight, reply) in group {
                    if isRight { rightReply = reply } else { wrongStatuses.append(reply.status.code) }
                }
                return (wrongStatuses, rightReply!)
            }
            // Every password check is counted as `invalid` or `ok`; a refused attempt is `locked`, unchecked.
            let checked =
                t.app.metrics.value("auth_login_attempts_total", ["result": "invalid"])
                + t.app.metrics.value("auth_login_attempts_total", ["result": "ok"])
            #expect(checked <= Double(max), "\(checked) passwords checked for \(max) allowed failures")
            #expect(wrongStatuses.filter { $0 == 401 }.count <= max)
            #expect(wrongStatuses.allSatisfy { $0 == 401 || $0 == 429 }, "\(wrongStatuses)")
            expectError(rightReply, .tooManyRequests, code: "account_locked")
            #expect(rightReply.headers.first(name: "Retry-After").flatMap(Int.init) != nil)
            // Still locked afterwards, for the full lockout, even with the right password.
            expectError(try await t.request(.POST, "/v1/auth/login", json: right), .tooManyRequests, code: "account_locked")
        }
    }

    /// Whether `max` attempts are counted for `email`, or it is locked (read errors count as "not yet").
    private static func windowIsUsedUp(email: String, max: Int, cache: any SharedCache) async -> Bool {
        // `login_failures:` is the counter's name before attempts were reserved (so this test can run on both).
        for key in [LoginGuard.lockKey(email), LoginGuard.attemptsKey(email), "login_failures:\(email)"] {
            guard let value = try? await cache.get(key) else { continue }
            if key == LoginGuard.lockKey(email) || Int(value) ?? 0 >= max { return true }
        }
        return false
    }

    @Test(arguments: TestBackend.available)
    func aSuccessClearsTheAttemptsAndTheLockEndsOnTime(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let wrong: JSON = ["email": "\(s.email)", "password": "wrong-password-1"]
            let right: JSON = ["email": "\(s.email)", "password": "\(s.password)"]
            for _ in 0..<4 { expectError(try await t.request(.POST, "/v1/auth/login", json: wrong), .unauthorized) }
            #expect(try await t.request(.POST, "/v1/auth/login", json: right).status == .ok)
            // Counting starts again after a success: four more failures do not lock.
            for _ in 0..<4 { expectError(try await t.request(.POST, "/v1/auth/login", json: wrong), .unauthorized) }
            expectError(try await t.request(.POST, "/v1/auth/login", json: wrong), .tooManyRequests, code: "account_locked")
            clock.advance(by: 15 * 60 - 1)
            expectError(try await t.request(.POST, "/v1/auth/login", json: right), .tooManyRequests, code: "account_locked")
            // When the lock ends the counter has ended with it: a full window of attempts again.
            clock.advance(by: 1)
            for _ in 0..<4 { expectError(try await t.request(.POST, "/v1/auth/login", json: wrong), .unauthorized) }
            #expect(try await t.request(.POST, "/v1/auth/login", json: right).status == .ok)
        }
    }

    // MARK: durable revocation

    @Test(arguments: TestBackend.available)
    func aLoggedOutTokenStaysDeadWithANewEmptyCache(backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(cache: MemoryCache())) { a in
            let s = try await a.register()
            #expect(try await a.request(.POST, "/v1/auth/logout", token: s.accessToken).status == .noContent)
            expectError(try await a.request(.GET, "/v1/auth/me", token: s.accessToken), .unauthorized, code: "invalid_token")
            // Another process, or this one restarted: same database, a cache that has never seen the logout.
            try await TestApp.with(backend, overrides: AppOverrides(cache: MemoryCache()), sharingDatabaseWith: a) { b in
                expectError(try await b.request(.GET, "/v1/auth/me", token: s.accessToken), .unauthorized, code: "invalid_token")
                expectError(try await b.request(.GET, "/v1/home", token: s.accessToken), .unauthorized, code: "invalid_token")
                expectError(try await b.request(.POST, "/v1/auth/logout", token: s.accessToken), .unauthorized)
            }
        }
    }

    @Test(.enabled(if: ChildRedisServer.executable != nil, "redis-server is not installed"), arguments: TestBackend.available)
    func aLoggedOutTokenStaysDeadAcrossARedisOutageAndRestart(backend: TestBackend) async throws {
        let redis = try await ChildRedisServer.start()
        defer { redis.stop() }
        try await TestApp.with(backend, config: { $0.redisURL = redis.url }) { t in
            #expect(t.app.cache.backendName == "redis")
            let s = try await t.register()
            #expect(try await t.request(.POST, "/v1/auth/logout", token: s.accessToken).status == .noContent)

            redis.kill()
            expectError(try await t.request(.GET, "/v1/auth/me", token: s.accessToken), .unauthorized, code: "invalid_token")
            try await redis.restart()  // empty: nothing is persisted
            expectError(try await t.request(.GET, "/v1/auth/me", token: s.accessToken), .unauthorized, code: "invalid_token")

            // A logout while Redis is down is recorded all the same, and holds after Redis is back.
            let login = try await t.request(.POST, "/v1/auth/login", json: ["email": "\(s.email)", "password": "\(s.password)"])
            let access = try #require(login.json["access_token"].string)
            #expect(try await t.request(.GET, "/v1/auth/me", token: access).status == .ok)
            redis.kill()
            #expect(try await t.request(.POST, "/v1/auth/logout", token: access).status == .noContent)
            expectError(try await t.request(.GET, "/v1/auth/me", token: access), .unauthorized, code: "invalid_token")
            try await redis.restart()
            expectError(try await t.request(.GET, "/v1/auth/me", token: access), .unauthorized, code: "invalid_token")
        }
    }

    @Test(arguments: TestBackend.available)
    func aLogoutThatCannotBeRecordedIsNotA204(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            // The database refuses the revocation's write (as a full disk or a read-only failover would).
            let sql = t.app.db as! any SQLDatabase
            switch backend {
            case .sqlite:
                try await sql.raw(
                    "CREATE TRIGGER refuse_revocations BEFORE INSERT ON revoked_access_tokens BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                ).run()
            case .postgres:
                try await sql.raw(
                    "CREATE FUNCTION \(ident: t.schema).refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
                ).run()
                try await sql.raw(
                    "CREATE TRIGGER refuse_revocations BEFORE INSERT ON revoked_access_tokens FOR EACH ROW EXECUTE FUNCTION \(ident: t.schema).refuse()"
                ).run()
            }
            let logout = try await t.request(.POST, "/v1/auth/logout", token: s.accessToken)
            expectError(logout, .serviceUnavailable, code: "database_unavailable")
            #expect(logout.headers.first(name: "Retry-After") != nil)
            // Nothing was claimed, and nothing half-done: the session is still whole, so the client can retry.
            #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok)
            #expect(try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"]).status == .ok)
        }
    }

    @Test(arguments: TestBackend.available)
    func expiredRevocationsArePrunedOnTheNextLogout(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let first = try await t.register()
            #expect(try await t.request(.POST, "/v1/auth/logout", token: first.accessToken).status == .noContent)
            clock.advance(by: 15 * 60 + 1)  // the first token has expired: its record is no longer needed
            let second = try await t.register()
            #expect(try await t.request(.POST, "/v1/auth/logout", token: second.accessToken).status == .noContent)
            let rows = try await (t.app.db as! any SQLDatabase).select().column("jti").from("revoked_access_tokens").all()
            #expect(rows.count == 1)
        }
    }

    // MARK: the JWT header

    @Test(arguments: TestBackend.available)
    func tokensWithAnotherHeaderAreRefusedEvenWithOurSignature(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let parts = s.accessToken.split(separator: ".").map(String.init)
            let header = try JSON(data: base64URLDecode(parts[0]))
            #expect(header["alg"].string == "HS256")
            func signed(_ header: String) -> String {
                let input = base64URLEncode(Data(header.utf8)) + "." + parts[1]
                let mac = HMAC<SHA256>.authenticationCode(
                    for: Data(input.utf8), using: SymmetricKey(data: Data(TestApp.testSecret.utf8)))
                return input + "." + base64URLEncode(Data(mac))
            }
            // The control: our own header re-signed here is accepted, so the refusals below are the header's.
            #expect(try await t.request(.GET, "/v1/auth/me", token: signed(#"{"alg":"HS256","typ":"JWT"}"#)).status == .ok)
            #expect(try await t.request(.GET, "/v1/auth/me", token: signed(#"{"alg":"HS256"}"#)).status == .ok)
            for forged in [
                #"{"alg":"RS256","typ":"JWT"}"#,
                #"{"alg":"HS512","typ":"JWT"}"#,
                #"{"alg":"hs256","typ":"JWT"}"#,
                #"{"typ":"JWT"}"#,
                #"{"alg":"HS256","typ":"JWT","kid":"default"}"#,
                #"{"alg":"HS256","typ":"JWT","kid":""}"#,
                #"{"alg":"HS256","typ":"JWT","jku":"https://attacker.example/keys"}"#,
                #"{"alg":"HS256","typ":"JWT","crit":["exp"]}"#,
                #"{"alg":"HS256","typ":"JWS+JSON"}"#,
                #"{"alg":"HS256","typ":null}"#,
                #"["HS256"]"#,
            ] {
                let token = signed(forged)
                expectError(try await t.request(.GET, "/v1/auth/me", token: token), .unauthorized, code: "invalid_token")
                expectError(try await t.request(.POST, "/v1/auth/logout", token: token), .unauthorized, code: "invalid_token")
            }
            #expect(try await t.request(.GET, "/v1/auth/me", token: s.accessToken).status == .ok)
        }
    }

    // MARK: refresh grace window

    @Test(arguments: TestBackend.available)
    func parallelRefreshesGetTheSameSuccessor(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.map(\.status) == [.ok, .ok], "\(replies.map(\.text))")
            let successors = Set(replies.compactMap { $0.json["refresh_token"].string })
            #expect(successors.count == 1)
            #expect(!successors.contains(s.refreshToken))
            // Both access tokens work, and the session goes on from the one successor.
            for reply in replies {
                let access = try #require(reply.json["access_token"].string)
                #expect(try await t.request(.GET, "/v1/auth/me", token: access).status == .ok)
            }
            let next = try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(successors.first!)"])
            #expect(next.status == .ok)
            let latest = try #require(next.json["refresh_token"].string)
            #expect(try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(latest)"]).status == .ok)
        }
    }

    @Test(arguments: TestBackend.available)
    func reuseAfterTheGraceWindowRevokesTheSession(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let first = try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"])
            let successor = try #require(first.json["refresh_token"].string)
            // Inside the window (10 s by default) the rotated token answers with the same successor.
            clock.advance(by: 9)
            let again = try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"])
            #expect(again.status == .ok)
            #expect(again.json["refresh_token"].string == successor)
            // After it, presenting it again is a reuse: the whole session dies, the successor with it.
            clock.advance(by: 2)
            expectError(
                try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"]), .unauthorized,
                code: "invalid_refresh_token")
            expectError(
                try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(successor)"]), .unauthorized,
                code: "invalid_refresh_token")
        }
        // A logged-out session gets nothing from the window.
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let first = try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"])
            let successor = try #require(first.json["refresh_token"].string)
            #expect(try await t.request(.POST, "/v1/auth/logout", json: ["refresh_token": "\(successor)"]).status == .noContent)
            expectError(
                try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"]), .unauthorized,
                code: "invalid_refresh_token")
        }
        // With the window set to 0, an immediate reuse revokes.
        try await TestApp.with(backend, config: { $0.refreshReuseGraceSeconds = 0 }) { t in
            let s = try await t.register()
            #expect(try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"]).status == .ok)
            expectError(
                try await t.request(.POST, "/v1/auth/refresh", json: ["refresh_token": "\(s.refreshToken)"]), .unauthorized,
                code: "invalid_refresh_token")
        }
    }
}
