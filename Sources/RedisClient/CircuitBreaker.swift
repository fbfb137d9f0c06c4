import Logging
import NIOConcurrencyHelpers
import NIOCore

/// When the client stops calling a Redis that keeps failing, and for how long.
public struct RedisCircuitBreakerPolicy: Sendable, Hashable {
    /// Consecutive failed calls (timeout, connect failure, lost connection, garbage reply) that open the circuit.
    /// A reply of any kind, error replies included, resets the count: the server is there. Waiting too long for
    /// a pooled connection does not count: a burst of local callers causes it as well as a slow server, and
    /// when the server is hung the commands holding those connections time out and count instead.
    public var failureThreshold: Int
    /// How long an open circuit fails every call at once (`RedisError.circuitOpen`) before letting one probe
    /// through.
    public var cooldown: Duration

    public init(failureThreshold: Int = 5, cooldown: Duration = .seconds(5)) {
        self.failureThreshold = failureThreshold
        self.cooldown = cooldown
    }
}

/// The circuit's state, for metrics and diagnostics.
public enum RedisCircuitState: String, Sendable, CaseIterable {
    /// Calls go to Redis.
    case closed
    /// Calls fail at once with `RedisError.circuitOpen` until the cool-down ends.
    case open
    /// The cool-down ended and one call (the probe) is on its way to Redis; the others still fail at once.
    case halfOpen = "half_open"
}

/// Skips Redis after repeated failures, so a hung server costs a few command timeouts, not one per call.
///
/// The pool's reconnect backoff already makes a server that *refuses* connections cheap; it cannot help when
/// the server is hung (stopped, or its host overloaded): connects succeed through the kernel's listen backlog
/// and every command waits out its full timeout. The breaker counts consecutive failures of any kind and, at
/// `failureThreshold`, opens: calls throw `circuitOpen` without touching the network for `cooldown`. Then the
/// next call becomes the single probe (half-open) while the others keep failing at once; its success closes the
/// circuit, its failure opens it for another cool-down. A probe that ends without a verdict (cancelled, or the
/// caller's own error) lets the next call probe instead.
///
/// Only the first opening is logged as a warning and the closing as a notice; the probes of a long outage are
/// logged at debug level, so an outage writes two lines, not one per request or per cool-down.
final class CircuitBreaker: Sendable {
    enum Permit: Equatable {
        case normal
        /// The one call let through a half-open circuit: its outcome decides the next state.
        case probe
    }

    enum Outcome {
        case success
        case failure(RedisError)
        /// Says nothing about the server's health (cancellation, shutdown, the caller's own error).
        case inconclusive
    }

    private struct State {
        var phase = RedisCircuitState.closed
        var consecutiveFailures = 0
        var openUntil = NIODeadline.uptimeNanoseconds(0)
    }

    private enum Transition {
        case opened(failures: Int, error: RedisError)
        case reopened(error: RedisError)
        case probing
        case closed
    }

    private let policy: RedisCircuitBreakerPolicy
    private let target: String
    private let logger: Logger
    private let onStateChange: (@Sendable (RedisCircuitState) -> Void)?
    private let state = NIOLockedValueBox(State())

    init(
        policy: RedisCircuitBreakerPolicy, target: String, logger: Logger,
        onStateChange: (@Sendable (RedisCircuitState) -> Void)?
    ) {
        self.policy = policy
        self.target = target
        self.logger = logger
        self.onStateChange = onStateChange
    }

    var currentState: RedisCircuitState { state.withLockedValue { $0.phase } }

    /// Permission to call Redis, or `RedisError.circuitOpen` at once.
    func acquire() throws -> Permit {
        let (permit, transition) = state.withLockedValue { state -> (Permit?, Transition?) in
            switch state.phase {
            case .closed:
                return (.normal, nil)
            case .halfOpen:
                return (nil, nil)
            case .open:
                guard NIODeadline.now() >= state.openUntil else { return (nil, nil) }
                move(&state, to: .halfOpen)
                return (.probe, .probing)
            }
        }
        if let transition { log(transition) }
        guard let permit else { throw RedisError.circuitOpen }
        return permit
    }

    /// Records how a permitted call ended.
    func record(_ permit: Permit, _ outcome: Outcome) {
        let transition = state.withLockedValue { state -> Transition? in
            switch outcome {
            case .success:
                state.consecutiveFailures = 0
                // Only the probe decides: a call admitted before the circuit opened says little about now.
                guard permit == .probe else { return nil }
                move(&state, to: .closed)
                return .closed
            case .failure(let error):
                if permit == .probe {
                    open(&state)
                    return .reopened(error: error)
                }
                guard state.phase == .closed else { return nil }
                state.consecutiveFailures += 1
                guard state.consecutiveFailures >= policy.failureThreshold else { return nil }
                let failures = state.consecutiveFailures
                open(&state)
                return .opened(failures: failures, error: error)
            case .inconclusive:
                guard permit == .probe else { return nil }
                // Open with the cool-down already over: the next call probes.
                move(&state, to: .open)
                state.openUntil = .now()
                return nil
            }
        }
        if let transition { log(transition) }
    }

    private func open(_ state: inout State) {
        move(&state, to: .open)
        state.consecutiveFailures = 0
        state.openUntil = .now() + policy.cooldown.timeAmount
    }

    /// Reported under the lock, so that an observer (a gauge) sees the transitions in the order they happened.
    private func move(_ state: inout State, to phase: RedisCircuitState) {
        guard state.phase != phase else { return }
        state.phase = phase
        onStateChange?(phase)
    }

    private func log(_ transition: Transition) {
        let cooldown = "\(policy.cooldown.timeAmount.nanoseconds / 1_000_000)"
        switch transition {
        case .opened(let failures, let error):
            logger.warning(
                "Redis circuit opened: calls fail at once until a probe succeeds",
                metadata: [
                    "redis.target": "\(target)", "redis.failures": "\(failures)", "redis.error": "\(error)",
                    "redis.cooldown_ms": "\(cooldown)",
                ])
        case .reopened(let error):
            logger.debug(
                "Redis circuit probe failed; open again",
                metadata: ["redis.target": "\(target)", "redis.error": "\(error)", "redis.cooldown_ms": "\(cooldown)"])
        case .probing:
            logger.debug("Redis circuit half-open: probing", metadata: ["redis.target": "\(target)"])
        case .closed:
            logger.notice("Redis circuit closed: the probe succeeded", metadata: ["redis.target": "\(target)"])
        }
    }

    /// How a call's error bears on the server's health.
    static func outcome(of error: any Error) -> Outcome {
        guard let error = error as? RedisError else { return .inconclusive }
        switch error {
        case .serverError:
            return .success  // an error reply is still a reply
        case .timeout, .connectionFailed, .connectionLost, .protocolError:
            return .failure(error)
        case .poolExhausted, .closed, .invalidConfiguration, .circuitOpen:
            return .inconclusive
        }
    }
}
