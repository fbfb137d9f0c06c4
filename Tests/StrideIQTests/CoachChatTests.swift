import Fluent
import Foundation
import LLM
import LLMFakeServer
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

/// Coach admission (consent, validation, caps, budget), threads and history.
@Suite("Coach chat")
struct CoachChatTests {
    // MARK: admission

    @Test(arguments: TestBackend.available)
    func withoutConsentEveryChatIsRefusedAndNothingIsSaved(_ backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            expectError(try await t.chat(s), .forbidden, code: "ai_consent_required")
            let stream = try await t.request(.POST, "/v1/coach/chat/stream", json: ["message": "hi"], token: s.accessToken)
            expectError(stream, .forbidden, code: "ai_consent_required")
            // Consent is checked before the body.
            expectError(
                try await t.request(.POST, "/v1/coach/chat", json: ["message": ""], token: s.accessToken), .forbidden,
                code: "ai_consent_required")
            #expect(try await CoachMessage.query(on: t.app.db).count() == 0)
            #expect(try await CoachThread.query(on: t.app.db).count() == 0)
            // Unauthenticated: 401 as everywhere.
            expectError(try await t.request(.POST, "/v1/coach/chat/stream", json: ["message": "hi"]), .unauthorized)
        }
    }

    @Test func messageMustBe1To4000CharactersAndKnownFieldsOnly() async throws {
        try await TestApp.with(.sqlite) { t in
            let s = try await t.registerWithConsent()
            for path in ["/v1/coach/chat", "/v1/coach/chat/stream"] {
                for bad: JSON in [
                    ["message": ""], ["message": "   \n "], ["message": .string(String(repeating: "a", count: 4_001))],
                    [:], ["message": 5], ["message": "hi", "bogus": 1],
                ] {
                    let reply = try await t.request(.POST, path, json: bad, token: s.accessToken)
                    expectError(reply, .unprocessableEntity, code: "validation_error")
                }
                let raw = try await t.request(.POST, path, raw: "{not json", token: s.accessToken)
                expectError(raw, .badRequest, code: "invalid_json")
            }
            #expect(try await CoachMessage.query(on: t.app.db).count() == 0)
            // 4,000 code points is fine (emoji count as one each); the original's extra fields are tolerated.
            let longest = try await t.chat(s, String(repeating: "🏃", count: 4_000))
            #expect(longest.status == .ok, "\(longest.text)")
            let probe = try await t.request(
                .POST, "/v1/coach/chat", json: ["message": "hi", "is_synthetic_probe": true, "finding_id": "x"],
                token: s.accessToken)
            #expect(probe.status == .ok)
            #expect(probe.json["source"].string == "offline")
            #expect(probe.json["fallback_reason"].string == "no_llm_configured")
            #expect(probe.json["response"].string?.hasPrefix(OfflineProvider.heading) == true)
            // history?limit is clamped to 1–500; not a number is a 422.
            #expect(try await t.history(s, limit: 0).json["messages"].array.count == 1)
            #expect(try await t.history(s, limit: 100_000).json["messages"].array.count == 4)
            expectError(try await t.request(.GET, "/v1/coach/history?limit=abc", token: s.accessToken), .unprocessableEntity)
        }
    }

    @Test func perAthleteAndPerProcessCapsAnswer429CoachBusy() async throws {
        try await TestApp.withCoach(
            .sqlite, .failing(.neverAnswer), ceiling: 30,
            config: {
                $0.coachMaxStreams = 3
                $0.coachMaxStreamsPerAthlete = 2
            }
        ) { t, _ in
            let a = try await t.registerWithConsent()
            let b = try await t.registerWithConsent()
            let c = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let started = Collected<String>()
                try await withThrowingTaskGroup(of: CoachStreamResult.self) { group in
                    for session in [a, a, b] {
                        group.addTask {
                            try await live.stream(
                                token: session.accessToken, onFrame: { if $0.event == "meta" { started.append($0.event) } })
                        }
                    }
                    let end = ContinuousClock.now + .seconds(5)
                    while started.all.count < 3 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
                    #expect(t.app.coach.streams.openCount == 3)

                    // A's third turn: the athlete cap (whole-answer chat counts too).
                    for reply in [
                        try await t.chat(a),
                        try await t.request(.POST, "/v1/coach/chat/stream", json: ["message": "hi"], token: a.accessToken),
                    ] {
                        expectError(reply, .tooManyRequests, code: "coach_busy")
                        #expect(reply.headers.first(name: "Retry-After") == "5")
                        #expect(reply.json["detail"].string?.contains("already") == true)
                    }
                    // B's second and C's first: the process cap.
                    for reply in [try await t.chat(b), try await t.chat(c)] {
                        expectError(reply, .tooManyRequests, code: "coach_busy")
                        #expect(reply.headers.first(name: "Retry-After") != nil)
                    }
                    // Refused turns wrote nothing: 3 turns × (user + placeholder).
                    #expect(try await CoachMessage.query(on: t.app.db).count() == 6)
                    #expect(t.app.metrics.value("coach_refused_total", ["code": "coach_busy"]) == 4)

                    await t.app.coach.shutdown(grace: .seconds(2))
                    for try await result in group { #expect(result.done["finish_reason"].string == "shutting_down") }
                }
                #expect(await t.waitForNoOpenStreams())
                #expect(t.app.coach.streams.openCount(athleteID: UUID(uuidString: a.athleteID)!) == 0)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func dailyBudgetAnswers429UntilMidnightUTC(_ backend: TestBackend) async throws {
        // 18:00 UTC: the budget resets in 6 h.
        let clock = TestClock(Date(timeIntervalSince1970: 1_795_000_000).addingTimeInterval(0))
        let start = CoachStore.utcDayStart(clock.now()).addingTimeInterval(18 * 3600)
        clock.advance(by: start.timeIntervalSince(clock.now()))
        try await TestApp.with(backend, config: { $0.coachDailyMessageBudget = 2 }, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.registerWithConsent()
            let other = try await t.registerWithConsent()
            #expect(try await t.chat(s).status == .ok)
            #expect(try await t.chat(s).status == .ok)
            let refused = try await t.chat(s)
            expectError(refused, .tooManyRequests, code: "coach_budget_exhausted")
            #expect(refused.headers.first(name: "Retry-After") == "\(6 * 3600)")
            #expect(refused.json["resets_at"].string != nil)
            let stream = try await t.request(.POST, "/v1/coach/chat/stream", json: ["message": "hi"], token: s.accessToken)
            expectError(stream, .tooManyRequests, code: "coach_budget_exhausted")
            #expect(try await t.history(s).json["messages"].array.count == 4, "refused turns save nothing")
            // Budgets are per athlete.
            #expect(try await t.chat(other).status == .ok)
            // After midnight UTC (7 h later: the thread is not idle) the athlete can ask again, on the same thread.
            let threadID = try await t.history(s).json["thread_id"].string
            clock.advance(by: 7 * 3600)
            let again = try await t.relogin(s)
            #expect(try await t.chat(again).status == .ok)
            let history = try await t.history(again).json
            #expect(history["messages"].array.count == 6)
            #expect(history["thread_id"].string == threadID)
        }
    }

    // MARK: threads and history

    @Test(arguments: TestBackend.available)
    func twoConcurrentTurnsOnOneThreadLoseNoMessage(_ backend: TestBackend) async throws {
        try await TestApp.withCoach(backend, FakeBehaviour(tokens: FakeBehaviour.words(4), tokenDelay: .milliseconds(20))) { t, _ in
            let s = try await t.registerWithConsent()
            var turns: [(user: String, assistant: String, question: String)] = []
            for round in 0..<3 {
                let replies = try await withThrowingTaskGroup(of: (String, Reply).self) { group in
                    for n in 0..<2 {
                        let question = "round \(round) question \(n)"
                        group.addTask { (question, try await t.chat(s, question)) }
                    }
                    var replies: [(String, Reply)] = []
                    for try await reply in group { replies.append(reply) }
                    return replies
                }
                for (question, reply) in replies {
                    #expect(reply.status == .ok, "\(reply.text)")
                    let user = try #require(reply.json["user_message_id"].string)
                    let assistant = try #require(reply.json["message_id"].string)
                    turns.append((user, assistant, question))
                }
            }
            let history = try await t.history(s, limit: 500).json
            let messages = history["messages"].array
            #expect(messages.count == 12)
            #expect(Set(messages.compactMap { $0["id"].string }) == Set(turns.flatMap { [$0.user, $0.assistant] }))
            // In order: each question is followed by its own answer.
            for (index, message) in messages.enumerated() {
                #expect(message["role"].string == (index % 2 == 0 ? "user" : "assistant"))
                if index % 2 == 0 {
                    let turn = try #require(turns.first { $0.user == message["id"].string })
                    #expect(message["content"].string == turn.question)
                    #expect(messages[index + 1]["id"].string == turn.assistant)
                    #expect(messages[index + 1]["content"].string == FakeBehaviour.words(4).joined())
                }
            }
            let rows = try await CoachMessage.query(on: t.app.db).sort(\.$seq).all()
            #expect(rows.map(\.seq) == Array(1...12))
            #expect(Set(rows.map { $0.$thread.id }).count == 1)
            #expect(try await CoachThread.query(on: t.app.db).count() == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func threadsCloseOnNewConversationAndAfter24HoursIdle(_ backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.withCoach(backend, .normal, overrides: AppOverrides(now: clock.now)) { t, fake in
            let s = try await t.registerWithConsent()
            let none = try await t.request(.POST, "/v1/coach/new-conversation", token: s.accessToken)
            #expect(none.status == .ok)
            #expect(none.json["ok"].bool == true)
            #expect(none.json["closed_thread_id"].isNull)

            let first = try await t.chat(s, "first question").json
            let threadA = try #require(first["thread_id"].string)
            let closed = try await t.request(.POST, "/v1/coach/new-conversation", token: s.accessToken)
            #expect(closed.json["closed_thread_id"].string == threadA)
            let empty = try await t.history(s).json
            #expect(empty["thread_id"].isNull)
            #expect(empty["messages"].array.isEmpty)

            let second = try await t.chat(s, "second question").json
            let threadB = try #require(second["thread_id"].string)
            #expect(threadB != threadA)
            // A new thread starts without the old one's messages.
            #expect(try Self.sentMessages(fake).map(\.role) == ["system", "user"])
            _ = try await t.chat(s, "third question")
            // Within a thread the model sees the earlier turns.
            #expect(
                try Self.sentMessages(fake).map(\.content).suffix(3) == ["second question", FakeBehaviour.normal.text, "third question"])
            #expect(try await t.history(s).json["messages"].array.count == 4)

            // 23 h later the thread is still current; after 24 h idle it is closed.
            clock.advance(by: 23 * 3600)
            var current = try await t.relogin(s)
            #expect(try await t.history(current).json["thread_id"].string == threadB)
            clock.advance(by: 3600 + 1)
            current = try await t.relogin(current)
            #expect(try await t.history(current).json["thread_id"].isNull)
            let fourth = try await t.chat(current, "fourth question").json
            let threadC = try #require(fourth["thread_id"].string)
            #expect(threadC != threadB)
            let old = try #require(try await CoachThread.find(UUID(uuidString: threadB), on: t.app.db))
            #expect(old.status == .closed)
            #expect(old.closedReason == .idle)
            let firstThread = try #require(try await CoachThread.find(UUID(uuidString: threadA), on: t.app.db))
            #expect(firstThread.closedReason == .newConversation)
            #expect(try await CoachThread.query(on: t.app.db).filter(\.$status == .open).count() == 1)
        }
    }

    @Test func wholeAnswerChatReturnsTheAnswerAndItsMetadata() async throws {
        try await TestApp.withCoach(.sqlite, .normal) { t, _ in
            let s = try await t.registerWithConsent()
            let reply = try await t.chat(s)
            #expect(reply.status == .ok)
            let body = reply.json
            #expect(body["response"].string == FakeBehaviour.normal.text)
            #expect(body["error"].bool == false)
            #expect(body["timed_out"].bool == false)
            #expect(body["finish_reason"].string == "stop")
            #expect(body["provider"].string == "openai")
            #expect(body["source"].string == "llm")
            #expect(body["usage"]["input_tokens"].int == 42)
            #expect(body["thread_id"].string != nil)
            let history = try await t.history(s).json["messages"].array
            #expect(history.map { $0["content"].string ?? "" } == ["How was my week?", FakeBehaviour.normal.text])
        }
    }

    static func sentMessages(_ fake: FakeLLMServer) throws -> [(role: String, content: String)] {
        let body = try JSON(data: Data(try #require(fake.lastRequest).body))
        return body["messages"].array.map { ($0["role"].string ?? "", $0["content"].string ?? "") }
    }
}
