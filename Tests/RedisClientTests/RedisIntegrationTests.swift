import NIOCore
import RedisClient
import StrideIQSupport
import Testing

/// Against a real `redis-server` that each test starts on its own free loopback port.
@Suite(
    "Redis integration (real redis-server)",
    .enabled(if: RedisServer.isInstalled, "redis-server is not installed (apt-get install -y redis-server)")
)
struct RedisIntegrationTests {
    @Test("GET/SET, SET NX/XX/EX/PX, DEL, EXISTS, large and non-ASCII values, error replies")
    func stringCommands() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration) { redis in
                try await redis.ping()
                #expect(try await redis.get("missing") == nil)
                #expect(try await redis.set("k", "v1"))
                #expect(try await redis.get("k") == "v1")

                // NX: only when absent; the existing value stays.
                #expect(try await redis.set("k", "v2", condition: .ifNotExists) == false)
                #expect(try await redis.get("k") == "v1")
                #expect(try await redis.set("fresh", "a", expiration: .seconds(30), condition: .ifNotExists))
                // XX: only when present.
                #expect(try await redis.set("absent", "x", condition: .ifExists) == false)
                #expect(try await redis.set("k", "v3", condition: .ifExists))
                #expect(try await redis.get("k") == "v3")

                // EX sets a TTL; PX expires.
                guard case .expiresIn(let ttl) = try await redis.pttl("fresh") else {
                    Issue.record("SET EX left no TTL")
                    return
                }
                #expect(ttl > .seconds(29) && ttl <= .seconds(30))
                #expect(try await redis.set("short", "x", expiration: .milliseconds(50)))
                try await Task.sleep(for: .milliseconds(150))
                #expect(try await redis.get("short") == nil)

                // Values are binary safe; text round-trips as UTF-8.
                let text = "värde ✓ \r\n $5\r\n"
                try await redis.set("ü", text)
                #expect(try await redis.get("ü") == text)
                let big = String(repeating: "0123456789abcdef", count: 65_536 + 1)  // 1 MiB + 16 bytes
                try await redis.set("big", big)
                #expect(try await redis.get("big") == big)

                #expect(try await redis.exists("k", "fresh", "absent") == 2)
                #expect(try await redis.exists("k", "k") == 2)
                #expect(try await redis.del("k", "fresh", "absent") == 2)
                #expect(try await redis.exists("k", "fresh") == 0)

                // An error reply is a serverError and leaves the connection usable.
                _ = try await redis.send("LPUSH", "list", "a")
                let error = await captureError { try await redis.get("list") }
                guard case RedisError.serverError(let message)? = error else {
                    Issue.record("expected serverError, got \(String(describing: error))")
                    return
                }
                #expect(message.hasPrefix("WRONGTYPE"))
                let unknown = await captureError { try await redis.send("NOSUCHCOMMAND") }
                #expect((unknown as? RedisError).map { if case .serverError = $0 { true } else { false } } == true)
                let empty = await captureError { try await redis.send([String]()) }
                #expect((empty as? RedisError).map { if case .protocolError = $0 { true } else { false } } == true)
                #expect(try await redis.get("big") == big)
            }
        }
    }

    @Test("INCR, EXPIRE (with NX on Redis ≥ 7) and PTTL")
    func countersAndExpiry() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration) { redis in
                #expect(try await redis.incr("counter") == 1)
                #expect(try await redis.incr("counter") == 2)
                #expect(try await redis.pttl("counter") == .noExpiry)
                #expect(try await redis.pttl("missing") == .keyDoesNotExist)
                #expect(try await redis.expire("missing", .seconds(10)) == false)

                if RedisServer.isAtLeast7 {
                    #expect(try await redis.expire("counter", .seconds(100), condition: .ifNoExpiry))
                    // A second NX does not move the expiry.
                    #expect(try await redis.expire("counter", .seconds(5), condition: .ifNoExpiry) == false)
                    guard case .expiresIn(let ttl) = try await redis.pttl("counter") else {
                        Issue.record("no TTL after EXPIRE NX")
                        return
                    }
                    #expect(ttl > .seconds(99))
                    #expect(try await redis.expire("counter", .seconds(200), condition: .ifLater))
                    #expect(try await redis.expire("counter", .seconds(300), condition: .ifSooner) == false)
                    #expect(try await redis.expire("counter", .seconds(50), condition: .ifHasExpiry))
                }

                // INCR keeps the TTL; PEXPIRE makes it expire.
                #expect(try await redis.expire("counter", .milliseconds(1000)))
                #expect(try await redis.incr("counter") == 3)
                guard case .expiresIn(let remaining) = try await redis.pttl("counter") else {
                    Issue.record("INCR dropped the TTL")
                    return
                }
                #expect(remaining <= .milliseconds(1000))
                try await Task.sleep(for: .milliseconds(1300))
                #expect(try await redis.exists("counter") == 0)
                #expect(try await redis.incr("counter") == 1)

                try await redis.set("text", "abc")
                let error = await captureError { try await redis.incr("text") }
                #expect((error as? RedisError).map { if case .serverError = $0 { true } else { false } } == true)
            }
        }
    }

    @Test("EVAL: atomic compare-and-delete, windowed counter, result types, script errors")
    func eval() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration) { redis in
                let compareAndDelete = """
                    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end
                    """
                try await redis.set("lock", "owner-a", expiration: .seconds(60))
                #expect(try await redis.eval(compareAndDelete, keys: ["lock"], arguments: ["owner-b"]) == .integer(0))
                #expect(try await redis.get("lock") == "owner-a")
                #expect(try await redis.eval(compareAndDelete, keys: ["lock"], arguments: ["owner-a"]) == .integer(1))
                #expect(try await redis.get("lock") == nil)

                let window = """
                    local n = redis.call('INCR', KEYS[1])
                    if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
                    return n
                    """
                for expected in 1...3 {
                    #expect(try await redis.eval(window, keys: ["w"], arguments: ["60000"]) == .integer(Int64(expected)))
                }
                guard case .expiresIn(let ttl) = try await redis.pttl("w") else {
                    Issue.record("window counter has no TTL")
                    return
                }
                #expect(ttl > .seconds(59))

                #expect(
                    try await redis.eval("return {1, 'two', false, {3}}")
                        == .array([.integer(1), .bulkString("two"), .bulkString(nil), .array([.integer(3)])]))
                #expect(try await redis.eval("return nil") == .bulkString(nil))
                #expect(try await redis.eval("return redis.status_reply('FINE')") == .simpleString("FINE"))
                for script in ["return redis.call('NOPE')", "this is not lua", "return redis.error_reply('MINE bad')"] {
                    let error = await captureError { try await redis.eval(script) }
                    #expect(
                        (error as? RedisError).map { if case .serverError = $0 { true } else { false } } == true,
                        "\(script): \(String(describing: error))")
                }
                try await redis.ping()
            }
        }
    }

    @Test("pipelining: 2,000 concurrent commands on one connection each get their own reply")
    func pipeliningOnOneConnection() async throws {
        try await withRedisServer { server in
            let connection = try await RedisConnection.connect(configuration: server.configuration.with(commandTimeout: .seconds(10)))
            let count = 1000
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask { try await connection.set("key:\(index)", "value:\(index)") }
                }
                try await group.waitForAll()
            }
            // Mixed commands in flight together; each reply must match its own command.
            let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try await connection.get("key:\(index)") == "value:\(index)" ? 0 : 1
                    }
                    group.addTask {
                        try await connection.exists("key:\(index)", "nokey:\(index)") == 1 ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(mismatches == 0)

            let increments = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<500 { group.addTask { try await connection.incr("hits") } }
                return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
            }
            #expect(increments == Set(1...500))
            #expect(connection.isOpen)
            await connection.close()
            #expect(!connection.isOpen)
            let afterClose = await captureError { try await connection.ping() }
            #expect(afterClose is RedisError)
        }
    }

    @Test("AUTH with --requirepass (percent-encoded password in the URL) and with an ACL user")
    func authentication() async throws {
        let password = "s3cr:t@/x"
        try await withRedisServer(arguments: ["--requirepass", password]) { server in
            // Without credentials the server refuses commands.
            try await withClient(server.configuration) { redis in
                let error = await captureError { try await redis.get("k") }
                guard case RedisError.serverError(let message)? = error else {
                    Issue.record("expected NOAUTH, got \(String(describing: error))")
                    return
                }
                #expect(message.hasPrefix("NOAUTH"))
            }
            // A wrong password fails the connection itself.
            try await withClient(RedisConfiguration(url: "redis://:wrong@127.0.0.1:\(server.port)").generous) { redis in
                let error = await captureError { try await redis.ping() }
                guard case RedisError.connectionFailed(let reason)? = error else {
                    Issue.record("expected connectionFailed, got \(String(describing: error))")
                    return
                }
                #expect(reason.contains("AUTH rejected"))
                #expect(!reason.contains("wrong"), "the password must not appear in errors")
            }
            let url = "redis://:s3cr%3At%40%2Fx@127.0.0.1:\(server.port)"
            try await withClient(RedisConfiguration(url: url).generous) { redis in
                try await redis.ping()
                try await redis.set("k", "v")
                #expect(try await redis.get("k") == "v")
                _ = try await redis.send("ACL", "SETUSER", "alice", "on", ">alice-pw", "~*", "+@all")
            }
            try await withClient(RedisConfiguration(url: "redis://alice:alice-pw@127.0.0.1:\(server.port)/0").generous) {
                redis async throws in
                #expect(try await redis.send("ACL", "WHOAMI").string == "alice")
                #expect(try await redis.get("k") == "v")
            }
        }
    }

    @Test("SELECT from the URL isolates databases, on every new connection")
    func selectDatabase() async throws {
        try await withRedisServer { server in
            let base = "redis://127.0.0.1:\(server.port)"
            try await withClient(RedisConfiguration(url: base + "/0").generous) { db0 in
                try await withClient(RedisConfiguration(url: base + "/3").generous) { db3 in
                    try await db0.set("shared", "zero")
                    try await db3.set("shared", "three")
                    try await db3.set("only-in-3", "x")
                    #expect(try await db0.get("shared") == "zero")
                    #expect(try await db3.get("shared") == "three")
                    #expect(try await db0.exists("only-in-3") == 0)
                    // Many concurrent calls open several connections; every one of them is on db 3.
                    let values = try await withThrowingTaskGroup(of: String?.self) { group in
                        for _ in 0..<64 { group.addTask { try await db3.get("shared") } }
                        return try await group.reduce(into: [String?]()) { $0.append($1) }
                    }
                    #expect(values.allSatisfy { $0 == "three" })
                    #expect(db3.poolStatistics.idle > 1)
                }
            }
        }
    }

    @Test(
        "a command that times out (DEBUG SLEEP) throws .timeout and its connection is not reused",
        .enabled(if: RedisServer.isAtLeast7, "needs --enable-debug-command (Redis ≥ 7)")
    )
    func timeoutAgainstSleepingServer() async throws {
        try await withRedisServer(arguments: ["--enable-debug-command", "yes"]) { server in
            // Only the DEBUG SLEEP gets a short timeout (per-call override); the rest have room on a loaded machine.
            let configuration = server.configuration.with(commandTimeout: .seconds(5), maximumConnections: 1)
            try await withClient(configuration) { redis in
                try await redis.set("k", "v")
                let before = try await redis.send("CLIENT", "ID").integer
                let (error, took) = await elapsed {
                    await captureError { try await redis.send(["DEBUG", "SLEEP", "2"], timeout: .milliseconds(200)) }
                }
                #expect(error as? RedisError == .timeout)
                #expect(took >= .milliseconds(190) && took < .milliseconds(1500), "took \(took)")
                // The late "+OK" must not answer this GET: it goes out on a new connection (which waits for the
                // sleep to end, Redis being single-threaded).
                try await withClient(configuration) { other async throws in
                    #expect(try await other.get("k") == "v")
                }
                #expect(try await redis.get("k") == "v")
                let after = try await redis.send("CLIENT", "ID").integer
                #expect(before != after, "a new connection replaced the timed-out one")
            }
        }
    }

    @Test("the pool is bounded, reuses connections and discards a connection the server killed")
    func poolBehaviour() async throws {
        try await withRedisServer { server in
            // A generous command timeout: 200 concurrent commands queue for 3 connections, and on a loaded machine
            // (the whole suite runs in parallel) the default 1 s can pass before a waiter gets one.
            try await withClient(server.configuration.with(commandTimeout: .seconds(10), maximumConnections: 3)) { redis in
                var ids = Set<Int64>()
                for _ in 0..<10 { ids.insert(try await redis.send("CLIENT", "ID").integer ?? -1) }
                #expect(ids.count == 1, "sequential commands reuse one connection")

                let concurrentIDs = try await withThrowingTaskGroup(of: Int64.self) { group in
                    for _ in 0..<200 { group.addTask { try await redis.send("CLIENT", "ID").integer ?? -1 } }
                    return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
                }
                #expect(concurrentIDs.count <= 3, "never more than maximumConnections")
                let stats = redis.poolStatistics
                #expect(stats.leased == 0 && stats.connecting == 0 && stats.waiting == 0)
                #expect(stats.idle <= 3)

                // Kill every client connection from outside; the pool notices and reconnects.
                let admin = try await RedisConnection.connect(configuration: server.configuration)
                _ = try await admin.send("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
                try await Task.sleep(for: .milliseconds(100))  // for the client to read the EOFs
                // A command can still race a connection whose EOF the client has not read yet: it fails with
                // connectionLost and that connection is discarded. At most one such failure per dead connection.
                var fresh: Int64?
                for _ in 0...3 {
                    do {
                        fresh = try await redis.send("CLIENT", "ID").integer
                        break
                    } catch RedisError.connectionLost {
                        continue
                    }
                }
                #expect(fresh != nil)
                #expect(!concurrentIDs.contains(fresh ?? -1) && !ids.contains(fresh ?? -1))
                #expect(try await redis.get("nothing") == nil)
                await admin.close()
            }
        }
    }

    @Test("a caller waits for a busy pool up to the command timeout, then gets .poolExhausted")
    func poolExhaustion() async throws {
        try await withRedisServer { server in
            let configuration = server.configuration.with(commandTimeout: .milliseconds(200), maximumConnections: 1)
            try await withClient(configuration) { redis in
                _ = try await redis.send(["PING"], timeout: .seconds(5))
                async let holder: Void = redis.withConnection { connection in
                    _ = try await connection.send(["PING"], timeout: .seconds(5))
                    try await Task.sleep(for: .milliseconds(1500))
                }
                try await Task.sleep(for: .milliseconds(50))
                let (error, took) = await elapsed { await captureError { try await redis.ping() } }
                #expect(error as? RedisError == .poolExhausted)
                #expect(took >= .milliseconds(150) && took < .milliseconds(1200), "took \(took)")

                // A waiter whose task is cancelled leaves at once.
                let waiter = Task { try await redis.ping() }
                try await Task.sleep(for: .milliseconds(20))
                waiter.cancel()
                let cancelled = await waiter.result
                #expect(throws: CancellationError.self) { try cancelled.get() }

                try await holder
                // A connection handed back is given to the next caller.
                _ = try await redis.send(["PING"], timeout: .seconds(5))
                #expect(redis.poolStatistics.idle == 1)
            }
        }
    }

    @Test("reconnects with backoff after the server is killed and restarted on the same port; fails fast meanwhile")
    func reconnectAfterRestart() async throws {
        try await withRedisServer { server in
            // The pool's reconnect backoff alone (the breaker has its own tests): 50 failures would open it.
            let configuration = server.configuration.with(
                commandTimeout: .seconds(3),
                initialReconnectDelay: .milliseconds(50),
                maximumReconnectDelay: .milliseconds(200),
                circuitBreaker: .some(nil)
            )
            try await withClient(configuration) { redis in
                try await redis.set("k", "before")
                await server.kill()

                // While the server is down every call fails with a connection error, without waiting for the
                // 3 s command timeout (typically in microseconds; the bound absorbs a loaded test machine).
                var worst = Duration.zero
                for _ in 0..<50 {
                    let (error, took) = await elapsed { await captureError { try await redis.get("k") } }
                    worst = max(worst, took)
                    switch error as? RedisError {
                    case .connectionFailed?, .connectionLost?: break
                    default: Issue.record("unexpected error while down: \(String(describing: error))")
                    }
                }
                #expect(worst < .seconds(1), "worst failure took \(worst)")

                try await server.restart()
                // Recovers on its own once the backoff window passes (≤ 200 ms here).
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(5)
                var recovered = false
                while clock.now < deadline {
                    if (try? await redis.ping()) != nil {
                        recovered = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(recovered)
                // A fresh server (nothing persisted): the old value is gone, writes work.
                #expect(try await redis.get("k") == nil)
                try await redis.set("k", "after")
                #expect(try await redis.get("k") == "after")
            }
        }
    }

    @Test("fail-fast figures with Redis stopped (printed for the operator notes)")
    func failFastMeasurement() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration) { redis in  // default timeouts and backoff
                try await redis.set("k", "v")
                await server.stop()

                let (first, firstTook) = await elapsed { await captureError { try await redis.get("k") } }
                var samples: [Duration] = []
                for _ in 0..<1000 {
                    let (_, took) = await elapsed { await captureError { try await redis.get("k") } }
                    samples.append(took)
                }
                samples.sort()
                let median = samples[samples.count / 2]
                let p99 = samples[samples.count * 99 / 100]
                print(
                    """
                    [redis fail-fast] first GET after stop: \(String(format: "%.3f", firstTook.milliseconds)) ms \
                    (\(first.map { "\($0)" } ?? "no error")); next 1000 GETs: median \
                    \(String(format: "%.3f", median.milliseconds)) ms, p99 \(String(format: "%.3f", p99.milliseconds)) ms, \
                    max \(String(format: "%.3f", samples.last!.milliseconds)) ms
                    """)
                // Loose bounds: tests run in parallel on a 2-core machine. The point is "no timeout is waited
                // out" (the default command timeout is 1 s); the printed figures are the real measurement.
                #expect(first is RedisError)
                #expect(firstTook < .milliseconds(900))
                #expect(median < .milliseconds(5))
            }
        }
    }

    @Test("after shutdown every call throws .closed")
    func shutdown() async throws {
        try await withRedisServer { server in
            let redis = try RedisClient(configuration: server.configuration)
            try await redis.ping()
            await redis.shutdown()
            let error = await captureError { try await redis.ping() }
            #expect(error as? RedisError == .closed)
            await redis.shutdown()  // idempotent
        }
    }
}
