import Foundation
import Logging

/// Login lockout: `maxFailures` failures inside `window` lock the account for `lockout`.
/// Counted in the shared cache (keyed by lower-cased email, unknown emails included) so every process sees
/// the same count. When the cache is down the guard fails open (a warning is logged): logins keep working.
struct LoginGuard: Sendable {
    let cache: any SharedCache
    let maxFailures: Int
    let window: Duration
    let lockout: Duration
    let metrics: Metrics

    /// Remaining lock time, if the account is locked.
    func lockRemaining(email: String, logger: Logger) async -> Duration? {
        do {
            return try await cache.timeToLive(Self.lockKey(email))
        } catch {
            logger.warning("login lockout check skipped: cache unavailable", metadata: ["error": "\(error)"])
            metrics.cacheFailOpen(check: "login_lockout")
            return nil
        }
    }

    /// Records a failure; returns the lock duration when this failure locks the account.
    func recordFailure(email: String, logger: Logger) async -> Duration? {
        do {
            let failures = try await cache.increment(Self.failuresKey(email), windowTTL: window)
            guard failures >= maxFailures else { return nil }
            try await cache.set(Self.lockKey(email), "1", ttl: lockout)
            try await cache.delete(Self.failuresKey(email))
            logger.notice("account locked after repeated login failures")
            return lockout
        } catch {
            logger.warning("login failure not counted: cache unavailable", metadata: ["error": "\(error)"])
            metrics.cacheFailOpen(check: "login_failure_count")
            return nil
        }
    }

    func recordSuccess(email: String, logger: Logger) async {
        do { try await cache.delete(Self.failuresKey(email)) } catch {
            logger.warning("login failure counter not cleared: cache unavailable", metadata: ["error": "\(error)"])
        }
    }

    static func failuresKey(_ email: String) -> String { "login_failures:\(email)" }
    static func lockKey(_ email: String) -> String { "login_lock:\(email)" }
}
