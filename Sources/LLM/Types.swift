import Foundation

/// One message of a chat.
public struct ChatMessage: Sendable, Equatable, Hashable {
    public enum Role: String, Sendable, Equatable, Hashable, CaseIterable {
        /// `tool`: the result of one of the assistant's tool calls (`toolCallID` says which).
        case system, user, assistant, tool
    }

    public var role: Role
    public var content: String
    /// Assistant messages: the tool calls the model asked for (with `content` as the text before them).
    public var toolCalls: [ToolCall]
    /// Tool messages: the id of the call this is the result of.
    public var toolCallID: String?

    public init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    /// The assistant's answer that asked for `calls`.
    public static func assistant(_ content: String, toolCalls: [ToolCall]) -> ChatMessage {
        ChatMessage(role: .assistant, content: content, toolCalls: toolCalls)
    }

    /// The result of the call `callID`, as text (usually JSON).
    public static func toolResult(callID: String, content: String) -> ChatMessage {
        ChatMessage(role: .tool, content: content, toolCallID: callID)
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: .assistant, content: content) }
}

/// What to ask a provider.
public struct ChatRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    public var maxTokens: Int
    /// `nil` leaves the provider's default (some reasoning models reject any other value).
    public var temperature: Double?
    /// Ask for a single JSON object (OpenAI-compatible: `response_format: json_object`; Anthropic: a system
    /// instruction; offline: a JSON object built from `facts`).
    public var wantsJSON: Bool
    /// Plain statements the caller knows to be true. The offline provider writes its answer from them;
    /// HTTP providers ignore them (put what the model should know into `messages`).
    public var facts: [String]
    /// Streaming: the consumer's flow control (see `StreamFlow`); `nil` reads as fast as the provider sends.
    public var flow: StreamFlow?
    /// Tools the model may call (HTTP providers declare them; the offline provider ignores them and answers).
    public var tools: [ToolDefinition]
    /// With `tools`: whether the model may call one on this request.
    public var toolChoice: ToolChoice

    public init(
        messages: [ChatMessage],
        maxTokens: Int = 1024,
        temperature: Double? = nil,
        wantsJSON: Bool = false,
        facts: [String] = [],
        flow: StreamFlow? = nil,
        tools: [ToolDefinition] = [],
        toolChoice: ToolChoice = .auto
    ) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.wantsJSON = wantsJSON
        self.facts = facts
        self.flow = flow
        self.tools = tools
        self.toolChoice = toolChoice
    }

    /// A generous UTF-8 size of one token: English averages about 4 bytes a token, CJK and Cyrillic text 3–6,
    /// so 16 leaves room for any real answer of `maxTokens` while bounding one that is not.
    public static let bytesPerTokenBound = 16

    /// The most answer text a provider may send for this request: `maxTokens` × `bytesPerTokenBound`. A
    /// provider that streams past it (it ignored `max_tokens`) is cut off there with finish reason `length`.
    public var maxOutputBytes: Int { max(1, maxTokens) * Self.bytesPerTokenBound }

    /// The longest prefix of `text` (whole characters) that fits in `bytes` UTF-8 bytes.
    public static func prefix(of text: String, fittingIn bytes: Int) -> Substring {
        guard text.utf8.count > bytes else { return text[...] }
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let size = text[index].utf8.count
            if used + size > bytes { break }
            used += size
            end = text.index(after: index)
        }
        return text[..<end]
    }
}

/// Normalised finish reason; the provider's own value is kept in `ChatCompletion.rawFinishReason`.
public enum FinishReason: String, Sendable, Equatable, CaseIterable {
    case stop, length, error, cancelled, timeout

    /// Maps OpenAI (`stop`, `length`, `content_filter`, `tool_calls`), Anthropic (`end_turn`, `max_tokens`,
    /// `stop_sequence`, `tool_use`, `refusal`) and common local-server values.
    public static func normalise(_ raw: String?) -> FinishReason {
        switch raw?.lowercased() {
        case nil, "stop", "end_turn", "stop_sequence", "eos", "tool_calls", "tool_use", "function_call", "pause_turn":
            .stop
        case "length", "max_tokens", "model_context_window_exceeded":
            .length
        case "content_filter", "refusal", "error":
            .error
        default:
            .stop
        }
    }
}

/// Token counts, when the provider reports them.
public struct TokenUsage: Sendable, Equatable {
    public var inputTokens: Int?
    public var outputTokens: Int?

