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
