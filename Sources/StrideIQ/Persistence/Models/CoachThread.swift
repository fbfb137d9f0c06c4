import Fluent
import Foundation

/// A coach conversation. At most one `open` thread per athlete (partial unique index); it closes after
/// 24 h without a message (checked when the next turn starts) or on `POST /v1/coach/new-conversation`.
final class CoachThread: Model, @unchecked Sendable {
    static let schema = "coach_threads"

    enum Status: String, Codable, Sendable { case open, closed }
    enum ClosedReason: String, Codable, Sendable {
        case idle
        case newConversation = "new_conversation"
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "status") var status: Status
    @OptionalField(key: "title") var title: String?
    @OptionalField(key: "closed_reason") var closedReason: ClosedReason?
    // Timestamps come from the app clock (tests move it), not Fluent's `@Timestamp`.
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_message_at") var lastMessageAt: Date
    @OptionalField(key: "closed_at") var closedAt: Date?

    init() {}

    init(athleteID: UUID, title: String?, now: Date) {
        self.$athlete.id = athleteID
        self.status = .open
        self.title = title
        self.createdAt = now
        self.lastMessageAt = now
    }
}
