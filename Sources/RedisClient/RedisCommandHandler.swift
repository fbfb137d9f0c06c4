import NIOCore

/// One command on its way into the pipeline: its arguments, where its reply goes, and how long it may take.
struct RedisRequest: Sendable {
    var arguments: [ByteBuffer]
    var promise: EventLoopPromise<RESPValue>
    var timeout: TimeAmount?
}

/// Matches replies to commands and enforces per-command timeouts. Lives on the channel's event loop, so its
/// state needs no lock.
///
/// RESP2 without pub/sub has no out-of-band messages: the n-th reply answers the n-th command. Commands are
/// therefore written as soon as they arrive (pipelining: many may be in flight) and their promises queued in
/// write order; each decoded reply completes the oldest one.
///
/// Everything that could leave that queue out of step with the byte stream closes the connection and fails
/// every queued command: a timeout (the late reply would otherwise answer the *next* command), a reply with no
/// command waiting, a decode error, a failed write, or the peer closing. The connection is never reused after
/// that; the pool sees `isOpen == false` and discards it.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = RESPValue

    private struct Pending {
        let id: UInt64
        let promise: EventLoopPromise<RESPValue>
        let timeoutTask: Scheduled<Void>?
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 8)
    private var nextID: UInt64 = 0
    /// Set once the connection is unusable; later writes fail with it at once.
    private var failure: RedisError?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(with: .connectionLost("connection closed"))
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        let id = nextID
        nextID &+= 1
        let timeoutTask = request.timeout.map { timeout in
            context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { self.timedOut(id) }
        }
        pending.append(Pending(id: id, promise: request.promise, timeoutTask: timeoutTask))

        // A write that fails part-way leaves the server with an unknown prefix of our bytes: poison.
        let writePromise = promise ?? context.eventLoop.makePromise()
        writePromise.futureResult.assumeIsolated().whenFailure { error in
            self.fail(with: (error as? RedisError) ?? .connectionLost("write failed: \(error)"))
        }
        context.write(wrapOutboundOut(.array(request.arguments.map { .bulkString($0) })), promise: writePromise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard failure == nil else { return }
        guard let head = pending.popFirst() else {
            fail(with: .protocolError("a reply arrived with no command waiting for it"))
            return
        }
        head.timeoutTask?.cancel()
        head.promise.succeed(reply)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(with: .connectionLost("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Decoder errors arrive here as `RedisError.protocolError`; anything else is an I/O error.
        fail(with: (error as? RedisError) ?? .connectionLost("\(error)"))
    }

    private func timedOut(_ id: UInt64) {
        guard failure == nil, let index = pending.firstIndex(where: { $0.id == id }) else { return }
        let expired = pending.remove(at: index)
        fail(with: .connectionLost("closed after an earlier command on the same connection timed out"))
        expired.promise.fail(RedisError.timeout)
    }

    /// Closes the channel and fails every queued command. Idempotent: only the first cause is kept.
    private func fail(with error: RedisError) {
        guard failure == nil else { return }
        failure = error
        let waiting = pending
        pending.removeAll()
        // Close before failing the promises, so that `channel.isActive` is already false when the callers
        // resume and hand the connection back to the pool.
        if let context, context.channel.isActive {
            context.close(promise: nil)
        }
        for entry in waiting {
            entry.timeoutTask?.cancel()
            entry.promise.fail(error)
        }
    }
}
