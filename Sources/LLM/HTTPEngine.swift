import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import StrideIQSupport

/// What a wire-format stream decoder extracts from one SSE event.
enum StreamPiece: Sendable, Equatable {
    case text(String)
    case usage(input: Int?, output: Int?)
    case finish(String)
    case model(String)
    /// The provider's end-of-stream marker (`[DONE]`, `message_stop`).
    case end
    /// A tool call starts, or (OpenAI) names its id or function again: `index` tells calls apart.
    case toolCallStart(index: Int, id: String?, name: String?)
    /// A fragment of the JSON arguments of the call at `index`.
    case toolCallArguments(index: Int, fragment: String)
}

protocol StreamDecoder: Sendable {
    mutating func decode(_ event: SSEEvent, redactor: Redactor) throws(LLMError) -> [StreamPiece]
}

/// A decoded non-streaming answer.
struct ParsedCompletion: Sendable {
    var text: String
    var model: String?
    var usage: TokenUsage
    var rawFinishReason: String?
    var toolCalls: [ToolCall] = []
    var droppedToolCalls = 0
}

typealias WholeBodyParser = @Sendable (ByteBuffer, Redactor) throws(LLMError) -> ParsedCompletion

/// The HTTP side shared by the OpenAI-compatible and Anthropic providers: sends the request with the
/// client-level deadline, races it against the call-site deadline, watches first-token / idle timeouts
/// while streaming, and maps every failure to `LLMError`.
struct HTTPEngine: Sendable {
    static let maxBodyBytes = 8 * 1024 * 1024
    static let maxErrorBodyBytes = 64 * 1024

    let client: HTTPClient
    let descriptor: ProviderDescriptor
    let timeouts: LLMTimeouts
    let redactor: Redactor
    let logger: Logger

    // MARK: non-streaming

    func complete(
        _ httpRequest: HTTPClientRequest,
        deadline: ContinuousClock.Instant,
        parse: @escaping WholeBodyParser
    ) async throws(LLMError) -> ChatCompletion {
        let start = ContinuousClock.now
        let effective = min(deadline, start + self.timeouts.request)
        self.logger.debug("llm request", metadata: self.metadata(["llm.stream": "false"]))
        do {
            let parsed = try await withDeadline(effective, redactor: self.redactor) { [self] in
                let response = try await self.client.execute(httpRequest, deadline: effective.nioDeadline, logger: self.logger)
                guard (200..<300).contains(response.status.code) else {
                    throw await self.statusError(response)
                }
                let body = try await response.body.collect(upTo: Self.maxBodyBytes)
                return try parse(body, self.redactor)
            }
            let latency = start.duration(to: .now)
            var completion = ChatCompletion(
                text: parsed.text,
                provider: self.descriptor.name,
                model: parsed.model ?? self.descriptor.model,
                source: .llm,
                latency: latency,
                timeToFirstToken: latency,
                usage: parsed.usage,
                finishReason: .normalise(parsed.rawFinishReason),
                rawFinishReason: parsed.rawFinishReason
            )
            completion.toolCalls = parsed.toolCalls
            completion.droppedToolCalls = parsed.droppedToolCalls
            self.logSuccess(completion)
            return completion
        } catch {
            let mapped = Task.isCancelled ? LLMError.cancelled : error
            self.logFailure(mapped, elapsed: start.duration(to: .now))
            throw mapped
        }
    }

    // MARK: streaming

