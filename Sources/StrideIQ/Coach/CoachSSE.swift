import Foundation
import LLM
import NIOCore
import StrideIQSupport
import StrideIQCore
import Synchronization
import Vapor

// The coach's Server-Sent Events: every frame is `id: <n>` + `event: <name>` + `data: <json>` + a blank line,
// and the JSON's `type` is the event name. `meta` first, `delta` per provider chunk, `heartbeat` while
// silent, `error` when something fails, `done` always last.

/// `meta`: sent first, before the provider is asked.
struct CoachMetaFrame: Encodable, Sendable {
    let type = "meta"
    let threadID: UUID
    let messageID: UUID
    let userMessageID: UUID
    let provider: String
    let model: String
    /// Asked when `provider` fails before its first token (`COACH_LLM_FALLBACK_*`); `null` when none is configured.
    /// `done` says which one answered.
    @Nullable var fallbackProvider: String?
    @Nullable var fallbackModel: String?
    let heartbeatS: Double
    let timeoutS: Double

    enum CodingKeys: String, CodingKey {
        case type, provider, model
        case fallbackProvider = "fallback_provider", fallbackModel = "fallback_model"
        case threadID = "thread_id", messageID = "message_id", userMessageID = "user_message_id"
        case heartbeatS = "heartbeat_s", timeoutS = "timeout_s"
    }
}

// `delta` frames (`{"type":"delta","delta":"…"}`) are written by `CoachFrameSink.sendDelta` without an encoder.

struct CoachHeartbeatFrame: Encodable, Sendable {
    let type = "heartbeat"
}

struct CoachErrorFrame: Encodable, Sendable {
    let type = "error"
    let code: String
    let error: String
}

/// Token counts when the provider reported them (`null` otherwise, e.g. after a cut-short answer).
struct CoachUsageDTO: Codable, Sendable, Equatable {
    @Nullable var inputTokens: Int?
    @Nullable var outputTokens: Int?
    enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens", outputTokens = "output_tokens" }
    init(_ usage: TokenUsage) { inputTokens = usage.inputTokens; outputTokens = usage.outputTokens }
    init(inputTokens: Int?, outputTokens: Int?) { self.inputTokens = inputTokens; self.outputTokens = outputTokens }
}

/// `done`: always the last frame.
struct CoachDoneFrame: Encodable, Sendable {
    let type = "done"
    let threadID: UUID
    let messageID: UUID
    let timedOut: Bool
    let error: Bool
    @Nullable var errorCode: String?
    let finishReason: CoachFinishReason
    let usage: CoachUsageDTO
    let provider: String
    let model: String
    /// `llm` or `offline` (the offline provider wrote the answer from the athlete's data, not a model).
    @Nullable var source: String?
    @Nullable var fallbackReason: String?
    let elapsedMs: Int
    /// From the request's arrival to the first delta.
    @Nullable var timeToFirstDeltaMs: Int?
    /// The provider's own time to first token (from the start of its call), when it finished the answer.
    @Nullable var providerTimeToFirstTokenMs: Int?

    enum CodingKeys: String, CodingKey {
        case type, error, usage, provider, model, source
        case threadID = "thread_id", messageID = "message_id", timedOut = "timed_out", errorCode = "error_code"
        case finishReason = "finish_reason", fallbackReason = "fallback_reason", elapsedMs = "elapsed_ms"
        case timeToFirstDeltaMs = "time_to_first_delta_ms", providerTimeToFirstTokenMs = "provider_time_to_first_token_ms"
    }

    init(threadID: UUID, messageID: UUID, output: CoachTurnOutput) {
        self.threadID = threadID
        self.messageID = messageID
        timedOut = output.timedOut
        error = output.isError
        errorCode = output.errorCode
        finishReason = output.finishReason
        usage = CoachUsageDTO(output.usage)
        provider = output.provider
        model = output.model
        source = output.source
        fallbackReason = output.fallbackReason
        elapsedMs = Int(output.elapsed.milliseconds)
        timeToFirstDeltaMs = output.timeToFirstDelta.map { Int($0.milliseconds) }
        providerTimeToFirstTokenMs = output.providerTimeToFirstToken.map { Int($0.milliseconds) }
    }
}

