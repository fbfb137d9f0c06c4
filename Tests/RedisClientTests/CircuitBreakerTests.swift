import NIOConcurrencyHelpers
import RedisClient
import Testing

/// The circuit breaker against a hung server: one that accepts connections and never answers, as Redis does
/// when stopped with SIGSTOP (the kernel completes the TCP handshake from the listen backlog).
@Suite("Circuit breaker")
struct CircuitBreakerTests {
    /// Short timings so the suite stays quick; the bounds leave room for a loaded machine.
    static func configuration(_ server: FakeRedisServer, failures: Int, cooldown: Duration) -> RedisConfiguration {
        server.configuration.with(
            commandTimeout: .milliseconds(100),
            circuitBreaker: RedisCircuitBreakerPolicy(failureThreshold: failures, cooldown: cooldown))
    }

    @Test("defaults: 500 ms connect and command timeouts, a breaker opening after 5 failures for 5 s")
    func defaults() throws {
        let configuration = RedisConfiguration()
        #expect(configuration.connectTimeout == .milliseconds(500))
        #expect(configuration.commandTimeout == .milliseconds(500))
        #expect(configuration.circuitBreaker == RedisCircuitBreakerPolicy(failureThreshold: 5, cooldown: .seconds(5)))
        var invalid = configuration
        invalid.circuitBreaker = RedisCircuitBreakerPolicy(failureThreshold: 0)
        #expect(throws: RedisError.self) { try RedisClient(configuration: invalid) }
        invalid.circuitBreaker = RedisCircuitBreakerPolicy(cooldown: .zero)
        #expect(throws: RedisError.self) { try RedisClient(configuration: invalid) }
    }

    @Test("a hung server: each call times out, then after N failures the circuit opens and calls fail at once")
    func opensAfterConsecutiveTimeouts() async throws {
        let server = try await FakeRedisServer.start(.mute)
        try await withClient(Self.configuration(server, failures: 3, cooldown: .seconds(30))) { redis in
            for _ in 0..<3 {
                let (error, took) = await elapsed { await captureError { try await redis.ping() } }
                #expect(error as? RedisError == .timeout)
                // About the 100 ms timeout (plus a fresh connect); the upper bound absorbs a saturated machine.
                #expect(took >= .milliseconds(90) && took < .seconds(3), "took \(took)")
            }
            #expect(redis.circuitState == .open)
            let commandsBefore = server.statistics.commands
            var times: [Duration] = []
            for _ in 0..<50 {
                let (error, took) = await elapsed { await captureError { try await redis.set("k", "v") } }
                #expect(error as? RedisError == .circuitOpen)
                times.append(took)
            }
            // Typically microseconds: nothing is sent, nothing is awaited (the worst case's bound leaves room for
            // the test thread being descheduled on a loaded machine).
            times.sort()
            #expect(times[times.count / 2] < .milliseconds(1), "median call with the circuit open took \(times[times.count / 2])")
            #expect(times.last! < .milliseconds(20), "worst call with the circuit open took \(times.last!)")
            #expect(server.statistics.commands == commandsBefore, "an open circuit sends nothing")
        }
        await server.close()
    }

    @Test("a reply resets the count: failures must be consecutive")
    func repliesResetTheCount() async throws {
        let server = try await FakeRedisServer.start(.muteUntilAnswering)
        try await withClient(Self.configuration(server, failures: 3, cooldown: .seconds(30))) { redis in
            for _ in 0..<2 { _ = await captureError { try await redis.ping() } }
            server.answer()
            _ = try await redis.send(["PING"], timeout: .seconds(2))
            server.answer(false)
            for _ in 0..<2 { _ = await captureError { try await redis.ping() } }
            #expect(redis.circuitState == .closed, "2 + reply + 2 is not 3 in a row")
            #expect(await captureError { try await redis.ping() } as? RedisError == .timeout)
            #expect(redis.circuitState == .open)
        }
        await server.close()
    }

