import Foundation

/// How a `FakeLLMServer` answers a request. Plain value: change fields freely.
public struct FakeBehaviour: Sendable, Equatable {
    public enum Fault: Sendable, Equatable {
        /// Answer normally.
        case none
        /// Send the head and `afterTokens` tokens, then go silent (connection kept open).
        case stall(afterTokens: Int)
        /// HTTP 429 with `Retry-After: retryAfter` (omitted when nil) and a provider-shaped error body.
        case rateLimited(retryAfter: String?)
        /// HTTP `status` with a provider-shaped error body carrying `message`.
        case serverError(status: Int, message: String)
        /// After `afterTokens` tokens, a chunk that is not valid JSON (non-streaming: an invalid JSON body).
        case malformedChunk(afterTokens: Int)
        /// After `afterTokens` tokens, abort the connection with a TCP RST (0 = before any response byte).
        /// The peer's kernel drops whatever it received but had not yet handed to the client, so a client
        /// may see the reset without the tokens sent before it: use `closeEarly` when a test needs them read.
        case resetConnection(afterTokens: Int)
        /// After `afterTokens` tokens, close the connection cleanly without finishing the stream.
        case closeEarly(afterTokens: Int)
        /// After `afterTokens` tokens, an in-band error event (OpenAI `{"error":...}`, Anthropic `event: error`).
        case streamError(afterTokens: Int, message: String)
        /// Read the request and never answer (connection kept open).
        case neverAnswer
    }

    /// Content tokens streamed in order (the answer text is their concatenation).
    public var tokens: [String]
    /// Pause between two tokens.
    public var tokenDelay: Duration
    /// Pause before the first token (streaming: after the head and the preamble events were sent).
    public var firstTokenDelay: Duration
    /// Pause before the response head.
    public var headDelay: Duration
    public var fault: Fault
    /// Report usage (OpenAI: only when the request asked with `stream_options.include_usage`, like OpenAI).
    public var sendUsage: Bool
    public var inputTokens: Int
    /// Reported output tokens; `nil` = number of tokens.
    public var outputTokens: Int?
    /// Raw finish reason; `nil` = `stop` (OpenAI) / `end_turn` (Anthropic).
    public var finishReason: String?
    /// Model reported back; `nil` = the model of the request.
    public var model: String?
    /// Interleave keep-alive comments (OpenAI-style `: keep-alive`) and Anthropic `ping` events.
    public var keepAliveComments: Bool
    /// Write every SSE event in two pieces (split inside a multi-byte character when there is one).
    public var splitWrites: Bool
    /// Use CRLF instead of LF line ends in the event stream.
    public var crlfLineEnds: Bool
    /// OpenAI: leave out the final `data: [DONE]`.
    public var omitDone: Bool
    /// Answer streaming requests with one JSON body, as servers that ignore `stream: true` do.
    public var ignoreStreamFlag: Bool
    /// Streaming: instead of `tokens`, send this many chunks of `floodChunkBytes` ASCII letters each, as a
    /// provider that ignores `max_tokens` does (generated as they are sent, so a huge flood costs no memory).
    public var floodChunks: Int
    public var floodChunkBytes: Int
    /// Tool calls sent after `tokens` in every answer (finish reason `tool_calls` / `tool_use` unless
    /// `finishReason` says otherwise). Streamed as the providers do: the call's head, then its arguments in
    /// fragments of `toolArgumentChunkBytes` bytes.
    public var toolCalls: [FakeToolCall]
    /// A model that looks things up: decides per request, from the conversation it is sent, whether to ask for
    /// tools or to answer (see `FakeToolScript`). Overrides `tokens` and `toolCalls` when set.
    public var toolScript: FakeToolScript?
    public var toolArgumentChunkBytes: Int

