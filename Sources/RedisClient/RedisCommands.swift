import NIOCore

/// Anything that can run a Redis command: a `RedisClient` (pooled) or a single `RedisConnection`.
/// The typed helpers below are written once against this.
public protocol RedisCommandSender: Sendable {
    /// Sends one command, given as its name followed by its arguments (each sent as a bulk string, so binary
    /// safe), and returns the reply. An error reply throws `RedisError.serverError`. `timeout` nil means the
    /// configured `commandTimeout`.
    func send(_ arguments: [ByteBuffer], timeout: Duration?) async throws -> RESPValue
}

/// `SET … EX|PX`.
public enum RedisExpiration: Sendable, Hashable {
    case seconds(Int64)
    case milliseconds(Int64)

    /// Millisecond precision, rounded up and at least 1 ms (Redis rejects a zero or negative expiry).
    public static func after(_ duration: Duration) -> RedisExpiration {
        let (seconds, attoseconds) = duration.components
        let (wholeMillis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return .milliseconds(seconds < 0 ? 1 : .max) }
        let subMillis = attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        let total = wholeMillis &+ subMillis &+ (remainder > 0 ? 1 : 0)
        return .milliseconds(max(1, total))
    }
}

/// `SET … NX|XX`.
public enum RedisSetCondition: Sendable, Hashable {
    case always
    /// `NX`: only if the key does not exist.
    case ifNotExists
    /// `XX`: only if the key exists.
    case ifExists
}

/// `EXPIRE … NX|XX|GT|LT` (Redis ≥ 7.0; older servers reply with a syntax error, surfaced as `serverError`).
public enum RedisExpireCondition: Sendable, Hashable {
    case always
    /// `NX`: only if the key has no expiry yet.
    case ifNoExpiry
    /// `XX`: only if the key already has an expiry.
    case ifHasExpiry
    /// `GT`: only if the new expiry is later than the current one.
    case ifLater
    /// `LT`: only if the new expiry is sooner than the current one.
    case ifSooner
}

/// What `PTTL` says about a key.
public enum RedisKeyTTL: Sendable, Hashable {
    /// `-2`
    case keyDoesNotExist
    /// `-1`: the key exists and never expires.
    case noExpiry
    case expiresIn(Duration)
}

extension RedisCommandSender {
    /// Sends with the default timeout.
    public func send(_ arguments: [ByteBuffer]) async throws -> RESPValue {
        try await send(arguments, timeout: nil)
    }

    /// `send(["SET", "k", "v"])`.
    public func send(_ arguments: [String], timeout: Duration? = nil) async throws -> RESPValue {
        try await send(arguments.map { ByteBuffer(string: $0) }, timeout: timeout)
    }

    /// `send("SET", "k", "v")`.
    public func send(_ command: String, _ arguments: String...) async throws -> RESPValue {
        try await send([command] + arguments, timeout: nil)
    }

    /// `PING`; throws unless the server answers `PONG`.
    public func ping() async throws {
        let reply = try await send("PING")
        guard reply.string == "PONG" else { throw unexpected("PING", reply) }
    }

    /// `GET`: the value as UTF-8 text, nil when the key does not exist.
    public func get(_ key: String) async throws -> String? {
        let reply = try await send("GET", key)
        switch reply {
        case .bulkString(nil): return nil
        case .bulkString(let buffer?): return String(buffer: buffer)
        default: throw unexpected("GET", reply)
        }
    }

    /// `SET key value [EX s|PX ms] [NX|XX]`. Returns whether the value was stored: always true without a
    /// condition; false when `NX`/`XX` prevented it.
    @discardableResult
    public func set(
        _ key: String,
        _ value: String,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) async throws -> Bool {
        var arguments = ["SET", key, value]
        switch expiration {
        case .seconds(let seconds)?: arguments += ["EX", String(seconds)]
        case .milliseconds(let milliseconds)?: arguments += ["PX", String(milliseconds)]
        case nil: break
        }
        switch condition {
        case .always: break
        case .ifNotExists: arguments.append("NX")
        case .ifExists: arguments.append("XX")
        }
        let reply = try await send(arguments)
        switch reply {
        case .simpleString("OK"): return true
        case .bulkString(nil): return false
        default: throw unexpected("SET", reply)
        }
    }

    /// `DEL`: how many of the keys existed.
    @discardableResult
    public func del(_ keys: String...) async throws -> Int {
        try await integer("DEL", keys)
    }

    /// `EXISTS`: how many of the keys exist (a key named twice counts twice, as in Redis).
    public func exists(_ keys: String...) async throws -> Int {
        try await integer("EXISTS", keys)
    }

    /// `INCR`: the value after incrementing; a missing key counts from 0. A non-integer value is a
    /// `serverError`.
    public func incr(_ key: String) async throws -> Int64 {
        let reply = try await send("INCR", key)
        guard let value = reply.integer else { throw unexpected("INCR", reply) }
        return value
    }

    /// `EXPIRE key seconds` or `PEXPIRE key milliseconds`, with an optional condition (Redis ≥ 7 for a
    /// condition). Returns whether the expiry was set (false: no such key, or the condition did not hold).
    @discardableResult
    public func expire(_ key: String, _ ttl: RedisExpiration, condition: RedisExpireCondition = .always) async throws -> Bool {
        var arguments: [String]
        switch ttl {
        case .seconds(let seconds): arguments = ["EXPIRE", key, String(seconds)]
        case .milliseconds(let milliseconds): arguments = ["PEXPIRE", key, String(milliseconds)]
        }
        switch condition {
        case .always: break
        case .ifNoExpiry: arguments.append("NX")
        case .ifHasExpiry: arguments.append("XX")
        case .ifLater: arguments.append("GT")
        case .ifSooner: arguments.append("LT")
        }
        return try await integer(arguments[0], Array(arguments.dropFirst())) == 1
    }

    /// `PTTL`.
    public func pttl(_ key: String) async throws -> RedisKeyTTL {
        let milliseconds = try await integer("PTTL", [key])
        switch milliseconds {
        case -2: return .keyDoesNotExist
        case -1: return .noExpiry
        case let ms where ms >= 0: return .expiresIn(.milliseconds(ms))
        default: throw RedisError.protocolError("unexpected PTTL reply \(milliseconds)")
        }
    }

    /// `EVAL script numkeys key… arg…`: runs a Lua script atomically on the server (nothing else runs
    /// meanwhile), for check-and-set operations that need more than one command. Returns the script's result
    /// as Redis converts it (integer, bulk string, array, nil → null bulk string). Script errors throw
    /// `serverError`.
    ///
    /// The script text is sent every time rather than `EVALSHA` + `NOSCRIPT` fallback: our scripts are a few
    /// hundred bytes, and this way a server restart or `SCRIPT FLUSH` needs no retry path.
    public func eval(_ script: String, keys: [String] = [], arguments: [String] = []) async throws -> RESPValue {
        try await send(["EVAL", script, String(keys.count)] + keys + arguments)
    }

    private func integer(_ command: String, _ arguments: [String]) async throws -> Int {
        let reply = try await send([command] + arguments)
        guard let value = reply.integer else { throw unexpected(command, reply) }
        return Int(value)
    }

    private func unexpected(_ command: String, _ reply: RESPValue) -> RedisError {
        .protocolError("unexpected reply to \(command): \(reply)")
    }
}
