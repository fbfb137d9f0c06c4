import AsyncHTTPClient
import LLM
import LLMFakeServer
import Testing

@Suite("Fallback chain")
struct FallbackChainTests {
    @Test(arguments: Wire.allCases)
    func primaryFailsFallbackAnswers(_ wire: Wire) async throws {
        try await withFakeServer(.failing(.serverError(status: 503, message: "down"))) { primary, client in
            try await withFakeServer(FakeBehaviour(tokens: ["From", " the", " fallback"])) { fallback, _ in
                let chain = quietChain([
                    makeProvider(wire, server: primary, client: client),
                    makeProvider(wire == .openAI ? .anthropic : .openAI, server: fallback, client: client),
                ])
                let completion = try await chain.complete(simpleRequest, timeout: .seconds(5))
                #expect(completion.text == "From the fallback")
                #expect(completion.chainIndex == 1)
                #expect(completion.fallbackReason == "provider_error")
                #expect(completion.failedAttempts.map(\.chainIndex) == [0])
                #expect(
                    completion.failedAttempts.first?.error
                        == .providerError(status: 503, message: wire == .openAI ? "api_error: down" : "api_error: down"))
                let primaryRequest = try #require(primary.lastRequest)
                let fallbackRequest = try #require(fallback.lastRequest)
                #expect(primaryRequest.receivedAt < fallbackRequest.receivedAt)

                let streamed = await consume(chain.stream(simpleRequest, timeout: .seconds(5)))
                #expect(streamed.text == "From the fallback")
                #expect(streamed.completion?.chainIndex == 1)
                #expect(streamed.completion?.fallbackReason == "provider_error")
            }
        }
    }

    @Test func primaryAnswersChainIndexZero() async throws {
        try await withFakeServer { server, client in
            let chain = quietChain([makeProvider(.openAI, server: server, client: client), OfflineProvider()])
            let completion = try await chain.complete(simpleRequest, timeout: .seconds(5))
            #expect(completion.chainIndex == 0)
            #expect(completion.fallbackReason == nil)
            #expect(completion.failedAttempts.isEmpty)
            #expect(chain.descriptor.kind == .openai)
        }
    }

    @Test func offlineAnswersLastAndSaysWhy() async throws {
        try await withFakeServer(.failing(.rateLimited(retryAfter: "30"))) { server, client in
            var request = simpleRequest
            request.facts = ["You ran 5 km today."]
            let chain = quietChain([makeProvider(.anthropic, server: server, client: client), OfflineProvider()])
            let completion = try await chain.complete(request, timeout: .seconds(5))
            #expect(completion.source == .offline)
            #expect(completion.provider == "offline")
            #expect(completion.chainIndex == 1)
            #expect(completion.fallbackReason == "rate_limited")
            #expect(completion.text.contains("You ran 5 km today."))
            #expect(completion.failedAttempts.first?.error == .rateLimited(retryAfter: .seconds(30)))
        }
    }

    @Test func streamFallsBackOnlyBeforeTheFirstToken() async throws {
        try await withFakeServer(FakeBehaviour(fault: .stall(afterTokens: 2))) { primary, client in
            try await withFakeServer { fallback, _ in
                let chain = quietChain([
                    makeProvider(.openAI, server: primary, client: client, timeouts: fastTimeouts),
                    makeProvider(.openAI, server: fallback, client: client, timeouts: fastTimeouts),
                ])
                let outcome = await consume(chain.stream(simpleRequest, timeout: .seconds(5)))
                #expect(outcome.error == .timeout(.idle))
                #expect(outcome.deltas.count == 2)
                #expect(fallback.requestCount == 0)
            }
        }
        try await withFakeServer(FakeBehaviour(firstTokenDelay: .seconds(5))) { primary, client in
            try await withFakeServer { fallback, _ in
                let chain = quietChain([
                    makeProvider(.anthropic, server: primary, client: client, timeouts: fastTimeouts),
                    makeProvider(.anthropic, server: fallback, client: client, timeouts: fastTimeouts),
                ])
                let outcome = await consume(chain.stream(simpleRequest, timeout: .seconds(5)))
                #expect(outcome.error == nil)
                #expect(outcome.text == FakeBehaviour.normal.text)
                #expect(outcome.completion?.chainIndex == 1)
                #expect(outcome.completion?.fallbackReason == "timeout_first_token")
            }
        }
    }

    @Test(arguments: [false, true])
    func deadlineBoundsTheWholeChain(streaming: Bool) async throws {
        // Two providers that never answer, each with a 1 s request timeout, inside a 1.8 s deadline: the primary
        // gives up at 1 s, the fallback only gets the 0.8 s left (less than its own 1 s), the whole call ends at
        // about 1.8 s. (0.8 s leaves room for the fallback's request to arrive on a loaded machine.)
        try await withFakeServer(.failing(.neverAnswer)) { first, client in
            try await withFakeServer(.failing(.neverAnswer)) { second, _ in
                let timeouts = LLMTimeouts(connect: .seconds(1), firstToken: .seconds(10), idle: .seconds(10), request: .seconds(1))
                let chain = quietChain([
                    makeProvider(.openAI, server: first, client: client, timeouts: timeouts),
                    makeProvider(.anthropic, server: second, client: client, timeouts: timeouts),
                    OfflineProvider(),
                ])
                let start = ContinuousClock.now
                let error: LLMError?
                if streaming {
                    error = await consume(chain.stream(simpleRequest, deadline: start + .milliseconds(1800))).error
                } else {
                    error = await measureFailure { try await chain.complete(simpleRequest, deadline: start + .milliseconds(1800)) }.error
                }
                let elapsed = start.duration(to: .now)
                report("chain (\(streaming ? "stream" : "complete")) of two hanging providers, 1.8 s deadline", elapsed, error)
                #expect(error == .timeout(.deadline))
                #expect(elapsed >= .milliseconds(1600) && elapsed < .milliseconds(2800))
                #expect(first.requestCount == 1)
                #expect(await second.waitForRequests(1, timeout: .seconds(2)), "the fallback was tried")
                let secondStart = try #require(second.lastRequest?.receivedAt)
                #expect(start.duration(to: secondStart) >= .milliseconds(900))
            }
        }
    }

    @Test func aProviderIgnoringTheDeadlineIsStillCutOff() async throws {
        struct Sleepy: LLMProvider {
            var descriptor: ProviderDescriptor { ProviderDescriptor(kind: .openai, model: "sleepy", baseURL: nil) }
            func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> ChatCompletion {
                try await Task.sleep(for: .seconds(30))
                throw LLMError.cancelled
            }
            func stream(_ request: ChatRequest, deadline: ContinuousClock.Instant) -> LLMStream {
                AsyncThrowingStream { continuation in
                    let task = Task {
                        try? await Task.sleep(for: .seconds(30))
                        continuation.finish()
                    }
                    continuation.onTermination = { _ in task.cancel() }
                }
            }
        }
        let chain = quietChain([Sleepy(), Sleepy()])
        let (error, elapsed) = await measureFailure { try await chain.complete(simpleRequest, timeout: .milliseconds(500)) }
        #expect(error == .timeout(.deadline))
        #expect(elapsed < .seconds(5), "cut off near the 0.5 s deadline, not after the providers' 30 s")
        let outcome = await consume(chain.stream(simpleRequest, timeout: .milliseconds(500)))
        #expect(outcome.error == .timeout(.deadline))
        #expect(outcome.elapsed < .seconds(5))
    }

    @Test func allFailTheLastErrorIsThrown() async throws {
        try await withFakeServer(.failing(.serverError(status: 500, message: "a"))) { first, client in
            try await withFakeServer(.failing(.rateLimited(retryAfter: "1"))) { second, _ in
                let chain = quietChain([
                    makeProvider(.openAI, server: first, client: client),
                    makeProvider(.openAI, server: second, client: client),
                ])
                let (error, _) = await measureFailure { try await chain.complete(simpleRequest, timeout: .seconds(5)) }
                #expect(error == .rateLimited(retryAfter: .seconds(1)))
            }
        }
    }
}
