import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Anthropic Messages API: `POST {baseURL}/v1/messages` with `x-api-key` and `anthropic-version:
/// 2023-06-01`; system messages go to the top-level `system` field. Streaming understands `message_start`,
/// `content_block_start`, `content_block_delta`, `content_block_stop`, `message_delta`, `message_stop`,
/// `ping` and `error` events (unknown events are ignored). Same timeouts as `OpenAICompatibleProvider`.
public struct AnthropicProvider: HTTPChatProvider {
    let endpoint: ChatEndpoint

    public init(
        baseURL: String = LLMSettings.defaultBaseURL(for: .anthropic),
        apiKey: String?,
        model: String,
        timeouts: LLMTimeouts,
        httpClient: HTTPClient,
        logger: Logger = Logger(label: "strideiq.llm")
    ) {
        var base = ChatEndpoint.trimmed(baseURL)
        if base.hasSuffix("/v1") { base.removeLast(3) }  // tolerate a base given with its version path
        self.endpoint = ChatEndpoint(
            kind: .anthropic, base: base, path: "/v1/messages",
            apiKey: apiKey, model: model, timeouts: timeouts, httpClient: httpClient, logger: logger
        )
    }

    public init(settings: LLMSettings, httpClient: HTTPClient, logger: Logger = Logger(label: "strideiq.llm")) {
        self.init(
            baseURL: settings.baseURL(orDefaultFor: .anthropic), apiKey: settings.apiKey, model: settings.model,
            timeouts: settings.timeouts, httpClient: httpClient, logger: logger
        )
    }

    // MARK: wire format

    public static let apiVersion = "2023-06-01"

    struct Body: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }
        var model: String
        var max_tokens: Int
        var system: String?
        var messages: [Message]
        var temperature: Double?
        var stream: Bool
    }

    func makeHTTPRequest(_ request: ChatRequest, stream: Bool) throws(LLMError) -> HTTPClientRequest {
        var systemParts = request.messages.filter { $0.role == .system }.map(\.content)
        if request.wantsJSON { systemParts.append(jsonInstruction) }
        let turns = request.messages.filter { $0.role != .system }
        guard !turns.isEmpty else {
            throw .invalidRequest("Anthropic needs at least one user message")
        }
        let body = Body(
            model: self.descriptor.model,
            max_tokens: max(1, request.maxTokens),
            system: systemParts.isEmpty ? nil : systemParts.joined(separator: "\n\n"),
            messages: turns.map { Body.Message(role: $0.role.rawValue, content: $0.content) },
            temperature: request.temperature,
            stream: stream
        )
        var headers: HTTPHeaders = ["anthropic-version": Self.apiVersion]
        if let apiKey = self.endpoint.apiKey {
            headers.add(name: "x-api-key", value: apiKey)
        }
        return try self.endpoint.post(body, stream: stream, headers: headers)
    }

    func makeStreamDecoder() -> AnthropicStreamDecoder { AnthropicStreamDecoder() }

    struct Usage: Decodable {
        var input_tokens: Int?
        var output_tokens: Int?
        var cache_creation_input_tokens: Int?
        var cache_read_input_tokens: Int?

        /// All input tokens, cached ones included.
        var totalInput: Int? {
            guard let input = self.input_tokens else { return nil }
            return input + (self.cache_creation_input_tokens ?? 0) + (self.cache_read_input_tokens ?? 0)
        }
    }

    struct ContentBlock: Decodable {
        var type: String?
        var text: String?
    }

    struct Message: Decodable {
        var type: String?
        var model: String?
        var content: [ContentBlock]?
        var stop_reason: String?
        var usage: Usage?
        var error: LenientErrorField?
    }

    static func parseCompletion(_ body: ByteBuffer, redactor: Redactor) throws(LLMError) -> ParsedCompletion {
        guard let message = JSONDecoder.decodeLeniently(Message.self, from: body.readableBytesView) else {
            throw .malformedResponse("the answer is not a JSON message")
        }
        if message.type == "error" || message.error != nil {
            throw inBandError(message.error, redactor: redactor)
        }
        guard let content = message.content else {
            throw .malformedResponse("the answer has no content")
        }
        let text = content.filter { ($0.type ?? "text") == "text" }.compactMap(\.text).joined()
        return ParsedCompletion(
            text: text,
            model: message.model,
            usage: TokenUsage(inputTokens: message.usage?.totalInput, outputTokens: message.usage?.output_tokens),
            rawFinishReason: message.stop_reason
        )
    }

    /// Anthropic error types → HTTP-like status (as documented by Anthropic).
    static func inBandError(_ error: LenientErrorField?, redactor: Redactor) -> LLMError {
        let type = error?.type ?? ""
        let status: Int
        switch type {
        case "rate_limit_error": return .rateLimited(retryAfter: nil)
        case "invalid_request_error": status = 400
        case "authentication_error": status = 401
        case "billing_error": status = 402
        case "permission_error": status = 403
        case "not_found_error": status = 404
        case "request_too_large": status = 413
        case "timeout_error": status = 504
        case "overloaded_error": status = 529
        default: status = 500
        }
        return .providerError(status: status, message: redactor(error?.text ?? "unknown error").truncated(to: 500))
    }
}

struct AnthropicStreamDecoder: StreamDecoder {
    struct Event: Decodable {
        struct Delta: Decodable {
            var type: String?
            var text: String?
            var stop_reason: String?
        }
        var type: String?
        var message: AnthropicProvider.Message?
        var content_block: AnthropicProvider.ContentBlock?
        var delta: Delta?
        var usage: AnthropicProvider.Usage?
        var error: LenientErrorField?
    }

    mutating func decode(_ event: SSEEvent, redactor: Redactor) throws(LLMError) -> [StreamPiece] {
        guard let decoded = JSONDecoder.decodeLeniently(Event.self, from: event.data.utf8) else {
            throw .malformedStream("an event is not valid JSON: \(redactor(event.data).truncated(to: 120))")
        }
        guard let type = decoded.type ?? event.event else {
            throw .malformedStream("an event has no type")
        }
        switch type {
        case "message_start":
            var pieces: [StreamPiece] = []
            if let model = decoded.message?.model, !model.isEmpty { pieces.append(.model(model)) }
            if let usage = decoded.message?.usage {
                pieces.append(.usage(input: usage.totalInput, output: usage.output_tokens))
            }
            return pieces
        case "content_block_start":
            if let block = decoded.content_block, (block.type ?? "text") == "text", let text = block.text, !text.isEmpty {
                return [.text(text)]
            }
            return []
        case "content_block_delta":
            if let delta = decoded.delta, (delta.type ?? "text_delta") == "text_delta", let text = delta.text {
                return [.text(text)]
            }
            return []  // thinking / tool-input deltas are not answer text
        case "message_delta":
            var pieces: [StreamPiece] = []
            if let reason = decoded.delta?.stop_reason, !reason.isEmpty { pieces.append(.finish(reason)) }
            if let usage = decoded.usage {
                pieces.append(.usage(input: usage.totalInput, output: usage.output_tokens))
            }
            return pieces
        case "message_stop":
            return [.end]
        case "error":
            throw AnthropicProvider.inBandError(decoded.error, redactor: redactor)
        default:
            return []  // ping, content_block_stop and future event types
        }
    }
}
