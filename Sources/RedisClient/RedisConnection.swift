import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One TCP connection to Redis, already authenticated and on the configured database.
///
/// Safe to share between tasks: concurrent `send`s are pipelined (written back-to-back without waiting for
/// replies) and each caller gets its own reply, because Redis answers in order. Most code should use
/// `RedisClient`, which pools connections and reconnects; use a connection directly (or through
/// `RedisClient.withConnection`) to pipeline a batch of commands on one socket.
///
/// Once `isOpen` is false the connection is finished for good (closed by either side, timed out, or broken
/// by garbage on the wire); every later `send` fails at once.
public final class RedisConnection: RedisCommandSender, Sendable {
    let channel: any Channel
    private let commandTimeout: Duration
    private let logger: Logger

    private init(channel: any Channel, commandTimeout: Duration, logger: Logger) {
        self.channel = channel
        self.commandTimeout = commandTimeout
        self.logger = logger
    }

    /// Opens a connection and runs the handshake: `AUTH` when the configuration has a password, `SELECT` when
    /// the database is not 0. Any failure, including a rejected `AUTH`, throws `connectionFailed` and leaves
    /// nothing open.
    public static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
        logger: Logger = RedisClient.noOpLogger
    ) async throws -> RedisConnection {
        try configuration.validate()
        let target = "\(configuration.host):\(configuration.port)"
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout.timeAmount)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(RESPDecoder()),
                        MessageToByteHandler(RESPEncoder()),
                        RedisCommandHandler()
                    )
                }
            }
        let channel: any Channel
        do {
            // An IP literal needs no resolver round trip (getaddrinfo runs on an offload thread).
            if let address = try? SocketAddress(ipAddress: configuration.host, port: configuration.port) {
                channel = try await bootstrap.connect(to: address).get()
            } else {
                channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
            }
        } catch {
            throw RedisError.connectionFailed("\(target): \(describeConnectError(error))")
        }
        let connection = RedisConnection(channel: channel, commandTimeout: configuration.commandTimeout, logger: logger)
        do {
            if let password = configuration.password {
                var arguments = ["AUTH"]
                if let username = configuration.username { arguments.append(username) }
                arguments.append(password)
                try await connection.handshake("AUTH", arguments, target: target)
            }
            if configuration.database != 0 {
                try await connection.handshake("SELECT", ["SELECT", String(configuration.database)], target: target)
            }
        } catch {
            await connection.close()
            throw error
        }
        logger.debug("Redis connection opened", metadata: ["redis.target": "\(target)", "redis.db": "\(configuration.database)"])
        return connection
    }

    private func handshake(_ step: String, _ arguments: [String], target: String) async throws {
        do {
            _ = try await send(arguments)
        } catch RedisError.serverError(let message) {
            throw RedisError.connectionFailed("\(target): \(step) rejected: \(message)")
        } catch {
            throw RedisError.connectionFailed("\(target): \(step) failed: \(error)")
        }
    }

    /// False once the connection has closed or been poisoned; it never becomes true again.
    public var isOpen: Bool { channel.isActive }

    /// Sends one command and waits for its reply, at most `timeout` (default: the configuration's
    /// `commandTimeout`). An error reply throws `serverError`; a timeout throws `timeout` and closes this
    /// connection (see `RedisCommandHandler`). Cancelling the calling task does not abandon a command already
    /// written: it still resolves within the timeout.
    public func send(_ arguments: [ByteBuffer], timeout: Duration? = nil) async throws -> RESPValue {
        // Redis answers an empty command with nothing at all, which would shift every later reply by one.
        guard !arguments.isEmpty else { throw RedisError.protocolError("empty command") }
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            // The handler fails `reply` itself when it saw the write; this covers a channel whose pipeline is
            // already gone (closed), where the write never reaches it. A second failure is ignored by NIO.
            reply.fail((error as? RedisError) ?? RedisError.connectionLost("the connection is closed"))
        }
        let request = RedisRequest(arguments: arguments, promise: reply, timeout: (timeout ?? commandTimeout).timeAmount)
        channel.writeAndFlush(request, promise: written)
        let value = try await reply.futureResult.get()
        if case .error(let message) = value {
            throw RedisError.serverError(message)
        }
        return value
    }

    /// Closes the connection; commands still waiting fail with `connectionLost`.
    public func close() async {
        try? await channel.close()
    }

    /// Non-async close for the pool's synchronous paths.
    func closeSoon() {
        channel.close(promise: nil)
    }
}

/// A short reason for a failed connect, e.g. "connection refused" rather than NIO's full attempt list.
private func describeConnectError(_ error: any Error) -> String {
    if let error = error as? NIOConnectionError {
        if let first = error.connectionErrors.first {
            return describeConnectError(first.error)
        }
        if let dns = error.dnsAError ?? error.dnsAAAAError {
            return "DNS lookup failed: \(dns)"
        }
        return "no address found for \(error.host)"
    }
    if case ChannelError.connectTimeout(let amount) = error {
        return "connect timed out after \(amount.nanoseconds / 1_000_000) ms"
    }
    if let error = error as? IOError {
        return "\(String(cString: strerror(error.errnoCode)).lowercased()) (errno \(error.errnoCode))"
    }
    return "\(error)"
}
