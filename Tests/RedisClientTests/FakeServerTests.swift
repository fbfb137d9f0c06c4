import NIOCore
import RedisClient
import Testing

/// Failure modes against scripted RESP servers (no redis-server needed).
@Suite("Client against scripted servers")
struct FakeServerTests {
    @Test("a server that never replies: .timeout after the command timeout, the connection is closed, not reused")
    func timeoutAgainstMuteServer() async throws {
        let server = try await FakeRedisServer.start(.mute)
        let configuration = server.configuration.with(commandTimeout: .milliseconds(150), maximumConnections: 1)
        try await withClient(configuration) { redis in
            let (error, took) = await elapsed { await captureError { try await redis.get("k") } }
            #expect(error as? RedisError == .timeout)
            #expect(took >= .milliseconds(140) && took < .seconds(1), "took \(took)")
            #expect(await eventually { server.statistics.closed == 1 }, "the timed-out connection was closed")
            #expect(redis.poolStatistics.idle == 0)

            let second = await captureError { try await redis.get("k") }
            #expect(second as? RedisError == .timeout)
            #expect(await eventually { server.statistics.accepted == 2 }, "the next command used a new connection")
        }
        await server.close()
    }

    @Test("a timeout fails the other commands pipelined on the same connection with .connectionLost")
    func timeoutFailsPipelinedCommands() async throws {
        let server = try await FakeRedisServer.start(.mute)
        let connection = try await RedisConnection.connect(configuration: server.configuration)
        async let slow = captureError { try await connection.send(["GET", "a"], timeout: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(20))
        let fast = await captureError { try await connection.send(["GET", "b"], timeout: .milliseconds(100)) }
        #expect(fast as? RedisError == .timeout)
        guard case RedisError.connectionLost? = await slow else {
            Issue.record("the earlier command should fail with connectionLost")
            return
        }
        #expect(!connection.isOpen)
        await server.close()
    }

    @Test("pipelining: 100 commands are all written before the server answers any")
    func pipeliningProof() async throws {
        let server = try await FakeRedisServer.start(.replyInBatches(of: 100))
        let connection = try await RedisConnection.connect(configuration: server.configuration)
        let replies = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<100 {
                group.addTask { (index, try await connection.send("ECHO", "reply-\(index)").string) }
            }
            return try await group.reduce(into: [Int: String?]()) { $0[$1.0] = $1.1 }
        }
        #expect(replies.count == 100)
        #expect(replies.allSatisfy { $0.value == "reply-\($0.key)" })
        await connection.close()
        await server.close()
    }

    @Test("garbage from the server: protocolError, no crash, the connection is discarded")
    func garbageReply() async throws {
        let server = try await FakeRedisServer.start(.garbage)
        try await withClient(server.configuration.with(maximumConnections: 1)) { redis in
            for _ in 0..<3 {
                let error = await captureError { try await redis.get("k") }
                guard case RedisError.protocolError? = error else {
                    Issue.record("expected protocolError, got \(String(describing: error))")
                    return
                }
            }
            #expect(await eventually { server.statistics.accepted == 3 && server.statistics.closed == 3 })
        }
        await server.close()
    }

    @Test("nothing listening: connectionFailed at once, then fail-fast during the backoff window")
    func connectionRefused() async throws {
        let port = try await RedisServer.freePort()
        let configuration = RedisConfiguration(host: "127.0.0.1", port: port)
            .with(initialReconnectDelay: .seconds(10), maximumReconnectDelay: .seconds(10))
        try await withClient(configuration) { redis in
            let (first, firstTook) = await elapsed { await captureError { try await redis.ping() } }
            guard case RedisError.connectionFailed(let reason)? = first else {
                Issue.record("expected connectionFailed, got \(String(describing: first))")
                return
            }
            #expect(reason.contains("127.0.0.1:\(port)"))
            // A refused connect takes well under a millisecond; the bound only absorbs a loaded test machine.
            #expect(firstTook < .seconds(1))

            let (second, secondTook) = await elapsed { await captureError { try await redis.ping() } }
            guard case RedisError.connectionFailed(let backoffReason)? = second else {
                Issue.record("expected connectionFailed, got \(String(describing: second))")
                return
            }
            #expect(backoffReason.contains("next attempt in"))
            #expect(secondTook < .seconds(1))
        }
    }

    @Test("a host that never completes the handshake: connectionFailed after connectTimeout, then fail-fast, one probe at a time")
    func connectTimeout() async throws {
        let listener = try FullBacklogListener()
        // The pool's reconnect backoff alone: with the breaker, the twelve failures here would open it.
        var configuration = RedisConfiguration(host: "127.0.0.1", port: listener.port)
            .with(initialReconnectDelay: .milliseconds(300), maximumReconnectDelay: .milliseconds(300), circuitBreaker: .some(nil))
        configuration.connectTimeout = .milliseconds(200)
        try await withClient(configuration) { redis in
            let (first, firstTook) = await elapsed { await captureError { try await redis.ping() } }
            guard case RedisError.connectionFailed(let reason)? = first else {
                Issue.record("expected connectionFailed, got \(String(describing: first))")
                return
            }
            #expect(reason.contains("timed out"), "\(reason)")
            #expect(firstTook >= .milliseconds(190) && firstTook < .seconds(3), "took \(firstTook)")

            // Within the backoff window: no connect attempt at all.
            let (second, secondTook) = await elapsed { await captureError { try await redis.ping() } }
            guard case RedisError.connectionFailed(let backoff)? = second else {
                Issue.record("expected connectionFailed, got \(String(describing: second))")
                return
            }
            #expect(backoff.contains("next attempt in"))
            #expect(secondTook < .milliseconds(150), "took \(secondTook)")

            // After it: one caller probes (and waits out the connect timeout); the others fail at once.
            try await Task.sleep(for: .milliseconds(350))
            let reasons = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        let error = await captureError { try await redis.ping() }
                        guard case RedisError.connectionFailed(let reason)? = error else { return "other: \(String(describing: error))" }
                        return reason
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(reasons.filter { $0.contains("timed out") && !$0.contains("(") }.count == 1, "\(reasons)")
            #expect(
                reasons.filter { $0.contains("reconnect attempt in progress") || $0.contains("next attempt in") }.count == 9,
                "\(reasons)")
        }
    }

    @Test("a direct connection to nothing fails with connectionFailed")
    func directConnectFailure() async throws {
        let port = try await RedisServer.freePort()
        let error = await captureError {
            try await RedisConnection.connect(configuration: RedisConfiguration(host: "127.0.0.1", port: port))
        }
        guard case RedisError.connectionFailed? = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
    }
}
