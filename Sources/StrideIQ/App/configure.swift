import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import JWT
import LLM
import SQLKit
import StrideIQCore
import StrideIQSupport
import Vapor

/// Collaborators a caller may supply instead of the defaults — tests share one cache between two apps or
/// control the clock; everything else comes from `AppConfig`.
public struct AppOverrides: Sendable {
    public var cache: (any SharedCache)?
    public var now: (@Sendable () -> Date)?
    /// Postgres schema to use (tests isolate each app in its own schema).
    public var postgresSchema: String?
    public init(cache: (any SharedCache)? = nil, now: (@Sendable () -> Date)? = nil, postgresSchema: String? = nil) {
        self.cache = cache
        self.now = now
        self.postgresSchema = postgresSchema
    }
}

/// The composition root: the one place that turns a config into a running app. Every command and every
/// test goes through it.
public func configure(
    _ app: Application, config: AppConfig, overrides: AppOverrides = .init(),
    role: ProcessRole = .serve
) async throws {
    let secret = try SecretKeyStore.resolve(config: config, logger: app.logger)

    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port
    // Compression stays off: SSE must never be gzipped, and Caddy compresses the rest in production.
    app.http.server.configuration.responseCompression = .disabled
    // HTTP metrics come from EdgeMiddleware (`RequestObservation`), into this app's registry (Vapor's go to the global one).
    app.http.server.configuration.reportMetrics = false
    // Vapor's own request decompression fails in the channel pipeline (a dropped connection, an error-level
    // log) when a body is corrupt or past its ratio; `RequestDecompression` answers 400/413/415 instead.
    app.http.server.configuration.requestDecompression = .disabled
    // Closes connections silent for this long: stalled heads and bodies, idle keep-alives (see AppConfig).
    app.http.server.configuration.idleTimeout = .milliseconds(Int64(config.httpIdleTimeout * 1000))
    app.routes.defaultMaxBodySize = ByteCount(integerLiteral: Request.maxBodyBytes)

    let postgres = try configureDatabase(app, config: config, schema: overrides.postgresSchema)
    app.migrations.add(Migrations.all)

    await app.jwt.keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)

    let now = overrides.now ?? { Date() }
    let metrics = Metrics()
    let cache: any SharedCache
    if let override = overrides.cache {
        cache = override
    } else if let redisConfiguration = try config.redisConfiguration() {
        let redis = try RedisCache(
            configuration: redisConfiguration, eventLoopGroup: app.eventLoopGroup, logger: app.logger,
            onCircuitStateChange: { metrics.cacheCircuitState($0.rawValue) })  // connects on first use
        metrics.cacheCircuitState(redis.client.circuitState.rawValue)
        app.lifecycle.use(RedisCacheShutdown(cache: redis))
        cache = redis
    } else {
        cache = MemoryCache(now: now)
    }

    // One HTTP client for every LLM call, shut down with the app.
    // Enough connections per provider host for every coach stream plus every briefing job (a request beyond
    // the pool's limit would wait for a free connection, and that wait counts against its first-token timeout).
    let llmClient = HTTPClient(
        eventLoopGroupProvider: .shared(app.eventLoopGroup),
        configuration: LLMSettings.httpClientConfiguration(
            for: config.allLLMSettings,
            maxConnectionsPerHost: max(256, config.coachMaxStreams + config.workerConcurrency)))
    app.lifecycle.use(HTTPClientShutdown(client: llmClient))
    // Each purpose: its provider, then its fallback when configured, every attempt measured.
    let briefingProvider = InstrumentedLLMProvider.make(
        purpose: .briefing, primary: config.briefingLLM,
        fallback: config.briefingLLMFallback, metrics: metrics,
        httpClient: llmClient, logger: app.logger)
    let coachProvider = InstrumentedLLMProvider.make(
        purpose: .coach, primary: config.coachLLM, fallback: config.coachLLMFallback,
        metrics: metrics, httpClient: llmClient, logger: app.logger)

    let wakeups = JobWakeups()
    let jobQueue = JobQueue(now: now, wakeups: wakeups)
    let briefingCache = BriefingCache(cache: cache, now: now, cooldown: config.briefingCooldown)
    let briefings = BriefingService(cache: briefingCache, queue: jobQueue, metrics: metrics)
    let generator = BriefingGenerator(
        cache: briefingCache, provider: briefingProvider,
        jobDeadline: .seconds(config.briefingJobTimeout), metrics: metrics, now: now)
    let database: @Sendable () -> any Database = { [unowned app] in app.db }
    let logger = app.logger
    // On Postgres, LISTEN/NOTIFY wakes idle workers and the poll is only a slow safety net.
    let worker = JobWorker(
        settings: .init(
            concurrency: config.workerConcurrency, pollInterval: postgres == nil ? .milliseconds(250) : .seconds(2),
            lease: config.workerLease, jobDeadline: .seconds(config.briefingJobTimeout),
            deadlines: [
                .activityImport: .seconds(config.imports.jobTimeout), .analytics: .seconds(config.analyticsJobTimeout),
            ],
            drain: .seconds(config.workerDrain)),
        database: database, queue: jobQueue, metrics: metrics, logger: logger, wakeups: wakeups
    ) { [unowned app] job, db in
        switch job.kind {
        case .briefing: try await generator.run(athleteID: job.athleteID, jobID: job.id, queue: jobQueue, db: db, logger: logger).rawValue
        case .planAdapt: try await PlanAdaptationService(trigger: nil, now: now).runNightly(athleteID: job.athleteID, on: db)
        case .activityImport:
            try await ImportService(
                limits: config.imports, trigger: BriefingTrigger(briefings: briefings, logger: logger),
                threadPool: app.threadPool, now: now
            ).runQueued(athleteID: job.athleteID, on: db)
        case .analytics: try await AnalyticsService(now: now).recompute(athleteID: job.athleteID, on: db).kind.rawValue
        }
    }
    let scheduler = BriefingScheduler(
        interval: config.schedulerInterval, database: database, briefings: briefings,
        now: now, logger: logger)
    let passwords = PasswordHashing(
        cost: config.bcryptCost, threads: config.bcryptMaxConcurrency, idleGrace: config.bcryptIdleGrace)
    app.lifecycle.use(PasswordHashingShutdown(hashing: passwords))
    // Hashed once at boot; used to make unknown-email logins cost as much as real ones.
    let dummyHash = try await passwords.hash(TokenService.newOpaqueToken())
    app.strideIQ = AppServices(
        config: config,
        cache: cache,
        tokenService: TokenService(
            accessTTL: config.accessTokenTTL, refreshTTL: config.refreshTokenTTL,
            reuseGrace: TimeInterval(config.refreshReuseGraceSeconds), secret: secret, now: now),
        loginGuard: LoginGuard(
            cache: cache, maxFailures: config.loginMaxFailures,
            window: .seconds(config.loginFailureWindow), lockout: .seconds(config.loginLockout), metrics: metrics),
        now: now,
        metrics: metrics,
        coachProvider: coachProvider,
        jobQueue: jobQueue,
        briefings: briefings,
        briefingGenerator: generator,
        worker: worker,
        jobListener: postgres.map { PostgresJobListener(configuration: $0.coreConfiguration, wakeups: wakeups, logger: logger) },
        scheduler: scheduler,
        dummyPasswordHash: dummyHash,
        passwords: passwords)
    // The coach's open streams are drained on shutdown by `StartStopService.coachDrain` (see `ProcessServices.swift`).
    app.coach = CoachService(app: app)

    // One middleware replaces Vapor's defaults (its error middleware among them) and does, in one pass, what every
    // request needs: its id, the strict query check, request decompression, the one JSON error shape, the
    // security headers, the HTTP metrics and the log line (see `EdgeMiddleware` for the order and why one).
    app.middleware = Middlewares()
    app.middleware.use(
        EdgeMiddleware(metrics: metrics, decompression: RequestDecompression(maxRatio: config.requestMaxInflateRatio)))

    try RouteTable.register(on: app, role: role)
}

