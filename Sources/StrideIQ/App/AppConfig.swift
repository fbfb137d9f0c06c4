import Foundation
import LLM
import RedisClient
import StrideIQCore

/// Every setting StrideIQ reads, parsed once at boot from the environment. Defaults give the embedded mode
/// (SQLite file under `./data`, in-memory cache, offline LLM). Every invalid variable is reported together.
/// The README's configuration table documents each variable; keep the two in step.
public struct AppConfig: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case development, testing, production }

    public enum DatabaseLocation: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)

        public var kind: String {
            switch self {
            case .sqlite: "sqlite"
            case .postgres: "postgres"
            }
        }
    }

    public enum LogFormat: String, Sendable, CaseIterable { case text, json }

    public var mode: Mode = .development
    public var host = "127.0.0.1"
    public var port = 8080
    public var database: DatabaseLocation = .sqlite(path: "./data/strideiq.sqlite")
    /// How an SQLite commit is made durable (`SQLITE_SYNCHRONOUS`; see `SQLiteSynchronous` for the trade).
    public var sqliteSynchronous: SQLiteSynchronous = .normal
    /// Where the embedded mode keeps its files (the generated development secret).
    public var dataDirectory = "./data"
    /// The web app's files (`index.html`, `css/`, `js/`); nil uses the copy bundled with the binary. Set it to
    /// `Sources/StrideIQ/Web/app` to edit the app without rebuilding (restart to see a change).
    public var webDirectory: String?
    /// Redis for the shared cache (locks, counters, briefings); nil means the in-memory cache (one process).
    public var redisURL: String?
    /// The Redis client's limits: TCP connect, and each command's reply (`REDIS_CONNECT_TIMEOUT_MS`,
    /// `REDIS_COMMAND_TIMEOUT_MS`; see `RedisConfiguration` for why these defaults).
    public var redisConnectTimeout: Duration = RedisConfiguration().connectTimeout
    public var redisCommandTimeout: Duration = RedisConfiguration().commandTimeout
    /// Its circuit breaker: this many consecutive failures (`REDIS_CIRCUIT_FAILURES`, 0 turns it off) make every
    /// cache call fail at once, as if Redis were down, for `REDIS_CIRCUIT_COOLDOWN_S`; then one call probes.
    public var redisCircuitFailures = RedisCircuitBreakerPolicy().failureThreshold
    public var redisCircuitCooldown: Duration = RedisCircuitBreakerPolicy().cooldown
    /// HMAC key for access tokens. `nil` until boot resolves it (development generates and keeps one).
    public var secretKey: String?
    public var bcryptCost = 12
    /// bcrypt checks running at once per process; the rest wait their turn, suspended (`AuthService`). bcrypt is
    /// pure CPU, so more checks than cores finish no sooner (each just takes longer), and a free core keeps
    /// the event loops (and every other route) answering while logins saturate. Settable for a process that
    /// shares its machine (an api beside a worker) or a test that needs a gate of one.
    public var bcryptMaxConcurrency = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
    /// How long bcrypt's idle lane may stay busy without finishing a check before waiting checks also run in
    /// the fallback lane (`PasswordHashing`). nil: `PasswordHashing.defaultIdleGrace(cost:)`, 8 s at cost 12.
    public var bcryptIdleGrace: Duration?
    public var accessTokenTTL: TimeInterval = 15 * 60
    public var refreshTokenTTL: TimeInterval = 30 * 24 * 3600
    /// Seconds after a refresh in which the rotated token still answers with the same successor (two tabs
    /// refreshing at once); later reuse revokes the session. 0 turns it off.
    public var refreshReuseGraceSeconds = 10
    public var authRateLimitPerMinute = 60
    public var loginMaxFailures = 5
    public var loginFailureWindow: TimeInterval = 30 * 60
    public var loginLockout: TimeInterval = 15 * 60
    public var trustedProxies: [CIDR] = [CIDR("127.0.0.1/32")!, CIDR("::1/128")!]
    public var logFormat: LogFormat = .text
    public var logLevel = "info"
    /// `/metrics` on its own port (served by every role, worker and scheduler included); `nil` serves it on the
    /// main port of the HTTP roles instead.
    public var metricsPort: Int?
    /// Address the metrics port binds to (defaults to `HOST`).
    public var metricsHost: String?
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    public var metricsToken: String?
    /// Apply pending migrations when `serve` starts (the embedded default). Production runs `strideiq migrate`.
    public var autoMigrate = true
    /// LLM per purpose (`LLM_*`, `BRIEFING_LLM_*`, `COACH_LLM_*`); offline unless configured.
    public var briefingLLM = LLMSettings.offline(purpose: .briefing)
    public var coachLLM = LLMSettings.offline(purpose: .coach)
    /// A second provider per purpose (`LLM_FALLBACK_*`, `BRIEFING_LLM_FALLBACK_*`, `COACH_LLM_FALLBACK_*`), tried
    /// inside the same deadline when the first fails before its first token; `nil`: none.
    public var briefingLLMFallback: LLMSettings?
    public var coachLLMFallback: LLMSettings?
    /// Every provider configured, fallbacks included (the one LLM HTTP client is sized for them all).
    public var allLLMSettings: [LLMSettings] {
        [briefingLLM, coachLLM] + [briefingLLMFallback, coachLLMFallback].compactMap { $0 }
    }
    /// Call-site deadline of one briefing job; the provider's client timeout (`BRIEFING_PROVIDER_TIMEOUT_S`) is inside it.
    public var briefingJobTimeout: TimeInterval = 15
    /// Deadline of one analytics recompute (`AnalyticsService`): a full five-year recompute takes well under the
    /// default; the deadline only stops a pathological one from holding the athlete's write lock.
    public var analyticsJobTimeout: TimeInterval = 60
    /// Briefing jobs spend nearly all their time waiting on the LLM (seconds) and hold a database connection
    /// only for their short reads and writes around the call, so jobs in flight — not CPU or connections — set a
    /// worker's throughput: one job per second of provider latency per slot. 32 clears a 500-athlete batch at
    /// 1 s a briefing in well under a minute, stays far below the LLM client's connection pool
    /// (`COACH_MAX_STREAMS` + this, at least 256) and keeps ~10 requests/s against a provider's rate limit
    /// at typical 3 s latencies.
    public var workerConcurrency = 32
    /// Per-athlete enqueue cooldown: a trigger inside it is deferred to its end (coalesced), never dropped.
    public var briefingCooldown: TimeInterval = 60
    /// How long a claimed job stays leased without a heartbeat; a dead worker's jobs run again after it.
    public var workerLease: TimeInterval = 60
    public var schedulerInterval: TimeInterval = 900
    /// Coach bounds: stream ceiling from the request (`COACH_STREAM_TIMEOUT_S`, also the coach provider's
    /// request timeout), heartbeat after this much silence, concurrent streams per process and per athlete,
    /// messages per athlete per day.
    public var coachStreamTimeout: TimeInterval = 120
    public var coachHeartbeat: TimeInterval = 2
    public var coachMaxStreams = 256
    public var coachMaxStreamsPerAthlete = 2
    public var coachDailyMessageBudget = 100
    /// `max_tokens` of a coach answer (`COACH_MAX_OUTPUT_TOKENS`). It also bounds what is streamed and saved:
    /// a provider that goes past it is cut off at `ChatRequest.maxOutputBytes` (16 bytes a token) with `length`.
    public var coachMaxOutputTokens = 1_200
    /// Let the coach's model call its read-only tools (`COACH_TOOLS`); off for a server that rejects `tools`.
    public var coachTools = true
    /// Bound on a graceful shutdown (SIGTERM/SIGINT): coach drain, server, scheduler, worker drain, listeners.
    /// Past it, whatever is still running is cancelled and the process exits.
    public var shutdownTimeout: TimeInterval = 30
    /// On shutdown, how long the worker lets running jobs finish before it releases them to the queue.
    public var workerDrain: TimeInterval = 20
    /// A gzip/deflate request body may inflate to at most this many times its compressed size (and never past
    /// the 1 MiB body limit); past it the request is 413 (`RequestDecompression`).
    public var requestMaxInflateRatio = 100
    /// A connection with no bytes read or written for this long is closed, a request in flight included: it
    /// bounds slow or stalled clients (half a request head, a body shorter than its `Content-Length`) and idle
    /// keep-alives. It must exceed `coachStreamTimeout`, the longest a response may stay silent (the
    /// whole-answer `/v1/coach/chat` writes nothing until the model is done; a stream sends heartbeats).
    public var httpIdleTimeout: TimeInterval = 130
    /// Activity-file imports (`IMPORT_*`): every size, count and time bound, each with its own 413/422.
    public var imports = ImportLimits()

    public init() {}

    public struct ImportLimits: Sendable, Equatable {
        /// One activity file, after any gzip layer (`IMPORT_MAX_FILE_BYTES`, 25 MiB).
        public var maxFileBytes = 25 << 20
        /// One upload: an archive or a batch of files, as sent (`IMPORT_MAX_ARCHIVE_BYTES`, 500 MiB).
        public var maxArchiveBytes = 500 << 20
        /// Files in one archive or one multipart batch (`IMPORT_MAX_ARCHIVE_ENTRIES`).
        public var maxArchiveEntries = 10_000
        /// What an archive may expand to in total (`IMPORT_MAX_EXPANDED_BYTES`, 2 GiB) …
        public var maxExpandedBytes = 2 << 30
        /// … and as a multiple of its compressed size (`IMPORT_MAX_INFLATE_RATIO`): a zip bomb stops here.
        public var maxInflateRatio = 100
        /// Uploads larger than this, and every archive, import as a background job (`IMPORT_INLINE_MAX_BYTES`).
        public var inlineMaxBytes = 8 << 20
        /// A background import's deadline (`IMPORT_JOB_TIMEOUT_S`).
        public var jobTimeout: TimeInterval = 3600
        public init() {}
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String {
            "StrideIQ cannot start; fix these settings:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// The Redis client's configuration: `REDIS_URL` with the timeouts and breaker above; nil without a URL.
    public func redisConfiguration() throws -> RedisConfiguration? {
        guard let redisURL else { return nil }
        var configuration = try RedisConfiguration(url: redisURL)
        configuration.connectTimeout = redisConnectTimeout
        configuration.commandTimeout = redisCommandTimeout
        configuration.circuitBreaker =
            redisCircuitFailures > 0
            ? RedisCircuitBreakerPolicy(failureThreshold: redisCircuitFailures, cooldown: redisCircuitCooldown) : nil
        return configuration
    }

    /// Minimum `SECRET_KEY` length; HS256 wants a key at least as long as its output.
    public static let minimumSecretBytes = 32

    /// Parses the environment. Throws `Invalid` listing every problem at once.
    public static func load(from environment: [String: String]) throws -> AppConfig {
        var reader = EnvironmentReader(environment)
        var config = AppConfig()
        config.mode = reader.choice("STRIDEIQ_ENV", default: .development)
        config.host = reader.string("HOST", default: config.host)
        config.port = reader.int("PORT", default: config.port, range: 1...65535)
        config.dataDirectory = reader.string("DATA_DIR", default: config.dataDirectory)
        config.webDirectory = reader.optionalString("WEB_DIR")
        if let url = reader.optionalString("DATABASE_URL") {
            if let location = parseDatabaseURL(url) {
                config.database = location
            } else {
                reader.problem("DATABASE_URL must be sqlite://<file path> or postgres://user:pass@host:port/db")
            }
        } else {
            config.database = .sqlite(path: (config.dataDirectory as NSString).appendingPathComponent("strideiq.sqlite"))
        }
        config.sqliteSynchronous = reader.choice("SQLITE_SYNCHRONOUS", default: config.sqliteSynchronous)
        if let url = reader.optionalString("REDIS_URL") {
            do {
                _ = try RedisConfiguration(url: url)
                config.redisURL = url
            } catch {
                reader.problem("REDIS_URL: \(error)")  // the error never contains the password
            }
        }
        config.redisConnectTimeout = .milliseconds(
            reader.int("REDIS_CONNECT_TIMEOUT_MS", default: milliseconds(config.redisConnectTimeout), range: 10...60_000))
        config.redisCommandTimeout = .milliseconds(
            reader.int("REDIS_COMMAND_TIMEOUT_MS", default: milliseconds(config.redisCommandTimeout), range: 10...60_000))
        config.redisCircuitFailures = reader.int("REDIS_CIRCUIT_FAILURES", default: config.redisCircuitFailures, range: 0...1000)
        config.redisCircuitCooldown = .seconds(
            reader.int("REDIS_CIRCUIT_COOLDOWN_S", default: Int(config.redisCircuitCooldown.components.seconds), range: 1...3600))
        config.secretKey = reader.optionalString("SECRET_KEY")
        if let key = config.secretKey, key.utf8.count < minimumSecretBytes {
            reader.problem(
                "SECRET_KEY must be at least \(minimumSecretBytes) bytes (got \(key.utf8.count)); generate one with `openssl rand -hex 32`")
        } else if config.secretKey == nil && config.mode == .production {
            reader.problem("SECRET_KEY is required in production (at least \(minimumSecretBytes) bytes; `openssl rand -hex 32`)")
        }
        config.bcryptCost = reader.int("BCRYPT_COST", default: config.bcryptCost, range: 4...31)
        config.bcryptMaxConcurrency = reader.int(
            "BCRYPT_MAX_CONCURRENCY", default: config.bcryptMaxConcurrency, range: 1...1024)
        if reader.optionalString("BCRYPT_IDLE_GRACE_MS") != nil {
            config.bcryptIdleGrace = .milliseconds(reader.int("BCRYPT_IDLE_GRACE_MS", default: 0, range: 10...600_000))
        }
        if config.mode == .production && config.bcryptCost < 10 {
            reader.problem("BCRYPT_COST must be at least 10 in production (got \(config.bcryptCost))")
        }
        config.accessTokenTTL = TimeInterval(reader.int("ACCESS_TOKEN_TTL_S", default: Int(config.accessTokenTTL), range: 30...86_400))
        config.refreshTokenTTL = TimeInterval(
            reader.int("REFRESH_TOKEN_TTL_S", default: Int(config.refreshTokenTTL), range: 60...(365 * 86_400)))
        config.refreshReuseGraceSeconds = reader.int(
            "REFRESH_REUSE_GRACE_SECONDS", default: config.refreshReuseGraceSeconds, range: 0...60)
        config.authRateLimitPerMinute = reader.int("AUTH_RATE_LIMIT_PER_MIN", default: config.authRateLimitPerMinute, range: 1...1_000_000)
        config.trustedProxies = reader.list("TRUSTED_PROXIES", default: config.trustedProxies) { CIDR($0) }
        config.logFormat = reader.choice("LOG_FORMAT", default: .text)
        config.logLevel = reader.string("LOG_LEVEL", default: config.logLevel)
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(config.logLevel) {
            reader.problem("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical (got \(config.logLevel))")
        }
        if reader.optionalString("METRICS_PORT") != nil {
            let port = reader.int("METRICS_PORT", default: 0, range: 1...65535)  // 0: invalid, already reported
            if port == config.port {
                reader.problem("METRICS_PORT must differ from PORT (\(config.port))")
            } else if port != 0 {
                config.metricsPort = port
            }
        }
        config.metricsHost = reader.optionalString("METRICS_HOST")
        config.metricsToken = reader.optionalString("METRICS_TOKEN")
        if let token = config.metricsToken, token.utf8.count < 16 {
            reader.problem("METRICS_TOKEN must be at least 16 bytes (got \(token.utf8.count)); generate one with `openssl rand -hex 16`")
        }
        config.autoMigrate = reader.bool("AUTO_MIGRATE", default: config.mode != .production)
        let briefing = LLMSettings.resolve(purpose: .briefing, environment: environment)
        let coach = LLMSettings.resolve(purpose: .coach, environment: environment)
        config.briefingLLM = briefing.settings
        config.coachLLM = coach.settings
        let briefingFallback = LLMSettings.resolveFallback(purpose: .briefing, environment: environment, primary: briefing.settings)
        let coachFallback = LLMSettings.resolveFallback(purpose: .coach, environment: environment, primary: coach.settings)
        config.briefingLLMFallback = briefingFallback.settings
        config.coachLLMFallback = coachFallback.settings
        // A global variable's problem shows up for both purposes: report it once.
        let llmProblems = briefing.problems + coach.problems + briefingFallback.problems + coachFallback.problems
        for problem in llmProblems where !reader.problems.contains(problem) { reader.problem(problem) }
        config.briefingJobTimeout = TimeInterval(
            reader.int("BRIEFING_JOB_TIMEOUT_S", default: Int(config.briefingJobTimeout), range: 1...600))
        let providerTimeout = config.briefingLLM.timeouts.request.components.seconds
        if Double(providerTimeout) >= config.briefingJobTimeout {
            reader.problem(
                "BRIEFING_JOB_TIMEOUT_S (\(Int(config.briefingJobTimeout)) s) must be longer than BRIEFING_PROVIDER_TIMEOUT_S (\(providerTimeout) s)"
            )
        }
        config.analyticsJobTimeout = TimeInterval(
            reader.int("ANALYTICS_JOB_TIMEOUT_S", default: Int(config.analyticsJobTimeout), range: 1...3600))
        config.workerConcurrency = reader.int("WORKER_CONCURRENCY", default: config.workerConcurrency, range: 1...1024)
        config.briefingCooldown = TimeInterval(reader.int("BRIEFING_COOLDOWN_S", default: Int(config.briefingCooldown), range: 0...3600))
        config.workerLease = TimeInterval(reader.int("WORKER_LEASE_S", default: Int(config.workerLease), range: 3...3600))
        config.schedulerInterval = TimeInterval(
            reader.int("SCHEDULER_INTERVAL_S", default: Int(config.schedulerInterval), range: 1...86_400))
        config.coachStreamTimeout = TimeInterval(
            reader.int("COACH_STREAM_TIMEOUT_S", default: Int(config.coachStreamTimeout), range: 1...3600))
        config.coachHeartbeat = TimeInterval(reader.int("COACH_HEARTBEAT_S", default: Int(config.coachHeartbeat), range: 1...60))
        config.coachMaxStreams = reader.int("COACH_MAX_STREAMS", default: config.coachMaxStreams, range: 1...100_000)
        config.coachMaxStreamsPerAthlete = reader.int(
            "COACH_MAX_STREAMS_PER_ATHLETE", default: config.coachMaxStreamsPerAthlete, range: 1...100)
        config.coachDailyMessageBudget = reader.int(
            "COACH_DAILY_MESSAGE_BUDGET", default: config.coachDailyMessageBudget, range: 1...100_000)
        config.coachMaxOutputTokens = reader.int(
            "COACH_MAX_OUTPUT_TOKENS", default: config.coachMaxOutputTokens, range: 16...128_000)
        config.coachTools = reader.bool("COACH_TOOLS", default: config.coachTools)
        config.shutdownTimeout = TimeInterval(reader.int("SHUTDOWN_TIMEOUT_S", default: Int(config.shutdownTimeout), range: 1...600))
        config.workerDrain = TimeInterval(reader.int("WORKER_DRAIN_S", default: Int(config.workerDrain), range: 0...600))
        config.requestMaxInflateRatio = reader.int(
            "REQUEST_MAX_INFLATE_RATIO", default: config.requestMaxInflateRatio, range: 1...10_000)
        config.httpIdleTimeout = TimeInterval(
            reader.int("HTTP_IDLE_TIMEOUT_S", default: Int(config.httpIdleTimeout), range: 2...3600))
        config.imports.maxFileBytes = reader.int(
            "IMPORT_MAX_FILE_BYTES", default: config.imports.maxFileBytes, range: 1024...(1 << 30))
        config.imports.maxArchiveBytes = reader.int(
            "IMPORT_MAX_ARCHIVE_BYTES", default: config.imports.maxArchiveBytes, range: 1024...(64 << 30))
        config.imports.maxArchiveEntries = reader.int(
            "IMPORT_MAX_ARCHIVE_ENTRIES", default: config.imports.maxArchiveEntries, range: 1...1_000_000)
        config.imports.maxExpandedBytes = reader.int(
            "IMPORT_MAX_EXPANDED_BYTES", default: config.imports.maxExpandedBytes, range: 1024...(1 << 40))
        config.imports.maxInflateRatio = reader.int(
            "IMPORT_MAX_INFLATE_RATIO", default: config.imports.maxInflateRatio, range: 1...100_000)
        config.imports.inlineMaxBytes = reader.int(
            "IMPORT_INLINE_MAX_BYTES", default: config.imports.inlineMaxBytes, range: 0...(1 << 30))
        config.imports.jobTimeout = TimeInterval(
            reader.int("IMPORT_JOB_TIMEOUT_S", default: Int(config.imports.jobTimeout), range: 10...86_400))
        if config.httpIdleTimeout <= config.coachStreamTimeout {
            reader.problem(
                "HTTP_IDLE_TIMEOUT_S (\(Int(config.httpIdleTimeout)) s) must be longer than "
                    + "COACH_STREAM_TIMEOUT_S (\(Int(config.coachStreamTimeout)) s)")
        }
        if config.workerDrain >= config.shutdownTimeout {
            reader.problem(
                "WORKER_DRAIN_S (\(Int(config.workerDrain)) s) must be shorter than SHUTDOWN_TIMEOUT_S (\(Int(config.shutdownTimeout)) s)")
        }
        if !reader.problems.isEmpty { throw Invalid(problems: reader.problems) }
        return config
    }

    static func parseDatabaseURL(_ url: String) -> DatabaseLocation? {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            return path.isEmpty ? nil : .sqlite(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: url), components.host?.isEmpty == false else { return nil }
            return .postgres(url: url)
        }
        return nil
    }
}

