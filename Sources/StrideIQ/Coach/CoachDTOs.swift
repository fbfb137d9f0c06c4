import Foundation
import StrideIQCore
import StrideIQSupport

/// `POST /v1/coach/chat` and `/chat/stream`: `{message, include_context?}`. The original's
/// `is_synthetic_probe` and `finding_id` are accepted and ignored.
struct CoachChatBody: RequestBody {
    static let messageLength = 1...4_000

    let message: String
    let includeContext: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case message
        case includeContext = "include_context"
    }

    static var ignoredFields: Set<String> { ["is_synthetic_probe", "finding_id"] }

    func validate(into v: inout FieldValidator) {
        // Unicode code points, as the API counts every string length.
        let count = message.unicodeScalars.count
        if count < Self.messageLength.lowerBound || message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            v.fail("message", "must not be empty")
        } else if count > Self.messageLength.upperBound {
            v.fail("message", "must be at most \(Self.messageLength.upperBound) characters")
        }
    }
}

/// The whole-answer chat's response (the original's field names where they carry over).
struct CoachChatResponse: Encodable, Sendable {
    let response: String
    let threadID: UUID
    let messageID: UUID
    let userMessageID: UUID
    let error: Bool
    @Nullable var errorCode: String?
    @Nullable var errorMessage: String?
    let timedOut: Bool
    let finishReason: CoachFinishReason
    let usage: CoachUsageDTO
    let provider: String
    let model: String
    @Nullable var source: String?
    @Nullable var fallbackReason: String?
    let elapsedMs: Int
    /// As in the stream's `done`: distinct tools in first-call order, and their count.
    let toolsUsed: [String]
    let toolCount: Int

    enum CodingKeys: String, CodingKey {
        case toolsUsed = "tools_used", toolCount = "tool_count"
        case response, error, usage, provider, model, source
        case threadID = "thread_id", messageID = "message_id", userMessageID = "user_message_id"
        case errorCode = "error_code", errorMessage = "error_message", timedOut = "timed_out"
        case finishReason = "finish_reason", fallbackReason = "fallback_reason", elapsedMs = "elapsed_ms"
    }

    init(began: CoachStore.BeganTurn, output: CoachTurnOutput) {
        response = output.text
        threadID = began.threadID
        messageID = began.assistantMessageID
        userMessageID = began.userMessageID
        error = output.isError
        errorCode = output.errorCode
        errorMessage = output.errorMessage
        timedOut = output.timedOut
        finishReason = output.finishReason
        usage = CoachUsageDTO(output.usage)
        provider = output.provider
        model = output.model
        source = output.source
        fallbackReason = output.fallbackReason
        elapsedMs = Int(output.elapsed.milliseconds)
        toolsUsed = output.toolsUsed
        toolCount = output.toolsUsed.count
    }
}

struct NewConversationResponse: Encodable, Sendable {
    let ok: Bool
    @Nullable var closedThreadID: UUID?
    enum CodingKeys: String, CodingKey { case ok, closedThreadID = "closed_thread_id" }
}

/// One message of `GET /v1/coach/history`.
struct CoachMessageDTO: Encodable, Sendable {
    let id: UUID
    let role: String
    let content: String
    let createdAt: Date
    @Nullable var completedAt: Date?
    /// Assistant messages: how the answer ended (`stop|length|timeout|cancelled|error|shutting_down`).
    @Nullable var finishReason: String?
    @Nullable var errorCode: String?
    @Nullable var timedOut: Bool?
    @Nullable var usage: CoachUsageDTO?
    @Nullable var provider: String?
    @Nullable var model: String?
    @Nullable var source: String?
    @Nullable var fallbackReason: String?

    enum CodingKeys: String, CodingKey {
        case id, role, content, usage, provider, model, source
        case createdAt = "created_at", completedAt = "completed_at", finishReason = "finish_reason"
        case errorCode = "error_code", timedOut = "timed_out", fallbackReason = "fallback_reason"
    }

    init(_ row: CoachMessage) {
        id = row.id!
        role = row.role.rawValue
        content = row.content
        createdAt = row.createdAt
        completedAt = row.completedAt
        finishReason = row.finishReason
        errorCode = row.errorCode
        timedOut = row.timedOut
        usage = row.role == .assistant ? CoachUsageDTO(inputTokens: row.inputTokens, outputTokens: row.outputTokens) : nil
        provider = row.provider
        model = row.model
        source = row.source
        fallbackReason = row.fallbackReason
    }
}

struct CoachHistoryResponse: Encodable, Sendable {
    /// The current thread; null when there is none (never used, closed, or idle for 24 h).
    @Nullable var threadID: UUID?
    let messages: [CoachMessageDTO]
    enum CodingKeys: String, CodingKey { case messages, threadID = "thread_id" }
}

/// `GET /v1/coach/context`: exactly the system prompt a chat turn sends (for `days` = 14, the chat's window).
struct CoachContextResponse: Encodable, Sendable {
    let context: String
    let days: Int
    let chars: Int
    let maxChars: Int
    let truncated: Bool
    /// The short statements the offline provider answers from.
    let facts: [String]

    enum CodingKeys: String, CodingKey { case context, days, chars, truncated, facts, maxChars = "max_chars" }

    init(context: CoachContext) {
        self.context = context.systemPrompt
        days = context.runDays
        chars = context.systemPrompt.count
        maxChars = CoachContextBuilder.maxChars
        truncated = context.truncated
        facts = context.facts
    }
}

struct CoachSuggestionsResponse: Encodable, Sendable {
    let suggestions: [CoachSuggestions.Suggestion]
}
