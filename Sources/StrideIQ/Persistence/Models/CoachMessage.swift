import Fluent
import Foundation

/// One message of a thread — a row each, never a rewritten array. `seq` orders a thread (unique per thread,
/// allocated under the athlete's write lock). A turn inserts the user's message and an empty assistant
/// placeholder together; the placeholder is filled in when the answer ends (`finish_reason` is NULL while
/// the answer is still streaming).
final class CoachMessage: Model, ListedFields, @unchecked Sendable {
    static let schema = "coach_messages"

    enum Role: String, Codable, Sendable { case user, assistant }

    @ID(key: .id) var id: UUID?
    @Parent(key: "thread_id") var thread: CoachThread
    /// Denormalised from the thread for the daily budget count.
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "seq") var seq: Int
    @Field(key: "role") var role: Role
    @Field(key: "content") var content: String
    /// `stop|length|timeout|cancelled|error|shutting_down`; NULL while streaming (and for user messages).
    @OptionalField(key: "finish_reason") var finishReason: String?
    @OptionalField(key: "error_code") var errorCode: String?
    @OptionalField(key: "timed_out") var timedOut: Bool?
    @OptionalField(key: "input_tokens") var inputTokens: Int?
    @OptionalField(key: "output_tokens") var outputTokens: Int?
    @OptionalField(key: "provider") var provider: String?
    @OptionalField(key: "model") var model: String?
    /// `llm` or `offline`.
    @OptionalField(key: "source") var source: String?
    @OptionalField(key: "fallback_reason") var fallbackReason: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "completed_at") var completedAt: Date?

    init() {}

    init(id: UUID, threadID: UUID, athleteID: UUID, seq: Int, role: Role, content: String, now: Date) {
        self.id = id
        self.$thread.id = threadID
        self.$athlete.id = athleteID
        self.seq = seq
        self.role = role
        self.content = content
        self.createdAt = now
        if role == .user { self.completedAt = now }
    }

    /// `ListedFields`: every column property.
    var storedProperties: [any AnyDatabaseProperty] {
        [
            $id, $thread, $athlete, $seq, $role, $content, $finishReason, $errorCode, $timedOut, $inputTokens,
            $outputTokens, $provider, $model, $source, $fallbackReason, $createdAt, $completedAt,
        ]
    }
}