/// Reads typed values and remembers every problem instead of stopping at the first.
struct EnvironmentReader {
    let environment: [String: String]
    private(set) var problems: [String] = []

    init(_ environment: [String: String]) { self.environment = environment }

    mutating func problem(_ message: String) { problems.append(message) }

    func optionalString(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func string(_ name: String, default value: String) -> String { optionalString(name) ?? value }

    mutating func int(_ name: String, default value: Int, range: ClosedRange<Int>) -> Int {
        guard let raw = optionalString(name) else { return value }
        guard let parsed = Int(raw), range.contains(parsed) else {
            problem("\(name) must be an integer between \(range.lowerBound) and \(range.upperBound) (got \(raw))")
            return value
        }
        return parsed
    }

    mutating func bool(_ name: String, default value: Bool) -> Bool {
        guard let raw = optionalString(name)?.lowercased() else { return value }
        switch raw {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problem("\(name) must be true or false (got \(raw))")
            return value
        }
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, default value: T) -> T where T.RawValue == String {
        guard let raw = optionalString(name) else { return value }
        guard let parsed = T(rawValue: raw.lowercased()) else {
            problem("\(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")) (got \(raw))")
            return value
        }
        return parsed
    }

    mutating func list<T>(_ name: String, default value: [T], parse: (String) -> T?) -> [T] {
        guard let raw = optionalString(name) else { return value }
        var result: [T] = []
        for item in raw.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            if let parsed = parse(item) { result.append(parsed) } else { problem("\(name): cannot parse '\(item)'") }
        }
        return result
    }
}

/// Whole milliseconds of a duration (for defaults read back as `_MS` settings).
private func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}
