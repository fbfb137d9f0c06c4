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
            var content: Content
        }
        /// A plain string, or content blocks (tool calls and their results).
        enum Content: Encodable {
            case text(String)
            case blocks([Block])

            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .text(let text): try container.encode(text)
                case .blocks(let blocks): try container.encode(blocks)
                }
            }
        }
        struct Block: Encodable {
            var type: String
            var text: String?
            var id: String?
            var name: String?
            var input: JSONValue?
            var tool_use_id: String?
            var content: String?
        }
        struct Tool: Encodable {
            var name: String
            var description: String
            var input_schema: JSONValue
        }
        struct Choice: Encodable {
            var type: String
        }
        var model: String
        var max_tokens: Int
        var system: String?
        var messages: [Message]
        var temperature: Double?
        var stream: Bool
        var tools: [Tool]?
        var tool_choice: Choice?

        /// The turns as Anthropic wants them: an assistant's tool calls as `tool_use` blocks after its text, and
        /// each run of tool results as `tool_result` blocks of one user message (with any user text that follows
        /// them as a text block after them).
        static func messages(_ turns: [ChatMessage]) -> [Message] {
            var messages: [Message] = []
            for turn in turns {
                switch turn.role {
                case .tool:
                    let block = Block(type: "tool_result", tool_use_id: turn.toolCallID ?? "", content: turn.content)
                    if let last = messages.last, last.role == "user", case .blocks(let blocks) = last.content,
                        blocks.allSatisfy({ $0.type == "tool_result" })
                    {
                        messages[messages.count - 1].content = .blocks(blocks + [block])
                    } else {
                        messages.append(Message(role: "user", content: .blocks([block])))
                    }
                case .assistant where !turn.toolCalls.isEmpty:
                    var blocks: [Block] = turn.content.isEmpty ? [] : [Block(type: "text", text: turn.content)]
                    blocks += turn.toolCalls.map {
                        Block(type: "tool_use", id: $0.id, name: $0.name, input: $0.echoedArguments)
                    }
                    messages.append(Message(role: "assistant", content: .blocks(blocks)))
                case .user:
                    // Text after tool results belongs in the same user message, after the results.
                    if let last = messages.last, last.role == "user", case .blocks(let blocks) = last.content {
                        messages[messages.count - 1].content = .blocks(blocks + [Block(type: "text", text: turn.content)])
                    } else {
                        messages.append(Message(role: "user", content: .text(turn.content)))
                    }
                default:
                    messages.append(Message(role: turn.role.rawValue, content: .text(turn.content)))
                }
            }
            return messages
        }
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
            messages: Body.messages(turns),
            temperature: request.temperature,
            stream: stream,
            tools: request.tools.isEmpty
                ? nil : request.tools.map { Body.Tool(name: $0.name, description: $0.description, input_schema: $0.parameters) },
            tool_choice: request.tools.isEmpty ? nil : Body.Choice(type: request.toolChoice.rawValue)
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
        /// `tool_use` blocks: the call's id, tool name and arguments.
        var id: String?
        var name: String?
        var input: JSONValue?
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
        let (calls, dropped) = ToolCallAccumulator.bounded(
            content.filter { $0.type == "tool_use" }.map { ($0.id, $0.name, $0.input?.jsonText ?? "") })
        return ParsedCompletion(
            text: text,
            model: message.model,
            usage: TokenUsage(inputTokens: message.usage?.totalInput, outputTokens: message.usage?.output_tokens),
            rawFinishReason: message.stop_reason,
            toolCalls: calls,
            droppedToolCalls: dropped
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
            /// `input_json_delta`: a fragment of a `tool_use` block's arguments.
            var partial_json: String?
        }
        var type: String?
        var index: Int?
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
            if let block = decoded.content_block, block.type == "tool_use" {
                // `input` here is `{}`: the arguments follow as `input_json_delta` fragments.
                return [.toolCallStart(index: decoded.index ?? 0, id: block.id, name: block.name)]
            }
            return []
        case "content_block_delta":
            if let delta = decoded.delta, (delta.type ?? "text_delta") == "text_delta", let text = delta.text {
                return [.text(text)]
            }
            if let delta = decoded.delta, delta.type == "input_json_delta", let fragment = delta.partial_json, !fragment.isEmpty {
                return [.toolCallArguments(index: decoded.index ?? 0, fragment: fragment)]
            }
            return []  // thinking deltas are not answer text
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
