/// Everything the client throws. Callers (the app's fail-open paths) mostly treat any of these as
/// "Redis unavailable"; the cases exist so logs and tests can tell *why*.
///
/// Whether a command ran on the server is knowable only for some cases, which matters for non-idempotent
/// commands such as INCR:
/// - `connectionFailed`, `poolExhausted`, `circuitOpen`, `closed`, `invalidConfiguration`: the command was
///   never written.
/// - `serverError`: the server received and rejected it.
/// - `timeout`, `connectionLost`, `protocolError`: it was written and may or may not have run.
public enum RedisError: Error, Sendable, Hashable {
    /// No connection could be made (refused, unreachable, connect timeout, AUTH or SELECT rejected), or the
    /// client is backing off after such a failure and failed the command at once instead of trying again.
    case connectionFailed(String)
    /// No reply within the command timeout. The connection it was sent on has been closed, because a reply
    /// that arrives later would otherwise be matched to the next command.
    case timeout
    /// Every pooled connection stayed busy for the whole command timeout.
    case poolExhausted
    /// The circuit breaker is open after repeated failures: the call was not attempted (see `CircuitBreaker`).
    case circuitOpen
    /// The server answered with an error reply (`-ERR …`, `-WRONGTYPE …`, `-NOSCRIPT …`).
    case serverError(String)
    /// The byte stream was not valid RESP2 (the connection has been closed), or a reply had an unexpected type
    /// for the typed helper that sent the command.
    case protocolError(String)
    /// The connection closed (peer reset, server killed, or closed after an earlier timeout on the same
    /// connection) while this command waited for its reply.
    case connectionLost(String)
    /// The client or connection was shut down by its owner.
    case closed
    /// A malformed `redis://` URL or configuration value.
    case invalidConfiguration(String)
}

extension RedisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .connectionFailed(let reason): "Redis connection failed: \(reason)"
        case .timeout: "Redis command timed out"
        case .poolExhausted: "Redis connection pool exhausted: no connection became free within the command timeout"
        case .serverError(let message): "Redis error reply: \(message)"
        case .protocolError(let reason): "Redis protocol error: \(reason)"
        case .connectionLost(let reason): "Redis connection lost: \(reason)"
        case .circuitOpen: "Redis circuit is open after repeated failures: call skipped"
        case .closed: "Redis client is closed"
        case .invalidConfiguration(let reason): "Invalid Redis configuration: \(reason)"
        }
    }

    /// Whether the connection that produced this error must not be reused: its reply stream may be misaligned
    /// or it is already gone. A server error reply leaves the connection in sync.
    var poisonsConnection: Bool {
        switch self {
        case .serverError: false
        default: true
        }
    }
}