/// Turns frames into SSE bytes with increasing ids and writes each one to the response as it is produced —
/// one `writeAndFlush` on the connection's event loop per frame, no task hop, no buffering. Frames produced
/// before the response body started (the turn does not wait for it) are held until it starts. Emitting after
/// `finish()`, or after the client left, does nothing.
final class CoachFrameSink: Sendable {
    private struct State {
        var nextID = 1
        var finished = false
        var writer: (any BodyStreamWriter)?
        var pending: [ByteBuffer] = []
        var clientGone = false
        var writerEnded = false
    }
    private let state = Mutex(State())
    /// Called once when a write fails (the client went away).
    private let onClientGone: @Sendable () -> Void
    /// Called once when the body has ended (`.end` flushed, or `.error` after the client left).
    private let onWriterEnded: @Sendable () -> Void

    init(onClientGone: @escaping @Sendable () -> Void = {}, onWriterEnded: @escaping @Sendable () -> Void = {}) {
        self.onClientGone = onClientGone
        self.onWriterEnded = onWriterEnded
    }

    /// The response body: attach the writer, flush what is pending (and end, if the turn already finished).
    var body: Response.Body {
        Response.Body(stream: { [self] writer in attach(writer) })
    }

    func attach(_ writer: any BodyStreamWriter) {
        state.withLock { s in
            s.writer = writer
            for frame in s.pending { write(frame, to: writer) }
            s.pending = []
            if s.finished { end(writer) }
        }
    }

    func send(_ event: String, _ payload: some Encodable) {
        guard let data = try? JSONCoding.encoder.encode(payload) else { return }
        emit(event, data)
    }

    private func emit(_ event: String, _ json: Data) {
        state.withLock { s in
            guard !s.finished, !s.clientGone else { return }
            let frame = Self.frame(id: s.nextID, event: event, json: json)
            s.nextID += 1
            // Submitted under the lock, so the event loop runs the writes in id order.
            if let writer = s.writer { write(frame, to: writer) } else { s.pending.append(frame) }
        }
    }

    /// Ends the body after the frames sent so far.
    func finish() {
        state.withLock { s in
            guard !s.finished else { return }
            s.finished = true
            if let writer = s.writer, !s.clientGone { end(writer) }
        }
    }

    private func write(_ frame: ByteBuffer, to writer: any BodyStreamWriter) {
        writer.eventLoop.execute {
            let promise = writer.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenFailure { [self] error in lost(writer, error) }
            writer.write(.buffer(frame), promise: promise)
        }
    }

    private func end(_ writer: any BodyStreamWriter) {
        writer.eventLoop.execute {
            let promise = writer.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { [self] _ in writerEnded() }
            writer.write(.end, promise: promise)
        }
    }

    /// A write failed: the client is gone. End the body with the error (Vapor requires `.end` or `.error`).
    private func lost(_ writer: any BodyStreamWriter, _ error: any Error) {
        let first = state.withLock { s -> Bool in
            defer { s.clientGone = true }
            return !s.clientGone
        }
        guard first else { return }
        writer.write(.error(error), promise: nil)
        onClientGone()
        writerEnded()
    }

    private func writerEnded() {
        let first = state.withLock { s -> Bool in
            defer { s.writerEnded = true }
            return !s.writerEnded
        }
        if first { onWriterEnded() }
    }

    /// `delta` frames are most of the traffic (one per provider chunk): written without `JSONEncoder`.
    func sendDelta(_ text: String) {
        var json = #"{"type":"delta","delta":""#
        json.reserveCapacity(text.utf8.count + 32)
        JSONText.appendEscaped(text, to: &json)
        json += #""}"#
        emit("delta", Data(json.utf8))
    }

    static func frame(id: Int, event: String, json: Data) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: json.count + event.utf8.count + 32)
        buffer.writeString("id: \(id)\nevent: \(event)\ndata: ")
        buffer.writeBytes(json)   // JSON never contains a raw newline: one `data:` line
        buffer.writeString("\n\n")
        return buffer
    }

    /// The response headers of every coach stream. Never compressed (the server's compression is off and
    /// `X-Accel-Buffering: no` keeps nginx-style proxies from buffering; Caddy is configured not to encode it).
    static var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/event-stream")
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        return headers
    }
}
