import Logging
import NIOCore
import NIOPosix

/// A small Redis (RESP2) client: a pool of connections with lazy connect, reconnect backoff and per-command
/// timeouts. Create one per process, share it freely (it is `Sendable`), and call `shutdown()` once at the end.
///
/// ```swift
/// let redis = try RedisClient(url: "redis://:secret@127.0.0.1:6379/0", eventLoopGroup: app.eventLoopGroup)
/// try await redis.set("k", "v", expiration: .seconds(60), condition: .ifNotExists)
/// let value = try await redis.get("k")
/// await redis.shutdown()
/// ```
///
/// Failure behaviour, which the owner's fail-open logic can rely on:
/// - Every call returns or throws within about `connectTimeout + commandTimeout` (defaults: 500 ms + 500 ms),
///   and normally much faster.
/// - While Redis is down, calls throw `RedisError.connectionFailed` immediately (see `ConnectionPool` for the
///   backoff); a refused connect on loopback costs well under a millisecond.
/// - While Redis is hung (connects accepted, nothing answered), the first calls wait out their timeouts; after
///   `circuitBreaker.failureThreshold` consecutive failures calls throw `RedisError.circuitOpen` without
///   touching the network, and one probe per cool-down finds out whether it is back (see `CircuitBreaker`).
/// - Commands are never retried automatically: a command that timed out or lost its connection may or may not
///   have run, and retrying a non-idempotent one (INCR) could apply it twice. The caller decides.
public final class RedisClient: RedisCommandSender, Sendable {
    public let configuration: RedisConfiguration
    private let pool: ConnectionPool
    private let breaker: CircuitBreaker?

    /// A logger that discards everything: the default, so the library is silent unless given one.
    public static let noOpLogger = Logger(label: "redis", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Nothing is connected until the first command. Throws `invalidConfiguration` for bad settings.
    /// The event loop group is borrowed (typically the app's); the client never shuts it down.
    /// `onCircuitStateChange` is told each change of the breaker's state, in order (e.g. to set a gauge); it is
    /// called while the breaker holds its lock, so it must be quick and must not call the client.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = RedisClient.noOpLogger,
        onCircuitStateChange: (@Sendable (RedisCircuitState) -> Void)? = nil
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.pool = ConnectionPool(configuration: configuration, group: eventLoopGroup, logger: logger)
        self.breaker = configuration.circuitBreaker.map {
            CircuitBreaker(policy: $0, target: "\(configuration)", logger: logger, onStateChange: onCircuitStateChange)
        }
    }

    /// `RedisClient(configuration: RedisConfiguration(url: url), …)`.
    public convenience init(
        url: String,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = RedisClient.noOpLogger
    ) throws {
        try self.init(configuration: RedisConfiguration(url: url), eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Runs one command on a pooled connection.
    public func send(_ arguments: [ByteBuffer], timeout: Duration?) async throws -> RESPValue {
        try await withConnection { connection in
            try await connection.send(arguments, timeout: timeout)
        }
    }

    /// Leases one connection for `body`, e.g. to pipeline several commands on it concurrently. The connection
    /// returns to the pool afterwards, unless `body` threw an error that may have desynchronised it, or it
    /// closed. Do not keep the connection beyond `body`. Throws `circuitOpen` at once while the breaker is open.
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (RedisConnection) async throws -> Result
    ) async throws -> Result {
        let permit = try breaker?.acquire()
        let connection: RedisConnection
        do {
            connection = try await pool.lease()
        } catch {
            if let permit { breaker?.record(permit, CircuitBreaker.outcome(of: error)) }
            throw error
        }
        do {
            let result = try await body(connection)
            pool.release(connection, reusable: true)
            if let permit { breaker?.record(permit, .success) }
            return result
        } catch {
            pool.release(connection, reusable: !((error as? RedisError)?.poisonsConnection ?? false))
            if let permit { breaker?.record(permit, CircuitBreaker.outcome(of: error)) }
            throw error
        }
    }

    /// The circuit breaker's state (`closed` when the configuration has no breaker).
    public var circuitState: RedisCircuitState { breaker?.currentState ?? .closed }

    /// Closes every connection and makes all later calls throw `RedisError.closed`. Commands in flight on
    /// leased connections finish; those connections are closed when returned.
    public func shutdown() async {
        await pool.shutdown()
    }

    /// Pool counts, for tests and diagnostics.
    public var poolStatistics: (idle: Int, leased: Int, connecting: Int, waiting: Int) {
        pool.statistics
    }
}
