import Foundation
import StrideIQSupport

/// The shared key-value store for state every process must agree on: login-attempt counters, lockouts,
/// rate-limit windows, briefings, locks, cooldowns, the circuit breaker. Revoked access tokens are not here:
/// they must outlive a cache restart, so they are in the database (`TokenService.revokeAccessToken`).
///
/// The embedded mode uses `MemoryCache` (one process); split roles use Redis. The operations are the
/// small subset both can do atomically.
public protocol SharedCache: Sendable {
    /// Backend name for `/health` and logs ("memory", "redis").
    var backendName: String { get }
    /// Whether other processes see the same data (split roles require it).
    var isShared: Bool { get }
    func get(_ key: String) async throws -> String?
    /// Sets `key`, replacing any value, expiring after `ttl`.
    func set(_ key: String, _ value: String, ttl: Duration) async throws
    /// Sets `key` only if it does not exist. Returns whether it was set (SET NX).
    func setIfAbsent(_ key: String, _ value: String, ttl: Duration) async throws -> Bool
    /// Increments an integer counter; a new counter starts at 1 and expires after `ttl` (the window),
    /// later increments keep the original expiry (INCR + EXPIRE NX).
    func increment(_ key: String, windowTTL ttl: Duration) async throws -> Int
    /// Remaining time to live, or nil when the key does not exist.
    func timeToLive(_ key: String) async throws -> Duration?
    func delete(_ key: String) async throws
    /// Deletes `key` only while it holds `value` (releasing a lock only by its holder). Returns whether it did.
    func deleteIfValue(_ key: String, equals value: String) async throws -> Bool
    /// A round trip, for readiness checks.
    func ping() async throws
}

/// In-process implementation of `SharedCache` for the embedded mode and tests.
/// Expired entries are dropped lazily on access and swept when the table grows.
public actor MemoryCache: SharedCache {
    private struct Entry {
        var value: String
        var expiresAt: Date
    }
    private var entries: [String: Entry] = [:]
    private let now: @Sendable () -> Date
    private var writesSinceSweep = 0

    /// `now` is the app's clock, so expiries follow it (tests move it).
    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    public nonisolated var backendName: String { "memory" }
    public nonisolated var isShared: Bool { false }

    public func get(_ key: String) -> String? { live(key)?.value }

    public func set(_ key: String, _ value: String, ttl: Duration) {
        entries[key] = Entry(value: value, expiresAt: now().addingTimeInterval(ttl.seconds))
        sweepIfNeeded()
    }

    public func setIfAbsent(_ key: String, _ value: String, ttl: Duration) -> Bool {
        if live(key) != nil { return false }
        set(key, value, ttl: ttl)
        return true
    }

    public func increment(_ key: String, windowTTL ttl: Duration) -> Int {
        if var entry = live(key) {
            let next = (Int(entry.value) ?? 0) + 1
            entry.value = String(next)
            entries[key] = entry
            return next
        }
        set(key, "1", ttl: ttl)
        return 1
    }

    public func timeToLive(_ key: String) -> Duration? {
        guard let entry = live(key) else { return nil }
        return .seconds(entry.expiresAt.timeIntervalSince(now()))
    }

    public func delete(_ key: String) { entries[key] = nil }

    public func deleteIfValue(_ key: String, equals value: String) -> Bool {
        guard live(key)?.value == value else { return false }
        entries[key] = nil
        return true
    }

    public func ping() {}

    private func live(_ key: String) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if entry.expiresAt <= now() {
            entries[key] = nil
            return nil
        }
        return entry
    }

    private func sweepIfNeeded() {
        writesSinceSweep += 1
        guard writesSinceSweep >= 10_000 else { return }
        writesSinceSweep = 0
        let now = now()
        entries = entries.filter { $0.value.expiresAt > now }
    }
}
