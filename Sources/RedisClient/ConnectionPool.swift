import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A bounded set of connections, each leased to one caller at a time.
///
/// - Lazy: nothing is opened until a command needs a connection; idle connections are reused (most recently
///   used first) and a connection is opened only when none is idle and fewer than `maximumConnections` exist.
/// - When all connections are leased, callers queue (FIFO) until one is returned, at most `commandTimeout`
///   (then `poolExhausted`).
/// - A connection that is closed, or whose last command failed in a way that may have desynchronised it
///   (`RedisError.poisonsConnection`), is discarded on return instead of being reused.
/// - Reconnect backoff, which is what makes the client fail fast while Redis is down: after a failed connect
///   (refused, timeout, AUTH/SELECT rejected) no new connect is tried for `initialReconnectDelay`, doubling with
///   each consecutive failure up to `maximumReconnectDelay`. Within that window a command that needs a new
///   connection fails at once with `connectionFailed`. After it, one caller probes with a real connect while
///   the others keep failing fast, so an unreachable host costs one `connectTimeout` per window, not one per
///   request. The first successful connect ends the backoff. Reconnecting is driven by traffic: an idle
///   client does not dial a dead server in the background.
///
/// State lives behind one lock; continuations are resumed and connections closed outside it.
final class ConnectionPool: Sendable {
    private let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(configuration: RedisConfiguration, group: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    deinit {
        // Backstop for an owner that forgot `shutdown()`: do not leak sockets.
        for connection in state.withLockedValue({ $0.idle }) { connection.closeSoon() }
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<RedisConnection?, any Error>
        let timeoutTask: Scheduled<Void>
    }

    private struct State {
        var idle: [RedisConnection] = []
        var leased = 0
        var connecting = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var consecutiveFailures = 0
        var retryAt = NIODeadline.uptimeNanoseconds(0)
        var lastFailure: RedisError?
        var isShutdown = false

        mutating func removeWaiter(_ id: UInt64) -> Waiter? {
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index)
        }
    }

    private enum LeaseAction {
        case use(RedisConnection)
        case connect
        case wait
        case fail(RedisError)
    }

    // MARK: Lease

    func lease() async throws -> RedisConnection {
        let deadline = NIODeadline.now() + configuration.commandTimeout.timeAmount
        while true {
            let maximum = configuration.maximumConnections
            let action = state.withLockedValue { state -> LeaseAction in
                if state.isShutdown { return .fail(.closed) }
                // Connections that died while idle (server restart, idle timeout) are dropped here; their
                // channels are already closed.
                while let connection = state.idle.popLast() {
                    if connection.isOpen {
                        state.leased += 1
                        return .use(connection)
                    }
                }
                guard state.leased + state.connecting < maximum else { return .wait }
                if state.consecutiveFailures > 0 {
                    let reason = state.lastFailure.map(Self.reason) ?? "connect failed"
                    let now = NIODeadline.now()
                    if now < state.retryAt {
                        let wait = (state.retryAt - now).nanoseconds / 1_000_000
                        return .fail(.connectionFailed("\(reason) (next attempt in \(wait) ms)"))
                    }
                    if state.connecting > 0 {
                        return .fail(.connectionFailed("\(reason) (reconnect attempt in progress)"))
                    }
                }
                state.connecting += 1
                return .connect
            }
            switch action {
            case .use(let connection):
                return connection
            case .fail(let error):
                throw error
            case .connect:
                return try await connect()
            case .wait:
                if let connection = try await waitForConnection(until: deadline) {
                    return connection
                }
            // nil: capacity freed up or a connect failed; decide again.
            }
        }
    }

    private func connect() async throws -> RedisConnection {
        let connection: RedisConnection
        do {
            connection = try await RedisConnection.connect(
                configuration: configuration,
                eventLoop: group.any(),
                logger: logger
            )
        } catch {
            let redisError = (error as? RedisError) ?? .connectionFailed("\(error)")
            let (attempt, delay, waiters) = state.withLockedValue { state in
                state.connecting -= 1
                state.consecutiveFailures += 1
                let delay = Self.backoff(
                    attempt: state.consecutiveFailures,
                    initial: configuration.initialReconnectDelay.timeAmount,
                    maximum: configuration.maximumReconnectDelay.timeAmount
                )
                state.retryAt = .now() + delay
                state.lastFailure = redisError
                // Waiters re-decide: with the backoff now in force they fail fast rather than sit out the
                // command timeout.
                let waiters = state.waiters
                state.waiters.removeAll()
                return (state.consecutiveFailures, delay, waiters)
            }
            for waiter in waiters {
                waiter.timeoutTask.cancel()
                waiter.continuation.resume(returning: nil)
            }
            logger.warning(
                "Redis connect failed",
                metadata: [
                    "redis.target": "\(configuration)",
                    "redis.error": "\(Self.reason(redisError))",
                    "redis.attempt": "\(attempt)",
                    "redis.retry_in_ms": "\(delay.nanoseconds / 1_000_000)",
                ])
            throw redisError
        }
        let outcome = state.withLockedValue { state -> (accepted: Bool, recoveredAfter: Int) in
            state.connecting -= 1
            if state.isShutdown { return (false, 0) }
            state.leased += 1
            let failures = state.consecutiveFailures
            state.consecutiveFailures = 0
            state.lastFailure = nil
            return (true, failures)
        }
        guard outcome.accepted else {
            await connection.close()
            throw RedisError.closed
        }
        if outcome.recoveredAfter > 0 {
            logger.notice(
                "Redis reconnected",
                metadata: [
                    "redis.target": "\(configuration)",
                    "redis.failed_attempts": "\(outcome.recoveredAfter)",
                ])
        }
        return connection
    }

