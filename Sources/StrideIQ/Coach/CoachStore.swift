import Fluent
import Foundation
import LLM

/// Threads and messages in the database. Every read-then-write is a `write(athlete:)`, so concurrent turns of
/// one athlete get distinct `seq` numbers on the one open thread and no message is lost.
struct CoachStore: Sendable {
    /// A thread with no message for this long is closed when the next turn starts.
    static let idleThreadTimeout: TimeInterval = 24 * 3600
    /// Earlier messages the model sees with each turn, each cut to `historyMessageChars`.
    static let historyMessages = 10
    static let historyMessageChars = 2_000
    static let titleChars = 80

    /// The most answer text a message row keeps (UTF-8 bytes): the coach's length cap
    /// (`COACH_MAX_OUTPUT_TOKENS` × `ChatRequest.bytesPerTokenBound`). The turn never produces more; this keeps
    /// the row bounded whatever the turn produced.
    let maxAnswerBytes: Int

    struct BeganTurn: Sendable {
        let threadID: UUID
        let userMessageID: UUID
        let assistantMessageID: UUID
        /// Earlier messages of the thread, oldest first (non-empty ones, at most `historyMessages`).
        let history: [ChatMessage]
    }

    /// Checks the daily budget, finds or opens the thread (closing it first if idle), and saves the user's
    /// message plus an empty assistant placeholder — all in one transaction, before anything streams.
    ///
    /// Every statement here runs while the athlete's write lock (and on SQLite the file's one writer) is held,
    /// and it is on the path to the first delta, so it asks only what it must: a new thread has no history
    /// and no messages to number after (no query for either), is created already touched (no second write),
    /// and the two messages go in as one insert.
    func beginTurn(athleteID: UUID, message: String, now: Date, dailyBudget: Int, on db: any Database) async throws -> BeganTurn {
        try await db.write(athlete: athleteID) { tx in
            let dayStart = Self.utcDayStart(now)
            let used = try await CoachMessage.query(on: tx)
                .filter(\.$athlete.$id == athleteID).filter(\.$role == .user).filter(\.$createdAt >= dayStart)
                .count()
            guard used < dailyBudget else {
                let reset = dayStart.addingTimeInterval(86_400)
                var error = APIError.tooManyRequests(
                    code: .coachBudgetExhausted,
                    detail: "You've reached your daily coaching limit of \(dailyBudget) messages. It resets at midnight UTC.",
                    retryAfter: Int(reset.timeIntervalSince(now).rounded(.up)))
                error.extra = ["resets_at": JSONCoding.formatTimestamp(reset)]
                throw error
            }

            var thread = try await Self.openThread(athleteID: athleteID, on: tx)
            if let current = thread, now.timeIntervalSince(current.lastMessageAt) >= Self.idleThreadTimeout {
                try await Self.close(current, reason: .idle, now: now, on: tx)
                thread = nil
            }
            let threadID: UUID
            let history: [CoachMessage]
            let lastSeq: Int
            if let active = thread {
                threadID = try active.requireID()
                history = try await CoachMessage.query(on: tx)
                    .filter(\.$thread.$id == threadID).filter(\.$content != "")
                    .sort(\.$seq, .descending).limit(Self.historyMessages).all()
                lastSeq = try await CoachMessage.query(on: tx).filter(\.$thread.$id == threadID).max(\.$seq) ?? 0
                active.lastMessageAt = now
                try await active.save(on: tx)
            } else {
                let active = CoachThread(athleteID: athleteID, title: Self.title(from: message), now: now)
                active.id = UUID()
                try await active.create(on: tx)
                threadID = try active.requireID()
                history = []
                lastSeq = 0
            }

            let user = CoachMessage(
                id: UUID(), threadID: threadID, athleteID: athleteID, seq: lastSeq + 1,
                role: .user, content: message, now: now)
            let assistant = CoachMessage(
                id: UUID(), threadID: threadID, athleteID: athleteID, seq: lastSeq + 2,
                role: .assistant, content: "", now: now)
            try await [user, assistant].create(on: tx)

            return BeganTurn(
                threadID: threadID, userMessageID: user.id!, assistantMessageID: assistant.id!,
                history: history.reversed().map { row in
                    let text =
                        row.content.count > Self.historyMessageChars
                        ? String(row.content.prefix(Self.historyMessageChars)) + "…" : row.content
                    return ChatMessage(role: row.role == .user ? .user : .assistant, content: text)
                })
        }
    }

    /// Fills in the assistant's placeholder with the answer (complete or partial) and how it ended.
    func finishTurn(_ began: BeganTurn, output: CoachTurnOutput, now: Date, on db: any Database) async throws {
        try await db.write { tx in
            try await CoachMessage.query(on: tx)
                .filter(\.$id == began.assistantMessageID)
                .set(\.$content, to: String(ChatRequest.prefix(of: output.text, fittingIn: maxAnswerBytes)))
                .set(\.$finishReason, to: output.finishReason.rawValue)
                .set(\.$errorCode, to: output.errorCode)
                .set(\.$timedOut, to: output.timedOut)
                .set(\.$inputTokens, to: output.usage.inputTokens)
                .set(\.$outputTokens, to: output.usage.outputTokens)
                .set(\.$provider, to: output.provider)
                .set(\.$model, to: output.model)
                .set(\.$source, to: output.source)
                .set(\.$fallbackReason, to: output.fallbackReason)
                .set(\.$completedAt, to: now)
                .update()
            try await CoachThread.query(on: tx)
                .filter(\.$id == began.threadID)
                .filter(\.$lastMessageAt < now)
                .set(\.$lastMessageAt, to: now)
                .update()
        }
    }

    /// The athlete's current thread (open and not idle) and its last `limit` messages, oldest first. Messages
    /// without content (an answer still streaming, or one that produced nothing) are left out.
    func history(athleteID: UUID, limit: Int, now: Date, on db: any Database) async throws -> (CoachThread?, [CoachMessage]) {
        guard let thread = try await Self.openThread(athleteID: athleteID, on: db),
            now.timeIntervalSince(thread.lastMessageAt) < Self.idleThreadTimeout
        else { return (nil, []) }
        let rows = try await CoachMessage.query(on: db)
            .filter(\.$thread.$id == thread.requireID()).filter(\.$content != "")
            .sort(\.$seq, .descending).limit(limit).all()
        return (thread, rows.reversed())
    }

    /// Closes the athlete's open thread; the next message starts a new one. Returns the closed thread's id.
    func newConversation(athleteID: UUID, now: Date, on db: any Database) async throws -> UUID? {
        try await db.write(athlete: athleteID) { tx in
            guard let thread = try await Self.openThread(athleteID: athleteID, on: tx) else { return nil }
            let idle = now.timeIntervalSince(thread.lastMessageAt) >= Self.idleThreadTimeout
            let reason: CoachThread.ClosedReason = idle ? .idle : .newConversation
            try await Self.close(thread, reason: reason, now: now, on: tx)
            return thread.id
        }
    }

    static func openThread(athleteID: UUID, on db: any Database) async throws -> CoachThread? {
        try await CoachThread.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$status == .open)
            .sort(\.$lastMessageAt, .descending).first()
    }

    static func close(_ thread: CoachThread, reason: CoachThread.ClosedReason, now: Date, on db: any Database) async throws {
        thread.status = .closed
        thread.closedReason = reason
        thread.closedAt = now
        try await thread.save(on: db)
    }

    static func title(from message: String) -> String {
        let flat = message.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count <= titleChars ? flat : String(flat.prefix(titleChars - 1)) + "…"
    }

    static func utcDayStart(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
    }
}
