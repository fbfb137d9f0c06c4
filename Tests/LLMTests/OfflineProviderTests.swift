import Foundation
import LLM
import Testing

@Suite("Offline provider")
struct OfflineProviderTests {
    let request = ChatRequest(
        messages: [.user("How am I doing?")],
        maxTokens: 300,
        facts: [
            "You ran 42.2 km this week over 5 runs.", "  Your longest run was 16 km on Sunday. ", "",
            "You ran 42.2 km this week over 5 runs.",
        ]
    )

    @Test func deterministicTextFromFacts() async throws {
        let provider = OfflineProvider()
        let first = try await provider.complete(self.request, timeout: .seconds(1))
        let second = try await provider.complete(self.request, timeout: .seconds(1))
        #expect(first.text == second.text)
        #expect(
            first.text == """
                Offline summary (written from your data, not by an AI model):
                - You ran 42.2 km this week over 5 runs.
                - Your longest run was 16 km on Sunday.
                """
        )
        #expect(first.provider == "offline")
        #expect(first.source == .offline)
        #expect(first.model == OfflineProvider.modelName)
        #expect(first.fallbackReason == "no_llm_configured")
        #expect(first.finishReason == .stop)
        #expect(first.chainIndex == 0)
        #expect(provider.descriptor.kind == .offline)
    }

    @Test func noFactsSaysSoPlainly() async throws {
        let completion = try await OfflineProvider(reason: "consent_missing").complete(
            ChatRequest(messages: [.user("hi")]), timeout: .seconds(1))
        #expect(completion.text.contains(OfflineProvider.noFactsText))
        #expect(completion.fallbackReason == "consent_missing")
    }

    @Test func streamYieldsTheSameText() async throws {
        let outcome = await consume(OfflineProvider().stream(self.request, timeout: .seconds(1)))
        #expect(outcome.error == nil)
        #expect(outcome.deltas.count == 3)
        let completion = try #require(outcome.completion)
        #expect(outcome.text == completion.text)
        #expect(completion.source == .offline)
    }

    @Test func jsonMode() async throws {
        var request = self.request
        request.wantsJSON = true
        let completion = try await OfflineProvider().complete(request, timeout: .seconds(1))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(completion.text.utf8)) as? [String: Any])
        #expect(object["source"] as? String == "offline")
        #expect((object["facts"] as? [String])?.count == 2)
    }

    @Test func respectsMaxTokens() async throws {
        let request = ChatRequest(messages: [.user("x")], maxTokens: 20, facts: (1...20).map { "Fact number \($0) about your training." })
        let completion = try await OfflineProvider().complete(request, timeout: .seconds(1))
        #expect(completion.finishReason == .length)
        #expect(completion.text.count < 20 * 4 + 80)
    }
}

@Suite("Offline provider: the common questions")
struct OfflineProviderTopicTests {
    let facts = [
        "Today is Wed 2026-12-02.",
        "Training load check: You're on the edge: fitness rose 6 points in 7 days.",
        "Training load today: fitness 50.0, fatigue 55.0, form −5 (building).",
        "Pace for today's workout: today's 8 km easy run is at 5:40–6:10/km.",
        "Race prediction for 5 km: about 22:22.",
        "Race prediction for 10 km: about 46:30.",
        "Race prediction for half marathon: about 1:43:05.",
        "Race prediction for marathon: about 3:34:30.",
    ]

    func answer(_ question: String, facts: [String]? = nil) async throws -> String {
        try await OfflineProvider().complete(
            ChatRequest(messages: [.user(question)], maxTokens: 500, facts: facts ?? self.facts), timeout: .seconds(1)
        ).text
    }

    @Test func questionsAreRecognised() {
        #expect(OfflineProvider.Topic(question: "What pace for today's workout?") == .todayPace)
        #expect(OfflineProvider.Topic(question: "How fast should I run today?") == .todayPace)
        #expect(OfflineProvider.Topic(question: "What can I run a 10 km in?") == .racePrediction)
        #expect(OfflineProvider.Topic(question: "Predict my half marathon") == .racePrediction)
        #expect(OfflineProvider.Topic(question: "Am I doing too much?") == .loadCheck)
        #expect(OfflineProvider.Topic(question: "Am I overtraining?") == .loadCheck)
        #expect(OfflineProvider.Topic(question: "How am I doing?") == nil)
    }

    @Test func eachQuestionGetsItsFacts() async throws {
        let heading = OfflineProvider.answerHeading
        #expect(try await answer("What pace for today's workout?") == "\(heading)\n\(facts[3])")
        #expect(try await answer("What can I run a 10k in?") == "\(heading)\n\(facts[5])")
        #expect(try await answer("what could i run a 5 k in") == "\(heading)\n\(facts[4])")
        #expect(try await answer("What can I run a half in?") == "\(heading)\n\(facts[6])")
        #expect(try await answer("Predict my marathon time") == "\(heading)\n\(facts[7])")
        // A distance without a prediction of its own: every prediction.
        #expect(try await answer("What can I run 3 miles in?") == ([heading] + facts[4...7]).joined(separator: "\n"))
        #expect(try await answer("Am I doing too much?") == "\(heading)\n\(facts[1])\n\(facts[2])")
    }

    @Test func aQuestionWithoutItsFactsSaysWhatIsMissing() async throws {
        let text = try await answer("Am I doing too much?", facts: ["Today is Wed 2026-12-02."])
        #expect(text.hasPrefix(OfflineProvider.answerHeading))
        #expect(text.contains("no training load figures yet"))
    }
}