    private enum Registration {
        case registered
        case decideAgain
        case cancelled
        case timedOut
    }

    /// Waits for a returned connection (non-nil) or for a reason to decide again (nil).
    private func waitForConnection(until deadline: NIODeadline) async throws -> RedisConnection? {
        let id = state.withLockedValue { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let maximum = configuration.maximumConnections
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RedisConnection?, any Error>) in
                // Checking and registering under one lock means no release can slip in between.
                let registration = state.withLockedValue { state -> Registration in
                    if Task.isCancelled { return .cancelled }
                    if state.isShutdown || !state.idle.isEmpty || state.leased + state.connecting < maximum {
                        return .decideAgain
                    }
                    if NIODeadline.now() >= deadline { return .timedOut }
                    let timeoutTask = group.any().scheduleTask(deadline: deadline) { [weak self] () -> Void in
                        self?.waiterTimedOut(id)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation, timeoutTask: timeoutTask))
                    return .registered
                }
                switch registration {
                case .registered: break
                case .decideAgain: continuation.resume(returning: nil)
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .timedOut: continuation.resume(throwing: RedisError.poolExhausted)
                }
            }
        } onCancel: {
            if let waiter = state.withLockedValue({ $0.removeWaiter(id) }) {
                waiter.timeoutTask.cancel()
                waiter.continuation.resume(throwing: CancellationError())
            }
        }
    }

    private func waiterTimedOut(_ id: UInt64) {
        if let waiter = state.withLockedValue({ $0.removeWaiter(id) }) {
            waiter.continuation.resume(throwing: RedisError.poolExhausted)
        }
    }

    // MARK: Release

    private enum ReleaseAction {
        case keep
        case handOver(Waiter)
        case discard(wake: Waiter?)
    }

    /// Returns a leased connection. `reusable` false (or a closed connection) discards it.
    func release(_ connection: RedisConnection, reusable: Bool) {
        let action = state.withLockedValue { state -> ReleaseAction in
            state.leased -= 1
            if state.isShutdown { return .discard(wake: nil) }
            if reusable, connection.isOpen {
                if !state.waiters.isEmpty {
                    state.leased += 1
                    return .handOver(state.waiters.removeFirst())
                }
                state.idle.append(connection)
                return .keep
            }
            // The slot is free: the oldest waiter may open a new connection.
            return .discard(wake: state.waiters.isEmpty ? nil : state.waiters.removeFirst())
        }
        switch action {
        case .keep:
            break
        case .handOver(let waiter):
            waiter.timeoutTask.cancel()
            waiter.continuation.resume(returning: connection)
        case .discard(let waiter):
            connection.closeSoon()
            if let waiter {
                waiter.timeoutTask.cancel()
                waiter.continuation.resume(returning: nil)
            }
        }
    }

    // MARK: Shutdown

    func shutdown() async {
        let (idle, waiters) = state.withLockedValue { state in
            state.isShutdown = true
            defer {
                state.idle.removeAll()
                state.waiters.removeAll()
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.timeoutTask.cancel()
            waiter.continuation.resume(throwing: RedisError.closed)
        }
        for connection in idle {
            await connection.close()
        }
    }

    /// Counts for tests and diagnostics.
    var statistics: (idle: Int, leased: Int, connecting: Int, waiting: Int) {
        state.withLockedValue { ($0.idle.count, $0.leased, $0.connecting, $0.waiters.count) }
    }

    // MARK: Helpers

    static func backoff(attempt: Int, initial: TimeAmount, maximum: TimeAmount) -> TimeAmount {
        let doublings = min(max(attempt - 1, 0), 40)
        let (delay, overflow) = initial.nanoseconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? maximum : min(.nanoseconds(delay), maximum)
    }

    private static func reason(_ error: RedisError) -> String {
        if case .connectionFailed(let reason) = error { return reason }
        return "\(error)"
    }
}