    public init(
        tokens: [String] = FakeBehaviour.defaultTokens,
        tokenDelay: Duration = .zero,
        firstTokenDelay: Duration = .zero,
        headDelay: Duration = .zero,
        fault: Fault = .none,
        sendUsage: Bool = true,
        inputTokens: Int = 42,
        outputTokens: Int? = nil,
        finishReason: String? = nil,
        model: String? = nil,
        keepAliveComments: Bool = false,
        splitWrites: Bool = false,
        crlfLineEnds: Bool = false,
        omitDone: Bool = false,
        ignoreStreamFlag: Bool = false,
        floodChunks: Int = 0,
        floodChunkBytes: Int = 4096,
        toolCalls: [FakeToolCall] = [],
        toolScript: FakeToolScript? = nil,
        toolArgumentChunkBytes: Int = 5
    ) {
        self.tokens = tokens
        self.tokenDelay = tokenDelay
        self.firstTokenDelay = firstTokenDelay
        self.headDelay = headDelay
        self.fault = fault
        self.sendUsage = sendUsage
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.finishReason = finishReason
        self.model = model
        self.keepAliveComments = keepAliveComments
        self.splitWrites = splitWrites
        self.crlfLineEnds = crlfLineEnds
        self.omitDone = omitDone
        self.ignoreStreamFlag = ignoreStreamFlag
        self.floodChunks = floodChunks
        self.floodChunkBytes = floodChunkBytes
        self.toolCalls = toolCalls
        self.toolScript = toolScript
        self.toolArgumentChunkBytes = toolArgumentChunkBytes
    }

    /// A provider that streams far past any `max_tokens`: `chunks` chunks of `chunkBytes` bytes.
    public static func flood(chunks: Int = 5_000, chunkBytes: Int = 4096) -> FakeBehaviour {
        FakeBehaviour(floodChunks: chunks, floodChunkBytes: chunkBytes)
    }

    public static let defaultTokens = ["Easy", " run", " today", ":", " 8", " km", " at", " conversational", " pace", "."]

    /// A normal answer with the default tokens.
    public static let normal = FakeBehaviour()

    /// `count` word tokens (`" word1"`, `" word2"`, ...) for longer streams and benchmarks.
    public static func words(_ count: Int) -> [String] {
        (0..<max(0, count)).map { " word\($0 + 1)" }
    }

    /// The full answer text.
    public var text: String { self.tokens.joined() }

    /// Convenience: the default answer with `fault`.
    public static func failing(_ fault: Fault) -> FakeBehaviour {
        FakeBehaviour(fault: fault)
    }
}

/// A tool call the fake model asks for. `arguments` is sent as it is: it may be malformed JSON on purpose.
public struct FakeToolCall: Sendable, Equatable {
    public var name: String
    public var arguments: String
    /// `nil`: `call_<round>_<n>` (OpenAI) or `toolu_<round>_<n>` (Anthropic).
    public var id: String?

    public init(name: String, arguments: String = "{}", id: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.id = id
    }
}

/// A scripted model that calls tools. Each request is answered from the conversation it carries: while it
/// holds fewer than `rounds` answers with tool calls (and the request lets the model call tools, unless
/// `ignoresToolChoiceNone`), the answer is `calls`; after that it is text: `answerPrefix` followed by the
/// results of the last round's calls as the request carried them, joined by `" | "`, so a test can check that
/// the final text used what the tools returned.
public struct FakeToolScript: Sendable, Equatable {
    public var calls: [FakeToolCall]
    /// Rounds of calls before answering; `Int.max`: never answers on its own.
    public var rounds: Int
    /// Keep calling tools even when the request says `tool_choice: none` (a misbehaving model).
    public var ignoresToolChoiceNone: Bool
    public var answerPrefix: String

    public init(calls: [FakeToolCall], rounds: Int = 1, ignoresToolChoiceNone: Bool = false, answerPrefix: String = "From your data: ") {
        self.calls = calls
        self.rounds = rounds
        self.ignoresToolChoiceNone = ignoresToolChoiceNone
        self.answerPrefix = answerPrefix
    }
}

extension FakeBehaviour {
    /// First answer: a call to `tool` with `arguments`; then text that includes the tool's result.
    public static func callingTool(_ tool: String, arguments: String = "{}", rounds: Int = 1) -> FakeBehaviour {
        FakeBehaviour(toolScript: FakeToolScript(calls: [FakeToolCall(name: tool, arguments: arguments)], rounds: rounds))
    }