    func stream<Decoder: StreamDecoder>(
        _ httpRequest: HTTPClientRequest,
        decoder: Decoder,
        deadline: ContinuousClock.Instant,
        maxOutputBytes: Int = .max,
        flow: StreamFlow? = nil,
        continuation: LLMStream.Continuation,
        parseWholeBody: @escaping WholeBodyParser
    ) async throws(LLMError) -> ChatCompletion {
        let start = ContinuousClock.now
        let effective = min(deadline, start + self.timeouts.request)
        let progress = LockedBox(StreamProgress(lastActivity: start, firstTokenAt: nil))
        self.logger.debug("llm request", metadata: self.metadata(["llm.stream": "true"]))
        do {
            let completion = try await withThrowingTaskGroup(of: ChatCompletion?.self) { [self] group in
                group.addTask {
                    try await self.readStream(
                        httpRequest, decoder: decoder, start: start, deadline: effective, progress: progress,
                        maxOutputBytes: maxOutputBytes, flow: flow, continuation: continuation,
                        parseWholeBody: parseWholeBody
                    )
                }
                group.addTask {
                    try await streamWatchdog(start: start, progress: progress, timeouts: self.timeouts, deadline: effective)
                    return nil
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw LLMError.cancelled
            }
            self.logSuccess(completion)
            return completion
        } catch {
            let mapped = Task.isCancelled ? LLMError.cancelled : LLMError.map(error, redactor: self.redactor)
            self.logFailure(mapped, elapsed: start.duration(to: .now))
            throw mapped
        }
    }

    private func readStream<Decoder: StreamDecoder>(
        _ httpRequest: HTTPClientRequest,
        decoder: Decoder,
        start: ContinuousClock.Instant,
        deadline: ContinuousClock.Instant,
        progress: LockedBox<StreamProgress>,
        maxOutputBytes: Int,
        flow: StreamFlow?,
        continuation: LLMStream.Continuation,
        parseWholeBody: WholeBodyParser
    ) async throws -> ChatCompletion {
        let response = try await self.client.execute(httpRequest, deadline: deadline.nioDeadline, logger: self.logger)
        progress.withLock { $0.lastActivity = .now }
        guard (200..<300).contains(response.status.code) else {
            throw await self.statusError(response)
        }

        var text = ""
        var model: String?
        var usage = TokenUsage()
        var rawFinish: String?
        var ended = false
        var firstTokenAt: ContinuousClock.Instant?
        var textBytes = 0
        var cutAtLimit = false
        var tools = ToolCallAccumulator()
        var parsedTools: (calls: [ToolCall], dropped: Int)?

        /// A tool call is the model's answer as much as text is: it counts as the first token.
        func sawContent() {
            if firstTokenAt == nil {
                let now = ContinuousClock.now
                firstTokenAt = now
                progress.withLock { $0.firstTokenAt = now }
            }
        }

        func emit(_ chunk: String) {
            guard !ended, !chunk.isEmpty else { return }
            sawContent()
            var piece = chunk
            if textBytes + chunk.utf8.count > maxOutputBytes {
                // The provider went past the length it was asked for: keep what fits and stop reading, as if
                // it had stopped at `max_tokens` itself (leaving the loop below drops the connection).
                piece = String(ChatRequest.prefix(of: chunk, fittingIn: maxOutputBytes - textBytes))
                cutAtLimit = true
                ended = true
                self.logger.warning(
                    "llm answer cut at the length limit", metadata: self.metadata(["llm.max_output_bytes": "\(maxOutputBytes)"]))
            }
            guard !piece.isEmpty else { return }
            textBytes += piece.utf8.count
            text += piece
            flow?.produced(piece.utf8.count)
            continuation.yield(.delta(piece))
        }

        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        if contentType.hasPrefix("application/json") {
            // A server that ignored `stream: true` and answered in one piece.
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            let parsed = try parseWholeBody(body, self.redactor)
            emit(parsed.text)
            if !parsed.toolCalls.isEmpty {
                sawContent()
                parsedTools = (parsed.toolCalls, parsed.droppedToolCalls)
            }
            model = parsed.model
            usage = parsed.usage
            rawFinish = parsed.rawFinishReason
            ended = true
        } else {
            var decoder = decoder
            var parser = SSEParser()

            func handle(_ events: [SSEEvent]) throws(LLMError) {
                for event in events where !ended {
                    for piece in try decoder.decode(event, redactor: self.redactor) {
                        switch piece {
                        case .text(let chunk): emit(chunk)
                        case .usage(let input, let output):
                            if let input { usage.inputTokens = input }
                            if let output { usage.outputTokens = output }
                        case .finish(let reason): rawFinish = reason
                        case .model(let name): if model == nil { model = name }
                        case .end: ended = true
                        case .toolCallStart(let index, let id, let name):
                            sawContent()
                            tools.start(index: index, id: id, name: name)
                        case .toolCallArguments(let index, let fragment):
                            sawContent()
                            tools.append(index: index, fragment: fragment)
                        }
                    }
                }
            }

            for try await buffer in response.body {
                progress.withLock { $0.lastActivity = .now }
                do {
                    try handle(try parser.feed(buffer))
                } catch let error as SSEParserError {
                    throw LLMError.malformedStream(error.description)
                }
                if ended { break }
                if let flow, !flow.hasRoom {
                    // The consumer is behind: read nothing more until it catches up. The provider being held
                    // back is not the provider being idle, so the watchdog's idle clock pauses meanwhile.
                    progress.withLock { $0.heldBack = true }
                    await flow.waitForRoom()
                    progress.withLock {
                        $0.heldBack = false
                        $0.lastActivity = .now
                    }
                }
            }
            try Task.checkCancellation()
            if !ended { try handle(parser.finish()) }
        }

        if cutAtLimit { rawFinish = "length" }
        if !ended && rawFinish == nil {
            throw LLMError.malformedStream("the stream ended before the answer was complete")
        }
        let end = ContinuousClock.now
        var completion = ChatCompletion(
            text: text,
            provider: self.descriptor.name,
            model: model ?? self.descriptor.model,
            source: .llm,
            latency: start.duration(to: end),
            timeToFirstToken: firstTokenAt.map { start.duration(to: $0) },
            usage: usage,
            finishReason: .normalise(rawFinish),
            rawFinishReason: rawFinish
        )
        // An answer cut at the length limit may have cut a call's arguments: its calls are not run.
        if !cutAtLimit {
            completion.toolCalls = parsedTools?.calls ?? tools.calls
            completion.droppedToolCalls = parsedTools?.dropped ?? tools.dropped
        }
        return completion
    }

    // MARK: errors

    /// Maps a non-2xx answer: 429 → `rateLimited` with the provider's delay, others → `providerError`.
    func statusError(_ response: HTTPClientResponse) async -> LLMError {
        let status = Int(response.status.code)
        let body = try? await response.body.collect(upTo: Self.maxErrorBodyBytes)
        if status == 429 {
            return .rateLimited(retryAfter: parseRetryAfter(response.headers))
        }
        let message = providerMessage(in: body) ?? response.status.reasonPhrase
        return .providerError(status: status, message: self.redactor(message).truncated(to: 500))
    }

    // MARK: logging (never the key)

    private func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "llm.provider": .string(self.descriptor.name),
            "llm.model": .string(self.descriptor.model),
        ]
        metadata.merge(extra) { $1 }
        return metadata
    }

    private func logSuccess(_ completion: ChatCompletion) {
        self.logger.debug(
            "llm answer",
            metadata: self.metadata([
                "llm.latency_ms": .stringConvertible(Int(completion.latency.milliseconds)),
                "llm.finish_reason": .string(completion.finishReason.rawValue),
                "llm.output_tokens": .stringConvertible(completion.usage.outputTokens ?? -1),
            ])
        )
    }

    private func logFailure(_ error: LLMError, elapsed: Duration) {
        let level: Logger.Level = error == .cancelled ? .debug : .warning
        self.logger.log(
            level: level,
            "llm call failed",
            metadata: self.metadata([
                "llm.error": .string(error.code),
                "llm.detail": .string(error.description),
                "llm.elapsed_ms": .stringConvertible(Int(elapsed.milliseconds)),
            ])
        )
    }
}

