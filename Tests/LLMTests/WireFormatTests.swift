import AsyncHTTPClient
import Foundation
import LLM
import LLMFakeServer
import Testing

@Suite("Wire formats against the fake provider")
struct WireFormatTests {
    @Test(arguments: Wire.allCases)
    func streamingArrivesIncrementally(_ wire: Wire) async throws {
        let behaviour = FakeBehaviour(tokens: FakeBehaviour.words(6), tokenDelay: .milliseconds(80))
        try await withFakeServer(behaviour) { server, client in
            // Roomy idle/first-token limits: this test is about incremental delivery, and the whole suite runs
            // in parallel on 2 cores (the fault tests use the fast limits).
            let provider = makeProvider(
                wire, server: server, client: client,
                timeouts: LLMTimeouts(connect: .seconds(2), firstToken: .seconds(4), idle: .seconds(4), request: .seconds(10)))
            let outcome = await consume(provider.stream(simpleRequest, timeout: .seconds(10)))
            #expect(outcome.error == nil)
            #expect(outcome.deltas == behaviour.tokens)
            // The first chunk is in the caller's hands long before the server has finished (5 × 80 ms later).
            let firstChunk = try #require(outcome.deltaTimes.first)
            #expect(firstChunk.duration(to: outcome.ended) >= .milliseconds(300))
            let completion = try #require(outcome.completion)
            #expect(completion.text == behaviour.text)
            #expect(completion.provider == wire.providerName)
            #expect(completion.model == (wire == .openAI ? "gpt-fake" : "claude-fake"))
            #expect(completion.source == .llm)
            #expect(completion.chainIndex == 0)
            #expect(completion.fallbackReason == nil)
            #expect(completion.finishReason == .stop)
            #expect(completion.rawFinishReason == (wire == .openAI ? "stop" : "end_turn"))
            #expect(completion.usage == TokenUsage(inputTokens: 42, outputTokens: 6))
            let ttft = try #require(completion.timeToFirstToken)
            #expect(ttft < completion.latency)
            #expect(completion.latency >= .milliseconds(400))

            let request = try #require(server.lastRequest)
            #expect(request.method == "POST")
            #expect(request.isStreaming)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(body["max_tokens"] as? Int == 200)
            #expect(body["temperature"] as? Double == 0.3)
            switch wire {
            case .openAI:
                #expect(request.path == "/v1/chat/completions")
                #expect(request.header("authorization") == "Bearer \(testAPIKey)")
                #expect((body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
                let messages = try #require(body["messages"] as? [[String: Any]])
                #expect(messages.map { $0["role"] as? String } == ["system", "user"])
            case .anthropic:
                #expect(request.path == "/v1/messages")
                #expect(request.header("x-api-key") == testAPIKey)
                #expect(request.header("anthropic-version") == "2023-06-01")
                #expect(request.header("authorization") == nil)
                #expect(body["system"] as? String == "You are a running coach.")
                let messages = try #require(body["messages"] as? [[String: Any]])
                #expect(messages.map { $0["role"] as? String } == ["user"])
            }
        }
    }

    @Test(arguments: Wire.allCases)
    func nonStreamingComplete(_ wire: Wire) async throws {
        try await withFakeServer { server, client in
            let completion = try await makeProvider(wire, server: server, client: client).complete(simpleRequest, timeout: .seconds(5))
            #expect(completion.text == FakeBehaviour.normal.text)
            #expect(completion.usage == TokenUsage(inputTokens: 42, outputTokens: FakeBehaviour.defaultTokens.count))
            #expect(completion.finishReason == .stop)
            #expect(completion.chainIndex == 0)
            #expect(server.lastRequest?.isStreaming == false)
        }
    }

    @Test func openAIWithoutKeySendsNoAuthorization() async throws {
        try await withFakeServer { server, client in
            let provider = makeProvider(.openAI, server: server, client: client, apiKey: nil)
            _ = try await provider.complete(simpleRequest, timeout: .seconds(5))
            _ = try await provider.stream(simpleRequest, timeout: .seconds(5)).collect()
            #expect(server.requests.count == 2)
            #expect(server.requests.allSatisfy { $0.header("authorization") == nil })
        }
    }