/// Switches a SQLite file to write-ahead logging once at boot (the setting persists in the file).
struct SQLiteWAL: LifecycleHandler {
    func willBootAsync(_ app: Application) async throws {
        _ = try await (app.db as! any SQLDatabase).raw("PRAGMA journal_mode = WAL").all()
    }
}

struct RedisCacheShutdown: LifecycleHandler {
    let cache: RedisCache
    func shutdownAsync(_ application: Application) async { await cache.shutdown() }
}

/// Shuts the LLM HTTP client down with the app (after the server stops taking requests).
struct HTTPClientShutdown: LifecycleHandler {
    let client: HTTPClient
    func shutdownAsync(_ application: Application) async {
        try? await client.shutdown()
    }
}

/// Registers the database; returns the Postgres configuration when that is the engine (the job listener uses it).
private func configureDatabase(_ app: Application, config: AppConfig, schema: String?) throws -> SQLPostgresConfiguration? {
    switch config.database {
    case .sqlite(let path):
        // SQLite runs on blocking threads, and its busy handler spins on one while waiting for the file lock.
        // With fewer threads than connections, spinners could take every thread while the lock holder waits for
        // one to finish its transaction. This app gets its own pool, larger than its connection count.
        let connectionsPerLoop = 4
        app.threadPool = NIOThreadPool(numberOfThreads: System.coreCount * connectionsPerLoop + 4)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // Several connections per event loop so the home screen's queries run side by side; WAL (set at boot,
        // kept in the file) lets them read while a writer commits. Writers queue on SQLite's busy handler.
        if !config.sqliteSynchronous.applyToNewConnections() {
            app.logger.warning("SQLite refused the connection setup: SQLITE_SYNCHRONOUS is not applied, commits run at FULL")
        }
        app.databases.use(.sqlite(.file(path), maxConnectionsPerEventLoop: connectionsPerLoop), as: .sqlite)
        app.lifecycle.use(SQLiteWAL())
        return nil
    case .postgres(let url):
        var configuration = try SQLPostgresConfiguration(url: url)
        // Fail fast when the server is unreachable: readiness must be able to say so within its timeout.
        configuration.coreConfiguration.options.connectTimeout = .seconds(3)
        if let schema { configuration.searchPath = [schema] }
        app.databases.use(
            .postgres(configuration: configuration, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(5)), as: .psql)
        return configuration
    }
}

/// Resolves the token-signing key: `SECRET_KEY` when set; in development a key generated once and kept in
/// the data directory (so tokens survive restarts); in testing a fresh random key. Production never gets
/// here without a strong key (`AppConfig.load` refuses).
enum SecretKeyStore {
    static func resolve(config: AppConfig, logger: Logger) throws -> String {
        if let key = config.secretKey { return key }
        switch config.mode {
        case .production:
            throw AppConfig.Invalid(problems: ["SECRET_KEY is required in production"])
        case .testing:
            return TokenService.newOpaqueToken()
        case .development:
            let path = (config.dataDirectory as NSString).appendingPathComponent("secret_key")
            if let existing = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                existing.utf8.count >= AppConfig.minimumSecretBytes
            {
                return existing
            }
            try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
            let key = TokenService.newOpaqueToken()
            _ = FileManager.default.createFile(atPath: path, contents: Data(key.utf8), attributes: [.posixPermissions: 0o600])
            logger.notice("generated a development SECRET_KEY", metadata: ["path": "\(path)"])
            return key
        }
    }
}