    /// Asks for a tool nobody declared, then answers with what it was told.
    public static let unknownTool = FakeBehaviour.callingTool("get_lottery_numbers", arguments: #"{"draw":"next"}"#)

    /// Asks for `tool` with arguments that are not JSON, then answers with what it was told.
    public static func malformedToolArguments(_ tool: String) -> FakeBehaviour {
        .callingTool(tool, arguments: #"{"days": 14,"#)
    }

    /// Asks for `tool` in every answer, even when told to answer without tools.
    public static func toolCallsForever(_ tool: String, arguments: String = "{}") -> FakeBehaviour {
        FakeBehaviour(
            toolScript: FakeToolScript(calls: [FakeToolCall(name: tool, arguments: arguments)], rounds: .max, ignoresToolChoiceNone: true))
    }
}

extension FakeBehaviour {
    /// The behaviour for one request: with a `toolScript`, its calls for this round (with ids) or its answer.
    func resolved(for request: FakeRequest) -> FakeBehaviour {
        guard let script = self.toolScript else { return self }
        var behaviour = self
        behaviour.toolScript = nil
        let conversation = FakeConversation(request)
        let mayCall = conversation.declaresTools && (!conversation.toolChoiceNone || script.ignoresToolChoiceNone)
        if mayCall && conversation.toolRounds < script.rounds {
            let prefix = request.wireFormat == .anthropic ? "toolu" : "call"
            behaviour.tokens = []
            behaviour.toolCalls = script.calls.enumerated().map { position, call in
                var call = call
                if call.id == nil { call.id = "\(prefix)_\(conversation.toolRounds + 1)_\(position)" }
                return call
            }
            return behaviour
        }
        let results = conversation.lastToolResults
        let answer = script.answerPrefix + (results.isEmpty ? "no tool results" : results.joined(separator: " | "))
        // Streamed in small pieces, as a model would.
        var tokens: [String] = []
        var rest = Substring(answer)
        while !rest.isEmpty {
            tokens.append(String(rest.prefix(12)))
            rest = rest.dropFirst(12)
        }
        behaviour.tokens = tokens
        behaviour.toolCalls = []
        return behaviour
    }
}

/// What a fake model reads from a request's conversation (both wire formats).
struct FakeConversation {
    var declaresTools = false
    var toolChoiceNone = false
    /// Earlier answers of the model that called tools.
    var toolRounds = 0
    /// The results at the end of the conversation, in order.
    var lastToolResults: [String] = []

    init(_ request: FakeRequest) {
        guard let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else { return }
        self.declaresTools = !((body["tools"] as? [Any]) ?? []).isEmpty
        let messages = (body["messages"] as? [[String: Any]]) ?? []
        if request.wireFormat == .anthropic {
            self.toolChoiceNone = ((body["tool_choice"] as? [String: Any])?["type"] as? String) == "none"
            for message in messages where message["role"] as? String == "assistant" {
                let blocks = (message["content"] as? [[String: Any]]) ?? []
                if blocks.contains(where: { $0["type"] as? String == "tool_use" }) { self.toolRounds += 1 }
            }
            if let last = messages.last, last["role"] as? String == "user", let blocks = last["content"] as? [[String: Any]] {
                self.lastToolResults = blocks.filter { $0["type"] as? String == "tool_result" }.map { block in
                    if let text = block["content"] as? String { return text }
                    let parts = (block["content"] as? [[String: Any]]) ?? []
                    return parts.compactMap { $0["text"] as? String }.joined()
                }
            }
        } else {
            self.toolChoiceNone = (body["tool_choice"] as? String) == "none"
            for message in messages where message["role"] as? String == "assistant" {
                if !((message["tool_calls"] as? [Any]) ?? []).isEmpty { self.toolRounds += 1 }
            }
            // The results after the last answer that called tools (a user message may follow them).
            if let last = messages.lastIndex(where: {
                $0["role"] as? String == "assistant" && !(($0["tool_calls"] as? [Any]) ?? []).isEmpty
            }) {
                self.lastToolResults = messages[(last + 1)...].filter { $0["role"] as? String == "tool" }.map {
                    ($0["content"] as? String) ?? ""
                }
            }
        }
    }
}
