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
        floodChunkBytes: Int = 4096
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