    public init(inputTokens: Int? = nil, outputTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// Where an answer came from: a model, or the deterministic offline writer.
public enum CompletionSource: String, Sendable, Equatable {
    case llm
    case offline
}

/// A provider of the chain that failed before another one answered.
public struct FailedAttempt: Sendable, Equatable {
    public var chainIndex: Int
    public var provider: String
    public var model: String
    public var error: LLMError
    public var elapsed: Duration
}

/// A finished answer and everything the caller learns about the call.
public struct ChatCompletion: Sendable, Equatable {
    public var text: String
    /// `openai`, `anthropic` or `offline`.
    public var provider: String
    public var model: String
    public var source: CompletionSource
    /// 0 = the primary answered; n = the n-th fallback of a `FallbackChain` answered.
    public var chainIndex: Int
    /// From the start of this provider's call to the end of the answer.
    public var latency: Duration
    /// From the start of this provider's call to the first content token (non-streaming: the whole answer).
    public var timeToFirstToken: Duration?
    public var usage: TokenUsage
    public var finishReason: FinishReason
    public var rawFinishReason: String?
    /// Why a fallback or the offline writer answered (an `LLMError.code` of the failure before it, or the
    /// offline provider's own reason such as `no_llm_configured`). `nil` when the primary model answered.
    public var fallbackReason: String?
    /// Providers of the chain that failed before this answer, in order.
    public var failedAttempts: [FailedAttempt]
    /// The tools the model asked to call (its finish reason is then `tool_calls` / `tool_use`), within
    /// `ToolLimits`; empty for a plain answer.
    public var toolCalls: [ToolCall] = []
    /// Calls the model asked for past `ToolLimits.maxCallsPerRound`, dropped.
    public var droppedToolCalls = 0

    public init(
        text: String,
        provider: String,
        model: String,
        source: CompletionSource,
        chainIndex: Int = 0,
        latency: Duration,
        timeToFirstToken: Duration?,
        usage: TokenUsage = TokenUsage(),
        finishReason: FinishReason,
        rawFinishReason: String? = nil,
        fallbackReason: String? = nil,
        failedAttempts: [FailedAttempt] = []
    ) {
        self.text = text
        self.provider = provider
        self.model = model
        self.source = source
        self.chainIndex = chainIndex
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.usage = usage
        self.finishReason = finishReason
        self.rawFinishReason = rawFinishReason
        self.fallbackReason = fallbackReason
        self.failedAttempts = failedAttempts
    }
}

/// One element of a streamed answer: text chunks as they arrive, then exactly one `.done` carrying the
/// whole text and the metadata. A failure ends the sequence by throwing an `LLMError` instead.
public enum StreamEvent: Sendable, Equatable {
    case delta(String)
    case done(ChatCompletion)
}

public typealias LLMStream = AsyncThrowingStream<StreamEvent, any Error>

/// Kinds of provider a setting can name.
public enum LLMProviderKind: String, Sendable, Equatable, CaseIterable {
    case offline
    /// Any OpenAI-compatible Chat Completions server (OpenAI, Gemini's OpenAI endpoint, Ollama, vLLM,
    /// llama.cpp's server, LiteLLM, ...).
    case openai
    case anthropic
}

/// What a provider is, safe to log (never contains a key).
public struct ProviderDescriptor: Sendable, Equatable, CustomStringConvertible {
    public var kind: LLMProviderKind
    public var model: String
    /// Base URL without credentials; `nil` for offline.
    public var baseURL: String?

    public init(kind: LLMProviderKind, model: String, baseURL: String?) {
        self.kind = kind
        self.model = model
        self.baseURL = baseURL
    }

    public var name: String { self.kind.rawValue }

    public var description: String {
        if let baseURL { "\(self.kind.rawValue)(\(self.model) @ \(baseURL))" } else { "\(self.kind.rawValue)(\(self.model))" }
    }
}

/// The one small protocol of this library.
///
/// Every call carries a call-site `deadline`; implementations also apply their own client-level timeouts
/// (`LLMTimeouts`) and end no later than the deadline. Errors are always `LLMError`.
public protocol LLMProvider: Sendable {
    var descriptor: ProviderDescriptor { get }

    /// Non-streaming answer. Throws `LLMError`.
    func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> ChatCompletion

    /// Streaming answer: `.delta` chunks as they arrive, then one `.done`; throws `LLMError` on failure.
    /// Cancelling the consuming task, or dropping the stream, cancels the HTTP request and closes its connection.
    /// (As with any `AsyncThrowingStream`, a cancelled consumer's `for try await` loop simply ends without
    /// `.done`: check `Task.isCancelled` after the loop.)
    func stream(_ request: ChatRequest, deadline: ContinuousClock.Instant) -> LLMStream
}

extension LLMProvider {
    /// `complete` with a deadline `timeout` from now.
    public func complete(_ request: ChatRequest, timeout: Duration) async throws -> ChatCompletion {
        try await self.complete(request, deadline: .now + timeout)
    }

    /// `stream` with a deadline `timeout` from now.
    public func stream(_ request: ChatRequest, timeout: Duration) -> LLMStream {
        self.stream(request, deadline: .now + timeout)
    }
}

extension AsyncThrowingStream where Element == StreamEvent, Failure == any Error {
    /// Consumes the stream and returns its final completion. Throws `LLMError`.
    public func collect() async throws -> ChatCompletion {
        do {
            for try await event in self {
                if case .done(let completion) = event { return completion }
            }
        } catch {
            throw LLMError(error)
        }
        throw LLMError.malformedStream("the stream ended without a result")
    }
}
