import Foundation
import LLM
import NIOCore
import StrideIQCore
import StrideIQSupport
import Vapor

// The coach's Server-Sent Events: every frame is `id: <n>` + `event: <name>` + `data: <json>` + a blank line,
// and the JSON's `type` is the event name. `meta` first, `delta` per provider chunk, `tool` as the model's tool
// calls start and end, `heartbeat` while silent, `error` when something fails, `done` always last.

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

// `delta` frames (`{"type":"delta","delta":"…"}`) are written by `CoachFrameWriter.sendDelta` without an encoder.

struct CoachHeartbeatFrame: Encodable, Sendable {
    let type = "heartbeat"
}

struct CoachErrorFrame: Encodable, Sendable {
    let type = "error"
    let code: String
    let error: String
}

/// `tool`: a tool call of the model starts (`started`) or ended (`ok`, `failed`), so a client can show what the
/// coach is looking at. A failed tool is reported to the model, which answers anyway; it is not an `error`.
struct CoachToolFrame: Encodable, Sendable {
    let type = "tool"
    let name: String
    let status: CoachTurn.ToolStatus
}

/// Token counts when the provider reported them (`null` otherwise, e.g. after a cut-short answer).
struct CoachUsageDTO: Codable, Sendable, Equatable {
    @Nullable var inputTokens: Int?
    @Nullable var outputTokens: Int?
    enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens", outputTokens = "output_tokens" }
    init(_ usage: TokenUsage) {
        inputTokens = usage.inputTokens
        outputTokens = usage.outputTokens
    }
    init(inputTokens: Int?, outputTokens: Int?) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
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
    /// Distinct tools the model called this turn, in the order of their first call (`[]` when none).
    let toolsUsed: [String]
    /// `tools_used.count`: distinct tools, not calls (as the original counts them).
    let toolCount: Int

    enum CodingKeys: String, CodingKey {
        case type, error, usage, provider, model, source
        case threadID = "thread_id", messageID = "message_id", timedOut = "timed_out", errorCode = "error_code"
        case finishReason = "finish_reason", fallbackReason = "fallback_reason", elapsedMs = "elapsed_ms"
        case timeToFirstDeltaMs = "time_to_first_delta_ms", providerTimeToFirstTokenMs = "provider_time_to_first_token_ms"
        case toolsUsed = "tools_used", toolCount = "tool_count"
    }

    init(threadID: UUID, messageID: UUID, output: CoachTurnOutput) {
        toolsUsed = output.toolsUsed
        toolCount = output.toolsUsed.count
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

/// Writes the coach's frames into the response body, in order, from the turn's one task: each frame is
/// `id: <n>` + `event: <name>` + `data: <json>` + a blank line, written and flushed as it is produced (no
/// buffering). A write that fails means the client left: `clientGone` turns true and later frames are skipped.
///
/// A write returns once the connection has handed the frame to the socket (Vapor passes the write's promise
/// down to the channel, and NIO completes it only when the bytes are written), so a client that does not
/// read makes it wait once the kernel's buffers are full, and the turn waits with it. With `stallTimeout`,
/// a write still waiting after that long aborts the response (Vapor then closes the connection, which fails
/// the write): `stalled` turns true and the client gets nothing more.
struct CoachFrameWriter {
    private let body: any AsyncBodyStreamWriter
    private let stallTimeout: Duration?
    private let stallFlag = LockedBox(false)
    private var nextID = 1
    private var failure: (any Error)?

    /// The client did not take a frame within `stallTimeout`.
    struct ClientStalled: Error {}

    init(_ body: any AsyncBodyStreamWriter, stallTimeout: Duration? = nil) {
        self.body = body
        self.stallTimeout = stallTimeout
    }

    var clientGone: Bool { failure != nil }
    var stalled: Bool { stallFlag.current }

    /// What became of the frames so far, for `CoachTurn`.
    var delivery: CoachTurn.Delivery {
        if stalled { return .clientStalled }
        return clientGone ? .clientGone : .delivered
    }

    mutating func send(_ event: String, _ payload: some Encodable) async {
        guard let data = try? JSONCoding.encoder.encode(payload) else { return }
        await write(event, data)
    }

    /// `delta` frames are most of the traffic (one per provider chunk): written without `JSONEncoder`.
    mutating func sendDelta(_ text: String) async {
        var json = #"{"type":"delta","delta":""#
        json.reserveCapacity(text.utf8.count + 32)
        JSONText.appendEscaped(text, to: &json)
        json += #""}"#
        await write("delta", Data(json.utf8))
    }

    /// Ends the body after the frames sent so far (or with the write error, once the client has left: the
    /// body must end one way or the other).
    mutating func finish() async {
        if let failure {
            try? await body.write(.error(failure))
        } else {
            try? await body.write(.end)
        }
    }

    private mutating func write(_ event: String, _ json: Data) async {
        guard failure == nil else { return }
        let frame = Self.frame(id: nextID, event: event, json: json)
        nextID += 1
        guard let stallTimeout else {
            do { try await body.write(.buffer(frame)) } catch { failure = error }
            return
        }
        let body = body
        let stallFlag = stallFlag
        let watchdog = Task {
            do { try await Task.sleep(for: stallTimeout) } catch { return }
            stallFlag.withLock { $0 = true }
            try? await body.write(.error(ClientStalled()))
        }
        do {
            try await body.write(.buffer(frame))
        } catch {
            failure = error
        }
        watchdog.cancel()
    }

    static func frame(id: Int, event: String, json: Data) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: json.count + event.utf8.count + 32)
        buffer.writeString("id: \(id)\nevent: \(event)\ndata: ")
        buffer.writeBytes(json)  // JSON never contains a raw newline: one `data:` line
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
