import Foundation
import Logging
import NIOCore
import RedisClient

/// `SharedCache` on Redis, for split roles (`REDIS_URL` set): every process sees the same login counters,
/// lockouts, rate-limit windows, revoked tokens, briefing entries, locks, cooldowns and circuit breakers.
///
/// Each operation is one atomic Redis command (or one Lua script), so concurrent processes never see a
/// half-applied update. Keys are stored exactly as the app names them (no prefix), so operators can find them
/// with `redis-cli`; use a dedicated database (`redis://…/N`) to keep them apart from other tenants.
///
/// Failure behaviour: every method throws (`RedisError`) rather than returning a default when Redis is slow or
/// down; callers decide whether to fail open. While Redis is unreachable the client fails calls immediately
/// (reconnect backoff), and while it is hung (accepting connections, answering nothing) the client's circuit
/// breaker does so after a few timed-out calls (`RedisError.circuitOpen`), so a fail-open path costs
/// microseconds, not a timeout per request. Callers see the same thrown errors either way, so their fail-open
/// and fail-closed rules for a cache that is down hold unchanged for one that hangs.
///
/// Lifecycle: create once at startup, share, and call `shutdown()` when the application stops.
public final class RedisCache: SharedCache {
    public let client: RedisClient

    public init(client: RedisClient) {
        self.client = client
    }

    /// Parses `REDIS_URL` (`redis://[[user]:password@]host[:port][/db]`); nothing connects until first use.
    /// Throws `RedisError.invalidConfiguration` (without echoing the password) for a malformed URL.
    public convenience init(url: String, eventLoopGroup: any EventLoopGroup, logger: Logger) throws {
        try self.init(client: RedisClient(url: url, eventLoopGroup: eventLoopGroup, logger: logger))
    }

    /// The app's client (`AppConfig.redisConfiguration()`: the URL, timeouts and circuit breaker);
    /// `onCircuitStateChange` follows the breaker (a gauge). Nothing connects until first use.
    public convenience init(
        configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger,
        onCircuitStateChange: (@Sendable (RedisCircuitState) -> Void)? = nil
    ) throws {
        try self.init(
            client: RedisClient(
                configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
                onCircuitStateChange: onCircuitStateChange))
    }

    /// Closes the connections. Later calls throw `RedisError.closed`.
    public func shutdown() async {
        await client.shutdown()
    }

    public var backendName: String { "redis" }

    /// Every process pointed at the same Redis (and database) sees the same data.
    public var isShared: Bool { true }

    public func get(_ key: String) async throws -> String? {
        try await client.get(key)
    }

    public func set(_ key: String, _ value: String, ttl: Duration) async throws {
        // `.after` rounds up to whole milliseconds, at least 1: Redis rejects a zero or negative expiry, and an
        // entry that expires at once is what MemoryCache does with such a TTL.
        try await client.set(key, value, expiration: .after(ttl))
    }

    public func setIfAbsent(_ key: String, _ value: String, ttl: Duration) async throws -> Bool {
        try await client.set(key, value, expiration: .after(ttl), condition: .ifNotExists)
    }

    /// INCR and, for a new counter, PEXPIRE, atomically in one script: with two separate commands a process
    /// dying between them would leave a counter that never expires (a permanent lockout). The script also
    /// repairs such a counter if one exists (no TTL → give it the window). `EXPIRE … NX` would need Redis ≥ 7
    /// and still two round trips; the script works on any Redis ≥ 2.6.
    public func increment(_ key: String, windowTTL ttl: Duration) async throws -> Int {
        let reply = try await client.eval(Self.incrementScript, keys: [key], arguments: [String(Self.milliseconds(ttl))])
        guard let count = reply.integer else {
            throw RedisError.protocolError("unexpected reply to the increment script: \(reply)")
        }
        return Int(count)
    }

    static let incrementScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 or redis.call('PTTL', KEYS[1]) == -1 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
        end
        return n
        """

    /// PTTL. A key without an expiry (never written through this type, which always sets one) reports nil, as
    /// if absent, rather than an invented duration.
    public func timeToLive(_ key: String) async throws -> Duration? {
        switch try await client.pttl(key) {
        case .expiresIn(let remaining): remaining
        case .keyDoesNotExist, .noExpiry: nil
        }
    }

    public func delete(_ key: String) async throws {
        try await client.del(key)
    }

    public func deleteIfValue(_ key: String, equals value: String) async throws -> Bool {
        let reply = try await client.eval(Self.compareAndDeleteScript, keys: [key], arguments: [value])
        return reply.integer == 1
    }

    /// GET and DEL as one step: a lock is released only by its holder, even if it expired and was re-taken.
    static let compareAndDeleteScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """

    public func ping() async throws {
        try await client.ping()
    }

    private static func milliseconds(_ ttl: Duration) -> Int64 {
        switch RedisExpiration.after(ttl) {
        case .milliseconds(let milliseconds): milliseconds
        case .seconds(let seconds): seconds * 1000
        }
    }
}