/// `retry-after-ms` (OpenAI) or `Retry-After` as seconds or an HTTP date.
func parseRetryAfter(_ headers: HTTPHeaders) -> Duration? {
    if let text = headers.first(name: "retry-after-ms"), let ms = Double(text.trimmingCharacters(in: .whitespaces)),
        ms.isFinite, ms >= 0
    {
        return .milliseconds(Int64(min(ms, 86_400_000)))
    }
    guard let text = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
        return nil
    }
    if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
        return .milliseconds(Int64(min(seconds, 86_400) * 1000))
    }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    guard let date = formatter.date(from: text) else { return nil }
    let seconds = max(0, min(date.timeIntervalSinceNow, 86_400))
    return .milliseconds(Int64(seconds * 1000))
}

/// The human message of a provider error body (OpenAI `{"error":{"message"}}`, Anthropic
/// `{"type":"error","error":{"type","message"}}`, Gemini `[{"error":{...}}]`, Ollama `{"error":"..."}`),
/// else the start of the body as text.
func providerMessage(in body: ByteBuffer?) -> String? {
    guard let body, body.readableBytes > 0 else { return nil }
    let data = Data(body.readableBytesView)
    if let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
        let object: [String: Any]? =
            (json as? [String: Any]) ?? ((json as? [Any])?.first as? [String: Any])
        if let object {
            if let error = object["error"] as? [String: Any] {
                let message = (error["message"] as? String) ?? ""
                let type = (error["type"] as? String) ?? (error["status"] as? String) ?? ""
                switch (type.isEmpty, message.isEmpty) {
                case (false, false): return "\(type): \(message)"
                case (true, false): return message
                case (false, true): return type
                case (true, true): break
                }
            }
            if let error = object["error"] as? String, !error.isEmpty { return error }
            if let message = object["message"] as? String, !message.isEmpty { return message }
            if let detail = object["detail"] as? String, !detail.isEmpty { return detail }
        }
    }
    let text = String(decoding: body.readableBytesView.prefix(300), as: UTF8.self)
        .filter { !$0.isNewline && ($0.isASCII ? ($0.asciiValue ?? 0) >= 32 : true) }
        .trimmingCharacters(in: .whitespaces)
    return text.isEmpty ? nil : text
}

