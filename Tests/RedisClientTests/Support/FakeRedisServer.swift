import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RedisClient

/// A scripted RESP server on loopback, for failure modes a real Redis will not produce on demand.
final class FakeRedisServer: Sendable {
    enum Behaviour: Sendable {
        /// Accepts and reads, never replies (a hung server, or one paused with SIGSTOP).
        case mute
        /// Answers every command with bytes that are not RESP.
        case garbage
        /// Holds replies until `count` commands have arrived on the connection, then answers all of them in
        /// order, each with its command's last argument as a bulk string. A client that waited for each reply
        /// before sending the next command would never get one: this proves pipelining.
        case replyInBatches(of: Int)
        /// Mute (like `.mute`) until `answer()`, then answers `PING` with `+PONG` and anything else with `+OK`.
        /// Commands received while mute stay unanswered: a hung server that comes back (`answer(false)` hangs
        /// it again).
        case muteUntilAnswering
    }

    struct Counters: Sendable {
        var accepted = 0
        var closed = 0
        var commands = 0
    }

    let port: Int
    private let channel: any Channel
    private let counters: NIOLockedValueBox<Counters>
    private let answering: NIOLockedValueBox<Bool>

    /// Generous timeouts, so that only the tests about timeouts (which set their own) see one on a loaded machine.
    var configuration: RedisConfiguration {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.connectTimeout = .seconds(2)
        configuration.commandTimeout = .seconds(2)
        return configuration
    }
    var statistics: Counters { counters.withLockedValue { $0 } }

    private init(port: Int, channel: any Channel, counters: NIOLockedValueBox<Counters>, answering: NIOLockedValueBox<Bool>) {
        self.port = port
        self.channel = channel
        self.counters = counters
        self.answering = answering
    }

    /// For `.muteUntilAnswering`: answer from now on (or, with false, hang again).
    func answer(_ on: Bool = true) { answering.withLockedValue { $0 = on } }

    static func start(_ behaviour: Behaviour) async throws -> FakeRedisServer {
        let counters = NIOLockedValueBox(Counters())
        let answering = NIOLockedValueBox(false)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(RESPDecoder()),
                        Handler(behaviour: behaviour, counters: counters, answering: answering)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeRedisServer(port: channel.localAddress!.port!, channel: channel, counters: counters, answering: answering)
    }

    func close() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = RESPValue
        typealias OutboundOut = ByteBuffer

        let behaviour: Behaviour
        let counters: NIOLockedValueBox<Counters>
        let answering: NIOLockedValueBox<Bool>
        var held: [RESPValue] = []

        init(behaviour: Behaviour, counters: NIOLockedValueBox<Counters>, answering: NIOLockedValueBox<Bool>) {
            self.behaviour = behaviour
            self.counters = counters
            self.answering = answering
        }

        func channelActive(context: ChannelHandlerContext) {
            counters.withLockedValue { $0.accepted += 1 }
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            counters.withLockedValue { $0.closed += 1 }
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let command = unwrapInboundIn(data)
            counters.withLockedValue { $0.commands += 1 }
            switch behaviour {
            case .mute:
                break
            case .garbage:
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "%%% this is not RESP %%%\r\n")), promise: nil)
            case .replyInBatches(let count):
                held.append(command)
                guard held.count >= count else { return }
                var out = context.channel.allocator.buffer(capacity: 64 * held.count)
                for command in held {
                    _ = try? out.writeRESPValue(command.array?.last ?? .bulkString(nil))
                }
                held.removeAll()
                context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            case .muteUntilAnswering:
                guard answering.withLockedValue({ $0 }) else { return }
                let name = command.array?.first?.string?.uppercased()
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: name == "PING" ? "+PONG\r\n" : "+OK\r\n")), promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
