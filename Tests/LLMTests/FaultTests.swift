import AsyncHTTPClient
import LLM
import LLMFakeServer
import NIOPosix
import Testing

/// Every fault mode of the fake provider yields the right typed error, in about the configured time.
/// `[measure]` lines in the output give the time-to-fail of each mode.
@Suite("Faults and timeouts")
struct FaultTests {
    @Test(arguments: Wire.allCases)
    func delayedFirstTokenFailsWithFirstTokenTimeout(_ wire: Wire) async throws {
        try await withFakeServer(FakeBehaviour(firstTokenDelay: .seconds(4))) { server, client in
            let outcome = await consume(
                makeProvider(wire, server: server, client: client, timeouts: fastTimeouts).stream(simpleRequest, timeout: .seconds(10)))
            report("\(wire) stream, first token delayed 4 s, firstToken timeout 1 s", outcome.elapsed, outcome.error)
            #expect(outcome.error == .timeout(.firstToken))
            #expect(outcome.deltas.isEmpty)
            #expect(outcome.elapsed >= .milliseconds(800) && outcome.elapsed < .milliseconds(2500))
        }
    }

    @Test(arguments: Wire.allCases)
    func stallMidStreamFailsWithIdleTimeout(_ wire: Wire) async throws {
        try await withFakeServer(FakeBehaviour(tokenDelay: .milliseconds(20), fault: .stall(afterTokens: 3))) { server, client in
            let outcome = await consume(
                makeProvider(wire, server: server, client: client, timeouts: fastTimeouts).stream(simpleRequest, timeout: .seconds(10)))
            let lastDelta = try #require(outcome.deltaTimes.last)
            let idle = lastDelta.duration(to: outcome.ended)
            report("\(wire) stream stalls after 3 tokens, idle timeout 0.5 s (silence before failing)", idle, outcome.error)
            #expect(outcome.error == .timeout(.idle))
            #expect(outcome.deltas.count == 3)
            #expect(idle >= .milliseconds(400) && idle < .milliseconds(1500))
        }
    }