    @Test(arguments: Wire.allCases)
    func serversThatReportNoUsage(_ wire: Wire) async throws {
        try await withFakeServer(FakeBehaviour(sendUsage: false)) { server, client in
            let provider = makeProvider(wire, server: server, client: client)
            let streamed = try await provider.stream(simpleRequest, timeout: .seconds(5)).collect()
            #expect(streamed.text == FakeBehaviour.normal.text)
            #expect(streamed.usage == TokenUsage())
            let whole = try await provider.complete(simpleRequest, timeout: .seconds(5))
            #expect(whole.usage == TokenUsage())
        }
    }

    @Test(arguments: Wire.allCases)
    func awkwardButValidStreams(_ wire: Wire) async throws {
        // Keep-alive comments/pings, every event written in two reads split inside a UTF-8 character, CRLF.
        let tokens = ["Läuft", " 🏃‍♀️", " 5′30″", "/km", " — ", "très", " bien"]
        let behaviour = FakeBehaviour(tokens: tokens, keepAliveComments: true, splitWrites: true, crlfLineEnds: true)
        try await withFakeServer(behaviour) { server, client in
            let outcome = await consume(makeProvider(wire, server: server, client: client).stream(simpleRequest, timeout: .seconds(5)))
            #expect(outcome.error == nil)
            #expect(outcome.deltas == tokens)
            #expect(outcome.completion?.text == tokens.joined())
        }
    }

    @Test(arguments: Wire.allCases)
    func serverThatIgnoresTheStreamFlag(_ wire: Wire) async throws {
        try await withFakeServer(FakeBehaviour(ignoreStreamFlag: true)) { server, client in
            let completion = try await makeProvider(wire, server: server, client: client).stream(simpleRequest, timeout: .seconds(5))
                .collect()
            #expect(completion.text == FakeBehaviour.normal.text)
        }
    }

    @Test(arguments: Wire.allCases)
    func lengthFinishReasonIsNormalised(_ wire: Wire) async throws {
        let raw = wire == .openAI ? "length" : "max_tokens"
        try await withFakeServer(FakeBehaviour(finishReason: raw)) { server, client in
            let completion = try await makeProvider(wire, server: server, client: client).stream(simpleRequest, timeout: .seconds(5))
                .collect()
            #expect(completion.finishReason == .length)
            #expect(completion.rawFinishReason == raw)
        }
    }

    @Test func openAIStreamWithoutDoneMarkerButWithFinishReason() async throws {
        try await withFakeServer(FakeBehaviour(omitDone: true)) { server, client in
            let completion = try await makeProvider(.openAI, server: server, client: client).stream(simpleRequest, timeout: .seconds(5))
                .collect()
            #expect(completion.text == FakeBehaviour.normal.text)
        }
    }

    @Test(arguments: Wire.allCases)
    func jsonModeIsRequested(_ wire: Wire) async throws {
        try await withFakeServer { server, client in
            var request = simpleRequest
            request.wantsJSON = true
            _ = try await makeProvider(wire, server: server, client: client).complete(request, timeout: .seconds(5))
            let sent = try #require(server.lastRequest)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
            switch wire {
            case .openAI:
                #expect((body["response_format"] as? [String: Any])?["type"] as? String == "json_object")
                let messages = try #require(body["messages"] as? [[String: Any]])
                #expect((messages.first?["content"] as? String)?.contains("JSON") == true)
            case .anthropic:
                #expect((body["system"] as? String)?.contains("JSON") == true)
            }
        }
    }

    @Test func connectionsAreReused() async throws {
        try await withFakeServer { server, client in
            let provider = makeProvider(.openAI, server: server, client: client)
            for _ in 0..<3 { _ = try await provider.complete(simpleRequest, timeout: .seconds(5)) }
            for _ in 0..<3 { _ = try await provider.stream(simpleRequest, timeout: .seconds(5)).collect() }
            #expect(server.requestCount == 6)
            print("[measure] connections used for 3 complete + 3 stream calls: \(server.connections.count)")
            #expect(server.connections.count <= 2)
        }
    }
}

extension Wire {
    var providerName: String { self == .openAI ? "openai" : "anthropic" }
}
