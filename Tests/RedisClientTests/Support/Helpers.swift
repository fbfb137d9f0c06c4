import RedisClient
import StrideIQSupport
import Testing

/// Runs `body` against a fresh `redis-server` and stops it afterwards, whether `body` threw or not.
func withRedisServer<Result>(
    arguments: [String] = [],
    _ body: (RedisServer) async throws -> Result
) async throws -> Result {
    let server = try await RedisServer(arguments: arguments)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Runs `body` with a client and shuts the client down afterwards.
func withClient<Result>(
    _ configuration: RedisConfiguration,
    _ body: (RedisClient) async throws -> Result
) async throws -> Result {
    let client = try RedisClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

extension RedisConfiguration {
    /// Timeouts that only a broken server reaches, even on a loaded test machine (the defaults are tight).
    var generous: RedisConfiguration {
        var copy = self
        copy.connectTimeout = .seconds(2)
        copy.commandTimeout = .seconds(2)
        return copy
    }

    /// Short timeouts so failure tests finish quickly.
    func with(
        commandTimeout: Duration? = nil,
        maximumConnections: Int? = nil,
        initialReconnectDelay: Duration? = nil,
        maximumReconnectDelay: Duration? = nil,
        circuitBreaker: RedisCircuitBreakerPolicy?? = nil
    ) -> RedisConfiguration {
        var copy = self
        if let circuitBreaker { copy.circuitBreaker = circuitBreaker }
        if let commandTimeout { copy.commandTimeout = commandTimeout }
        if let maximumConnections { copy.maximumConnections = maximumConnections }
        if let initialReconnectDelay { copy.initialReconnectDelay = initialReconnectDelay }
        if let maximumReconnectDelay { copy.maximumReconnectDelay = maximumReconnectDelay }
        return copy
    }
}

/// The error `body` throws, or nil (and a recorded issue) when it returns normally.
func captureError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> some Any
) async -> (any Error)? {
    do {
        _ = try await body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Measures how long `body` takes.
func elapsed<Result>(_ body: () async throws -> Result) async rethrows -> (Result, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await body()
    return (result, clock.now - start)
}

/// Polls `condition` until it holds or `timeout` passes; for effects the other side observes asynchronously
/// (a server noticing a close), where a fixed sleep would be flaky on a loaded machine.
func eventually(timeout: Duration = .seconds(3), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// A small deterministic PRNG (xorshift64*), so randomised tests are reproducible and cheap (no syscall per
/// number, unlike `SystemRandomNumberGenerator`).
struct TestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