// MARK: lenient JSON pieces shared by the wire formats

/// A string field that may also come as a number, an array of `{"text": ...}` parts, or null. Never throws.
struct LenientString: Decodable, Sendable {
    var value: String?

    private struct Part: Decodable {
        var text: String?
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self.value = nil
        } else if let string = try? container.decode(String.self) {
            self.value = string
        } else if let int = try? container.decode(Int.self) {
            self.value = String(int)
        } else if let double = try? container.decode(Double.self) {
            self.value = String(double)
        } else if let parts = try? container.decode([Part].self) {
            self.value = parts.compactMap(\.text).joined()
        } else {
            self.value = nil
        }
    }
}

/// Tool-call arguments: the JSON text a string carries (the OpenAI format), or, from servers that send the
/// arguments as a JSON value, that value written as text. Never throws.
struct LenientJSONText: Decodable, Sendable {
    var text: String?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            self.text = string
        } else if let value = try? container.decode(JSONValue.self) {
            self.text = value == .null ? nil : value.jsonText
        }
    }
}

/// An `error` field: either an object `{message, type, code}` or a plain string. Never throws.
struct LenientErrorField: Decodable, Sendable {
    var message: String?
    var type: String?
    var code: String?

    private struct Object: Decodable {
        var message: LenientString?
        var type: LenientString?
        var code: LenientString?
        var status: LenientString?
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            self.message = string
        } else if let object = try? container.decode(Object.self) {
            self.message = object.message?.value
            self.type = object.type?.value ?? object.status?.value
            self.code = object.code?.value
        }
    }

    var text: String {
        switch (self.type, self.message) {
        case (let type?, let message?): "\(type): \(message)"
        case (nil, let message?): message
        case (let type?, nil): type
        case (nil, nil): "unknown error"
        }
    }
}

extension JSONDecoder {
    static func decodeLeniently<T: Decodable>(_ type: T.Type, from bytes: some Sequence<UInt8>) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}