    @Test("after the cool-down exactly one probe goes through while the others fail at once; its failure reopens")
    func oneProbeAfterTheCooldown() async throws {
        let server = try await FakeRedisServer.start(.mute)
        try await withClient(Self.configuration(server, failures: 2, cooldown: .seconds(1))) { redis in
            for _ in 0..<2 { _ = await captureError { try await redis.ping() } }
            #expect(redis.circuitState == .open)
            #expect(await captureError { try await redis.ping() } as? RedisError == .circuitOpen)

            try await Task.sleep(for: .milliseconds(1050))
            let commandsBefore = server.statistics.commands
            let errors = try await withThrowingTaskGroup(of: RedisError?.self) { group in
                for _ in 0..<10 {
                    group.addTask { await captureError { try await redis.ping() } as? RedisError }
                }
                return try await group.reduce(into: [RedisError?]()) { $0.append($1) }
            }
            #expect(errors.filter { $0 == .timeout }.count == 1, "one probe: \(errors)")
            #expect(errors.filter { $0 == .circuitOpen }.count == 9, "\(errors)")
            #expect(await eventually { server.statistics.commands == commandsBefore + 1 })
            try await Task.sleep(for: .milliseconds(50))
            #expect(server.statistics.commands == commandsBefore + 1, "only the probe reached the server")
            // The failed probe opened the circuit for another cool-down.
            #expect(redis.circuitState == .open)
            #expect(await captureError { try await redis.ping() } as? RedisError == .circuitOpen)
        }
        await server.close()
    }

    @Test("when the server answers again, the probe closes the circuit; every state change is reported in order")
    func closesWhenTheServerIsBack() async throws {
        let server = try await FakeRedisServer.start(.muteUntilAnswering)
        let changes = NIOLockedValueBox<[RedisCircuitState]>([])
        let redis = try RedisClient(
            configuration: Self.configuration(server, failures: 2, cooldown: .seconds(1)),
            onCircuitStateChange: { state in changes.withLockedValue { $0.append(state) } })
        for _ in 0..<2 { _ = await captureError { try await redis.ping() } }
        #expect(redis.circuitState == .open)

        server.answer()
        // Still open until the cool-down ends, even though the server would answer now.
        #expect(await captureError { try await redis.ping() } as? RedisError == .circuitOpen)
        try await Task.sleep(for: .milliseconds(1050))
        // The probe (a timeout that a loaded machine never reaches: this one must succeed).
        #expect(try await redis.send(["PING"], timeout: .seconds(2)).string == "PONG")
        #expect(redis.circuitState == .closed)
        for _ in 0..<5 { _ = try await redis.send(["SET", "k", "v"], timeout: .seconds(2)) }
        #expect(changes.withLockedValue { $0 } == [.open, .halfOpen, .closed])
        await redis.shutdown()
        await server.close()
    }

    @Test("waiting too long for a busy pool does not count: a burst of local callers is not a sick server")
    func poolExhaustionDoesNotCount() async throws {
        let server = try await FakeRedisServer.start(.mute)
        let configuration = Self.configuration(server, failures: 2, cooldown: .seconds(30)).with(maximumConnections: 1)
        try await withClient(configuration) { redis in
            async let holder = captureError { try await redis.send(["PING"], timeout: .seconds(1)) }
            #expect(await eventually { redis.poolStatistics.leased == 1 })
            for _ in 0..<3 {
                #expect(await captureError { try await redis.ping() } as? RedisError == .poolExhausted)
            }
            #expect(redis.circuitState == .closed)
            #expect(await holder as? RedisError == .timeout)
            #expect(redis.circuitState == .closed, "one timeout is below the threshold of 2")
        }
        await server.close()
    }

    @Test("a refused connection counts too: the breaker opens on a server that is down")
    func opensWhenRefused() async throws {
        let port = try await RedisServer.freePort()
        let configuration = RedisConfiguration(host: "127.0.0.1", port: port)
            .with(circuitBreaker: RedisCircuitBreakerPolicy(failureThreshold: 3, cooldown: .seconds(30)))
        try await withClient(configuration) { redis in
            for _ in 0..<3 {
                guard case RedisError.connectionFailed? = await captureError({ try await redis.ping() }) else {
                    Issue.record("expected connectionFailed")
                    return
                }
            }
            #expect(await captureError { try await redis.ping() } as? RedisError == .circuitOpen)
        }
    }

    @Test("without a breaker, a hung server costs every call its timeout")
    func disabled() async throws {
        let server = try await FakeRedisServer.start(.mute)
        let configuration = server.configuration.with(commandTimeout: .milliseconds(50), circuitBreaker: .some(nil))
        try await withClient(configuration) { redis in
            for _ in 0..<8 {
                #expect(await captureError { try await redis.ping() } as? RedisError == .timeout)
            }
            #expect(redis.circuitState == .closed)
        }
        await server.close()
    }
}