    @Test(arguments: Wire.allCases)
    func rateLimitedCarriesRetryAfter(_ wire: Wire) async throws {
        try await withFakeServer(.failing(.rateLimited(retryAfter: "7"))) { server, client in
            let provider = makeProvider(wire, server: server, client: client)
            let (error, elapsed) = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(5)) }
            report("\(wire) complete, 429", elapsed, error)
            #expect(error == .rateLimited(retryAfter: .seconds(7)))
            let outcome = await consume(provider.stream(simpleRequest, timeout: .seconds(5)))
            #expect(outcome.error == .rateLimited(retryAfter: .seconds(7)))
        }
        try await withFakeServer(.failing(.rateLimited(retryAfter: nil))) { server, client in
            let (error, _) = await measureFailure {
                try await makeProvider(wire, server: server, client: client).complete(simpleRequest, timeout: .seconds(5))
            }
            #expect(error == .rateLimited(retryAfter: nil))
        }
    }

    @Test(arguments: Wire.allCases)
    func serverErrorCarriesStatusAndMessage(_ wire: Wire) async throws {
        try await withFakeServer(.failing(.serverError(status: 500, message: "The server had an error while processing your request"))) {
            server, client in
            let provider = makeProvider(wire, server: server, client: client)
            let (error, elapsed) = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(5)) }
            report("\(wire) complete, 500", elapsed, error)
            guard case .providerError(let status, let message) = error else {
                Issue.record("expected providerError, got \(String(describing: error))")
                return
            }
            #expect(status == 500)
            #expect(message.contains("The server had an error while processing your request"))
            let outcome = await consume(provider.stream(simpleRequest, timeout: .seconds(5)))
            #expect(outcome.error?.code == "provider_error")
        }
    }

    @Test(arguments: Wire.allCases)
    func inBandStreamErrorIsAProviderError(_ wire: Wire) async throws {
        try await withFakeServer(.failing(.streamError(afterTokens: 2, message: "Overloaded"))) { server, client in
            let outcome = await consume(makeProvider(wire, server: server, client: client).stream(simpleRequest, timeout: .seconds(5)))
            #expect(outcome.deltas.count == 2)
            guard case .providerError(let status, let message) = outcome.error else {
                Issue.record("expected providerError, got \(String(describing: outcome.error))")
                return
            }
            #expect(status == (wire == .anthropic ? 529 : 500))
            #expect(message.contains("Overloaded"))
        }
    }

    @Test(arguments: Wire.allCases)
    func malformedChunkIsAMalformedStream(_ wire: Wire) async throws {
        try await withFakeServer(.failing(.malformedChunk(afterTokens: 2))) { server, client in
            let provider = makeProvider(wire, server: server, client: client)
            let outcome = await consume(provider.stream(simpleRequest, timeout: .seconds(5)))
            report("\(wire) stream, malformed chunk after 2 tokens", outcome.elapsed, outcome.error)
            guard case .malformedStream = outcome.error else {
                Issue.record("expected malformedStream, got \(String(describing: outcome.error))")
                return
            }
            #expect(outcome.deltas.count == 2)
            let (error, _) = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(5)) }
            guard case .malformedResponse = error else {
                Issue.record("expected malformedResponse, got \(String(describing: error))")
                return
            }
        }
    }

    @Test(arguments: Wire.allCases)
    func connectionResetIsATransportError(_ wire: Wire) async throws {
        try await withFakeServer(.failing(.resetConnection(afterTokens: 2))) { server, client in
            let provider = makeProvider(wire, server: server, client: client)
            let outcome = await consume(provider.stream(simpleRequest, timeout: .seconds(5)))
            report("\(wire) stream, connection reset after 2 tokens", outcome.elapsed, outcome.error)
            guard case .transport = outcome.error else {
                Issue.record("expected transport error, got \(String(describing: outcome.error))")
                return
            }
            #expect(outcome.elapsed < .seconds(1))
        }
        try await withFakeServer(.failing(.resetConnection(afterTokens: 0))) { server, client in
            let (error, elapsed) = await measureFailure {
                try await makeProvider(wire, server: server, client: client).complete(simpleRequest, timeout: .seconds(5))
            }
            report("\(wire) complete, connection reset before the answer", elapsed, error)
            guard case .transport = error else {
                Issue.record("expected transport error, got \(String(describing: error))")
                return
            }
        }
    }

    @Test(arguments: Wire.allCases)
    func earlyCloseIsNotASuccess(_ wire: Wire) async throws {
        try await withFakeServer(.failing(.closeEarly(afterTokens: 2))) { server, client in
            let outcome = await consume(makeProvider(wire, server: server, client: client).stream(simpleRequest, timeout: .seconds(5)))
            report("\(wire) stream, connection closed after 2 tokens", outcome.elapsed, outcome.error)
            #expect(outcome.error != nil)
            #expect(outcome.completion == nil)
            #expect(
                outcome.error == .transport(.connectionClosed, detail: "the provider closed the connection before the answer was complete"))
        }
    }

    @Test(arguments: Wire.allCases)
    func neverAnswersFailsInAboutOneSecond(_ wire: Wire) async throws {
        // The HTTP client's own read timeout here is 10 s and its default would be none: the 1 s must win.
        try await withFakeServer(.failing(.neverAnswer)) { server, client in
            let oneSecond = LLMTimeouts(connect: .seconds(1), firstToken: .seconds(1), idle: .seconds(1), request: .seconds(1))
            let provider = makeProvider(wire, server: server, client: client, timeouts: oneSecond)

            let (error, elapsed) = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(30)) }
            report("\(wire) complete, never answers, request timeout 1 s", elapsed, error)
            #expect(error == .timeout(.deadline))
            #expect(elapsed >= .milliseconds(800) && elapsed < .milliseconds(2500))

            let outcome = await consume(provider.stream(simpleRequest, timeout: .seconds(30)))
            report("\(wire) stream, never answers, first-token/request timeout 1 s", outcome.elapsed, outcome.error)
            #expect(outcome.error?.code.hasPrefix("timeout_") == true)
            #expect(outcome.elapsed >= .milliseconds(800) && outcome.elapsed < .milliseconds(2500))

            // Generous provider timeouts, 1 s call-site deadline: the deadline wins.
            let slow = makeProvider(wire, server: server, client: client, timeouts: .coach)
            let (deadlineError, deadlineElapsed) = await measureFailure { try await slow.complete(simpleRequest, timeout: .seconds(1)) }
            report("\(wire) complete, never answers, call-site deadline 1 s", deadlineElapsed, deadlineError)
            #expect(deadlineError == .timeout(.deadline))
            #expect(deadlineElapsed >= .milliseconds(800) && deadlineElapsed < .milliseconds(2500))
        }
    }

    @Test func stalledNonStreamingBodyIsBoundedToo() async throws {
        try await withFakeServer(.failing(.stall(afterTokens: 0))) { server, client in
            let oneSecond = LLMTimeouts(connect: .seconds(1), firstToken: .seconds(1), idle: .seconds(1), request: .seconds(1))
            let (error, elapsed) = await measureFailure {
                try await makeProvider(.openAI, server: server, client: client, timeouts: oneSecond).complete(
                    simpleRequest, timeout: .seconds(30))
            }
            report("openAI complete, body stalls half way, request timeout 1 s", elapsed, error)
            #expect(error == .timeout(.deadline))
            #expect(elapsed < .milliseconds(2500))
        }
    }

    @Test func connectionRefusedIsATransportErrorQuickly() async throws {
        let server = try await FakeLLMServer.start()
        let url = server.openAIBaseURL
        await server.shutdown()
        let settings = LLMSettings(provider: .openai, baseURL: url, apiKey: nil, model: "m", timeouts: fastTimeouts)
        let client = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: LLMSettings.httpClientConfiguration(for: [settings])
        )
        let provider = LLMProviderFactory.make(settings: settings, httpClient: client, logger: quietLogger)
        let (error, elapsed) = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(5)) }
        report("openAI complete, connection refused (library client configuration)", elapsed, error)
        #expect(error?.code == "transport_connect_failed")
        // Well under the 1 s connect timeout (no retries until it), with room for a loaded machine.
        #expect(elapsed < .milliseconds(900))
        try await client.shutdown()

        // With AsyncHTTPClient's default (retry until the connect timeout) it is still a typed failure within ~1 s.
        try await withFakeServer { _, client in
            let provider = OpenAICompatibleProvider(
                baseURL: url, apiKey: nil, model: "m", timeouts: fastTimeouts, httpClient: client, logger: quietLogger)
            let (error, elapsed) = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(5)) }
            report("openAI complete, connection refused (client retries until connect timeout 1 s)", elapsed, error)
            #expect(error?.code == "transport_connect_failed" || error == .timeout(.connect))
            #expect(elapsed < .milliseconds(2500))
        }
    }

    @Test(arguments: Wire.allCases)
    func apiKeyNeverAppearsInErrors(_ wire: Wire) async throws {
        let echo = FakeBehaviour.failing(.serverError(status: 401, message: "Incorrect API key provided: \(testAPIKey). Check it."))
        try await withFakeServer(echo) { server, client in
            let provider = makeProvider(wire, server: server, client: client)
            let (error, _) = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(5)) }
            let failure = try #require(error)
            #expect(failure.code == "provider_error")
            #expect(failure.description.contains("[redacted]"))
            let outcome = await consume(provider.stream(simpleRequest, timeout: .seconds(5)))
            var dumped = ""
            dump(provider, to: &dumped)
            let texts = [
                failure.description, String(reflecting: failure), "\(failure)", outcome.error?.description ?? "",
                "\(provider)", String(reflecting: provider), dumped, provider.descriptor.description,
            ]
            for text in texts {
                #expect(!text.contains(testAPIKey), "key leaked in: \(text)")
            }
        }
    }

    @Test func garbageFromTheProviderNeverCrashes() async throws {
        // Tokens with JSON-hostile characters and a finish reason nobody knows.
        let behaviour = FakeBehaviour(tokens: ["\"quoted\"", "\\", "\u{0}", "\n\n", "data: [DONE]"], finishReason: "something_new")
        try await withFakeServer(behaviour) { server, client in
            for wire in Wire.allCases {
                let completion = try await makeProvider(wire, server: server, client: client).stream(simpleRequest, timeout: .seconds(5))
                    .collect()
                #expect(completion.text == behaviour.text)
                #expect(completion.finishReason == .stop)
                #expect(completion.rawFinishReason == "something_new")
            }
        }
    }
}
