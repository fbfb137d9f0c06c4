import Foundation
import Logging

/// Login lockout: `maxFailures` failures inside `window` lock the account for `lockout`.
/// Counted in the shared cache (keyed by lower-cased email, unknown emails included) so every process sees
/// the same count. When the cache is down the guard fails open (a warning is logged): logins keep working.
///
/// The count is of attempts, reserved before the password is checked: with a count taken after the check, forty
/// concurrent guesses all passed the "not locked yet" test before the first failure was counted, and most of
/// them got a bcrypt check. Each attempt atomically increments the counter first (`SharedCache.increment`: an
/// actor in memory, one Lua script on Redis, so the count and its window expiry are set together); an attempt
/// whose number is above `maxFailures` is refused unchecked, like a locked account. A failure keeps its
/// reservation; a success clears the counter, as a successful login always reset the failures.
struct LoginGuard: Sendable {
    let cache: any SharedCache
    let maxFailures: Int
    let window: Duration
    let lockout: Duration
    let metrics: Metrics

    enum Reservation: Sendable {
        /// The attempt's number in the window (1 = first).
        case granted(Int)
        /// Too many attempts in flight or already failed: answer as locked, without checking the password.
        case refused(remaining: Duration)
        /// The cache failed: the attempt goes ahead uncounted (fail open).
        case uncounted
    }

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

    /// Reserves one password check for `email` before it happens.
    func reserveAttempt(email: String, logger: Logger) async -> Reservation {
        do {
            let attempt = try await cache.increment(Self.attemptsKey(email), windowTTL: window)
            guard attempt > maxFailures else { return .granted(attempt) }
            // The lock may not be set yet (the attempts that filled the window are still being checked).
            let remaining = try await cache.timeToLive(Self.lockKey(email)) ?? lockout
            return .refused(remaining: remaining)
        } catch {
            logger.warning("login attempt not counted: cache unavailable", metadata: ["error": "\(error)"])
            metrics.cacheFailOpen(check: "login_failure_count")
            return .uncounted
        }
    }

    /// A failed check keeps its reservation; the one that used the last allowed attempt locks the account.
    /// Returns the lock duration when it does.
    func recordFailure(email: String, reservation: Reservation, logger: Logger) async -> Duration? {
        guard case .granted(let attempt) = reservation, attempt >= maxFailures else { return nil }
        do {
            try await cache.set(Self.lockKey(email), "1", ttl: lockout)
            // The counter now lives exactly as long as the lock, still above the limit: an attempt that passed
            // the lock check just before the lock was set is refused by its reservation, and once the lock ends
            // counting starts again from zero rather than from a full window.
            try await cache.set(Self.attemptsKey(email), String(maxFailures), ttl: lockout)
            logger.notice("account locked after repeated login failures")
            return lockout
        } catch {
            logger.warning("login lockout not set: cache unavailable", metadata: ["error": "\(error)"])
            metrics.cacheFailOpen(check: "login_failure_count")
            return nil
        }
    }

    func recordSuccess(email: String, logger: Logger) async {
        do { try await cache.delete(Self.attemptsKey(email)) } catch {
            logger.warning("login attempt counter not cleared: cache unavailable", metadata: ["error": "\(error)"])
        }
    }

    static func attemptsKey(_ email: String) -> String { "login_attempts:\(email)" }
    static func lockKey(_ email: String) -> String { "login_lock:\(email)" }
}
