import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import StrideIQ

/// The database engines the integration suite runs on. SQLite always; Postgres when `POSTGRES_URL` is set
/// (`.ci/run` sets it). Every integration test takes one as its argument, so the log shows each backend.
enum TestBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// With `REDIS_URL` set too, the Postgres runs use Redis as the shared cache: the production pairing.
    static let redisURL = ProcessInfo.processInfo.environment["REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// The backends this run can use.
    static var available: [TestBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// A response, with its body parsed as JSON when it is JSON.
struct Reply: Sendable {
    let status: HTTPStatus
    let headers: HTTPHeaders
    let body: Data
    var json: JSON { (try? JSON(data: body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// An app built through the real `configure`, on a fresh database: a temporary SQLite file, or a private
/// schema of the Postgres test database (dropped afterwards). Requests go through the whole middleware stack.
struct TestApp: Sendable {
    let app: Application
    let backend: TestBackend
    let config: AppConfig
    let schema: String

    static let testSecret = "test-secret-key-that-is-long-enough-0123456789"

    /// Builds the test config: fast bcrypt, fixed secret, the backend's database.
    static func baseConfig(_ backend: TestBackend, schema: String) -> AppConfig {
        var config = AppConfig()
        config.mode = .testing
        config.bcryptCost = 4
        // Bounds `stopWorker` at the end of a test whose jobs still wait on something (a hanging provider).
        config.workerDrain = 2
        // Parallel tests share one client address (and, on Postgres + Redis, one Redis): the limit has its own test.
        config.authRateLimitPerMinute = 1_000_000
        config.secretKey = testSecret
        config.dataDirectory = NSTemporaryDirectory()
        switch backend {
        case .sqlite:
            config.database = .sqlite(path: NSTemporaryDirectory() + "strideiq-test-\(schema).sqlite")
        case .postgres:
            config.database = .postgres(url: TestBackend.postgresURL!)
            config.redisURL = TestBackend.redisURL
            // The whole suite shares one Redis and a few busy cores: with the production timeouts (tuned for a
            // hung Redis, see `HungCacheTests`) a slow moment would fail a check open and could open the circuit
            // breaker, and a test of lockouts or revocations would see a cache that is not there.
            config.redisConnectTimeout = .seconds(2)
            config.redisCommandTimeout = .seconds(2)
        }
        return config
    }

    /// Runs `body` with a migrated app; always shuts it down and removes its data.
    static func with<T>(
        _ backend: TestBackend,
        config adjust: (inout AppConfig) -> Void = { _ in },
        overrides: AppOverrides = .init(),
        migrate: Bool = true,
        sharingDatabaseWith other: TestApp? = nil,
        logs: LogCapture? = nil,
        _ body: (TestApp) async throws -> T
    ) async throws -> T {
        let schema = other?.schema ?? String("t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))
        var config = baseConfig(backend, schema: String(schema))
        if let other { config.database = other.config.database }
        adjust(&config)
        // A second app on the same database neither migrates it nor removes it: the first one owns it.
        let migrate = migrate && other == nil
        let owner = other == nil
        var overrides = overrides
        if backend == .postgres { overrides.postgresSchema = String(schema) }
        // Redis expires keys on its own clock; a test that moves the app's clock needs a cache that follows it.
        if let now = overrides.now, overrides.cache == nil { overrides.cache = MemoryCache(now: now) }
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        if let logs { app.logger = logs.logger() }
        var configured = false
        do {
            try await configure(app, config: config, overrides: overrides)
            configured = true
            if migrate {
                if backend == .postgres {
                    try await (app.db as! any SQLDatabase).raw("CREATE SCHEMA IF NOT EXISTS \(ident: String(schema))").run()
                }
                try await app.autoMigrate()
            }
            let result = try await body(TestApp(app: app, backend: backend, config: config, schema: schema))
            await stopWorker(app)
            if owner { await cleanUp(app, backend: backend, config: config, schema: String(schema), migrated: migrate) }
            try await app.asyncShutdown()
            return result
        } catch {
            if configured { await stopWorker(app) }
            if owner { await cleanUp(app, backend: backend, config: config, schema: String(schema), migrated: migrate) }
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// What a process does before its app shuts down (`ProcessServices`): the worker stops claiming and its
    /// running jobs end. Tests drive it with `pollOnce`, which starts jobs as tasks of their own; one still
    /// running at shutdown asked the closing SQLite pool for a connection, and the connection it was given late
    /// was dropped unclosed (SQLiteNIO's debug assertion stopped the test process).
    private static func stopWorker(_ app: Application) async {
        await app.strideIQ.worker.stop()
    }

    private static func cleanUp(_ app: Application, backend: TestBackend, config: AppConfig, schema: String, migrated: Bool) async {
        switch (backend, config.database) {
        case (.postgres, _) where migrated:
            _ = try? await (app.db as! any SQLDatabase).raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
        case (.sqlite, .sqlite(let path)):
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        default:
            break
        }
    }

    // MARK: requests

    @discardableResult
    func request(
        _ method: HTTPMethod, _ path: String, json: JSON? = nil, raw: String? = nil,
        token: String? = nil, headers: [(String, String)] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        var httpHeaders = HTTPHeaders()
        var body: ByteBuffer?
        if let json {
            httpHeaders.contentType = .json
            body = ByteBuffer(data: json.data)
        } else if let raw {
            httpHeaders.contentType = .json
            body = ByteBuffer(string: raw)
        }
        if let token { httpHeaders.bearerAuthorization = .init(token: token) }
        for (name, value) in headers { httpHeaders.replaceOrAdd(name: name, value: value) }
        let response = try await app.testing().sendRequest(method, path, headers: httpHeaders, body: body)
        return Reply(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
    }

    // MARK: fixtures

    struct Session: Sendable {
        let athleteID: String
        let email: String
        let password: String
        let accessToken: String
        let refreshToken: String
    }

    /// Registers a fresh athlete and returns its tokens.
    func register(
        email: String? = nil, password: String = "tempo-run-42-miles", timezone: String = "UTC",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Session {
        let email = email ?? "runner-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let reply = try await request(
            .POST, "/v1/auth/register",
            json: ["email": "\(email)", "password": "\(password)", "timezone": "\(timezone)"])
        #expect(reply.status == .created, "register: \(reply.text)", sourceLocation: sourceLocation)
        return Session(
            athleteID: reply.json["athlete"]["id"].string ?? "", email: email, password: password,
            accessToken: reply.json["access_token"].string ?? "",
            refreshToken: reply.json["refresh_token"].string ?? "")
    }

    /// Changes an athlete's role directly in the database (there is deliberately no API for it yet).
    func setRole(_ role: String, athleteID: String) async throws {
        try await (app.db as! any SQLDatabase).update("athletes").set("role", to: SQLBind(role))
            .where("id", .equal, SQLBind(UUID(uuidString: athleteID)!)).run()
    }
}

/// Asserts the one error shape: JSON `{detail: String, code: String, ...}` with the expected status and code.
func expectError(
    _ reply: Reply, _ status: HTTPStatus, code: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(reply.status == status, "expected \(status.code), got \(reply.status.code): \(reply.text)", sourceLocation: sourceLocation)
    #expect(reply.headers.contentType == .json, "error body must be JSON", sourceLocation: sourceLocation)
    #expect(reply.json["detail"].string?.isEmpty == false, "error needs a detail: \(reply.text)", sourceLocation: sourceLocation)
    if let code {
        #expect(reply.json["code"].string == code, "expected code \(code): \(reply.text)", sourceLocation: sourceLocation)
    } else {
        #expect(reply.json["code"].string?.isEmpty == false, "error needs a code: \(reply.text)", sourceLocation: sourceLocation)
    }
}
