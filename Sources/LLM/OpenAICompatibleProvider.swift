import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Any OpenAI-compatible Chat Completions server: OpenAI (`https://api.openai.com/v1`), Gemini
/// (`https://generativelanguage.googleapis.com/v1beta/openai`), Ollama (`http://localhost:11434/v1`),
/// llama.cpp's server and vLLM (`http://localhost:8080/v1`), LiteLLM...
///
/// `POST {baseURL}/chat/completions`; `Authorization: Bearer` only when a key is set. Streaming asks for
/// `stream_options.include_usage` and tolerates servers that ignore it, chunks with empty `choices`,
/// keep-alive comments, and servers that answer a streaming request in one JSON piece.
///
/// Timeouts on every call: the HTTP client's connect/read timeouts and a request deadline passed to
/// `HTTPClient.execute(_:deadline:)` (client level), and a call-site race against `min(deadline,
/// start + timeouts.request)` plus first-token and idle watchdogs for streams; the losing side is cancelled,
/// which closes the connection.
public struct OpenAICompatibleProvider: HTTPChatProvider {
    let endpoint: ChatEndpoint

    public init(
        baseURL: String,
        apiKey: String?,
        model: String,
        timeouts: LLMTimeouts,
        httpClient: HTTPClient,
        logger: Logger = Logger(label: "strideiq.llm")
    ) {
        self.endpoint = ChatEndpoint(
            kind: .openai, base: ChatEndpoint.trimmed(baseURL), path: "/chat/completions",
            apiKey: apiKey, model: model, timeouts: timeouts, httpClient: httpClient, logger: logger
        )
    }

    public init(settings: LLMSettings, httpClient: HTTPClient, logger: Logger = Logger(label: "strideiq.llm")) {
        self.init(
            baseURL: settings.baseURL(orDefaultFor: .openai), apiKey: settings.apiKey, model: settings.model,
            timeouts: settings.timeouts, httpClient: httpClient, logger: logger
        )
    }

    // MARK: wire format

    struct Body: Encodable {
        struct Message: Encodable {
            var role: String
            /// Omitted on an assistant message that only calls tools.
            var content: String?
            var tool_calls: [ToolCallBody]?
            var tool_call_id: String?

            init(_ message: ChatMessage) {
                self.role = message.role.rawValue
                self.content = message.content
                if message.role == .assistant, !message.toolCalls.isEmpty {
                    self.tool_calls = message.toolCalls.map {
                        ToolCallBody(id: $0.id, type: "function", function: .init(name: $0.name, arguments: $0.echoedArguments.jsonText))
                    }
                    if message.content.isEmpty { self.content = nil }
                }
                if message.role == .tool { self.tool_call_id = message.toolCallID ?? "" }
            }
        }
        struct ToolCallBody: Encodable {
            struct Function: Encodable {
                var name: String
                var arguments: String
            }
            var id: String
            var type: String
            var function: Function
        }
        struct Tool: Encodable {
            struct Function: Encodable {
                var name: String
                var description: String
                var parameters: JSONValue
            }
            var type = "function"
            var function: Function
        }
        struct StreamOptions: Encodable {
            var include_usage: Bool
        }
        struct ResponseFormat: Encodable {
            var type: String
        }

        var model: String
        var messages: [Message]
        var max_tokens: Int
        var temperature: Double?
        var stream: Bool
        var stream_options: StreamOptions?
        var response_format: ResponseFormat?
        var tools: [Tool]?
        var tool_choice: String?
    }

    func makeHTTPRequest(_ request: ChatRequest, stream: Bool) throws(LLMError) -> HTTPClientRequest {
        var messages = request.messages
        if request.wantsJSON { messages = withJSONInstruction(messages) }
        let body = Body(
            model: self.descriptor.model,
            messages: messages.map(Body.Message.init),
            max_tokens: max(1, request.maxTokens),
            temperature: request.temperature,
            stream: stream,
            stream_options: stream ? .init(include_usage: true) : nil,
            response_format: request.wantsJSON ? .init(type: "json_object") : nil,
            tools: request.tools.isEmpty
                ? nil
                : request.tools.map { Body.Tool(function: .init(name: $0.name, description: $0.description, parameters: $0.parameters)) },
            tool_choice: request.tools.isEmpty ? nil : request.toolChoice.rawValue
        )
        var headers = HTTPHeaders()
        if let apiKey = self.endpoint.apiKey {
            headers.add(name: "authorization", value: "Bearer \(apiKey)")
        }
        return try self.endpoint.post(body, stream: stream, headers: headers)
    }

    func makeStreamDecoder() -> OpenAIStreamDecoder { OpenAIStreamDecoder() }

    struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: LenientString?
                var tool_calls: [ToolCallDelta]?
            }
            /// One call (whole answers) or a fragment of one (stream deltas, told apart by `index`).
            struct ToolCallDelta: Decodable {
                struct Function: Decodable {
                    var name: LenientString?
                    var arguments: LenientJSONText?
                }
                var index: Int?
                var id: LenientString?
                var function: Function?
            }
            var index: Int?
            var message: Message?
            var delta: Message?
            var finish_reason: String?
        }
        struct Usage: Decodable {
            var prompt_tokens: Int?
            var completion_tokens: Int?
        }

        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        var error: LenientErrorField?
    }

    static func parseCompletion(_ body: ByteBuffer, redactor: Redactor) throws(LLMError) -> ParsedCompletion {
        guard let response = JSONDecoder.decodeLeniently(Response.self, from: body.readableBytesView) else {
            throw .malformedResponse("the answer is not a JSON chat completion")
        }
        if let error = response.error {
            throw inBandError(error, redactor: redactor)
        }
        guard let choice = response.choices?.first else {
            throw .malformedResponse("the answer has no choices")
        }
        let (calls, dropped) = ToolCallAccumulator.bounded(
            (choice.message?.tool_calls ?? []).map { ($0.id?.value, $0.function?.name?.value, $0.function?.arguments?.text ?? "") })
        return ParsedCompletion(
            text: choice.message?.content?.value ?? "",
            model: response.model,
            usage: TokenUsage(inputTokens: response.usage?.prompt_tokens, outputTokens: response.usage?.completion_tokens),
            rawFinishReason: choice.finish_reason,
            toolCalls: calls,
            droppedToolCalls: dropped
        )
    }

    /// An error object inside a 200 answer or a stream chunk.
    static func inBandError(_ error: LenientErrorField, redactor: Redactor) -> LLMError {
        let kind = (error.type ?? "") + " " + (error.code ?? "")
        if kind.contains("rate_limit") || error.code == "429" { return .rateLimited(retryAfter: nil) }
        let status = error.code.flatMap(Int.init).flatMap { (400..<600).contains($0) ? $0 : nil } ?? 500
        return .providerError(status: status, message: redactor(error.text).truncated(to: 500))
    }
}

struct OpenAIStreamDecoder: StreamDecoder {
    mutating func decode(_ event: SSEEvent, redactor: Redactor) throws(LLMError) -> [StreamPiece] {
        let data = event.data.trimmingCharacters(in: .whitespaces)
        if data == "[DONE]" { return [.end] }
        if data.isEmpty { return [] }
        guard let chunk = JSONDecoder.decodeLeniently(OpenAICompatibleProvider.Response.self, from: data.utf8) else {
            throw .malformedStream("a chunk is not valid JSON: \(redactor(data).truncated(to: 120))")
        }
        if let error = chunk.error {
            throw OpenAICompatibleProvider.inBandError(error, redactor: redactor)
        }
        var pieces: [StreamPiece] = []
        if let model = chunk.model, !model.isEmpty { pieces.append(.model(model)) }
        for choice in chunk.choices ?? [] where (choice.index ?? 0) == 0 {
            if let text = choice.delta?.content?.value ?? choice.message?.content?.value, !text.isEmpty {
                pieces.append(.text(text))
            }
            for (position, call) in (choice.delta?.tool_calls ?? choice.message?.tool_calls ?? []).enumerated() {
                let index = call.index ?? position
                let id = call.id?.value
                let name = call.function?.name?.value
                if id != nil || name != nil { pieces.append(.toolCallStart(index: index, id: id, name: name)) }
                if let fragment = call.function?.arguments?.text, !fragment.isEmpty {
                    pieces.append(.toolCallArguments(index: index, fragment: fragment))
                }
            }
            if let reason = choice.finish_reason, !reason.isEmpty { pieces.append(.finish(reason)) }
        }
        if let usage = chunk.usage {
            pieces.append(.usage(input: usage.prompt_tokens, output: usage.completion_tokens))
        }
        return pieces
    }
}

let jsonInstruction = "Answer with a single JSON object and nothing else."

/// Adds the JSON instruction to the first system message (or a new one in front): OpenAI's JSON mode
/// requires the word JSON in the prompt, and several local chat templates accept only one leading system message.
func withJSONInstruction(_ messages: [ChatMessage]) -> [ChatMessage] {
    var messages = messages
    if let index = messages.firstIndex(where: { $0.role == .system }) {
        messages[index].content += "\n\n" + jsonInstruction
    } else {
        messages.insert(.system(jsonInstruction), at: 0)
    }
    return messages
}
