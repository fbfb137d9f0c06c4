import AsyncHTTPClient
import LLM
import LLMFakeServer
import Testing

/// Cancelling the consumer closes the upstream connection, and the fake provider sees the disconnect.
@Suite("Cancellation")
struct CancellationTests {
    /// A provider stalling after two tokens, with timeouts long enough that only cancellation can end the call.
    let patient = LLMTimeouts(connect: .seconds(1), firstToken: .seconds(30), idle: .seconds(30), request: .seconds(60))

    @Test(arguments: Wire.allCases)
    func cancellingTheConsumerTaskClosesTheConnection(_ wire: Wire) async throws {
        try await withFakeServer(FakeBehaviour(fault: .stall(afterTokens: 2))) { server, client in
            let provider = makeProvider(wire, server: server, client: client, timeouts: self.patient)
            let (gotTokens, tokensSignal) = AsyncStream<Void>.makeStream()
            let consumer = Task {
                await consume(provider.stream(simpleRequest, timeout: .seconds(60))) { tokensSignal.yield() }
            }
            // Wait for the first token, then cancel the consumer.
            var iterator = gotTokens.makeAsyncIterator()
            _ = await iterator.next()
            #expect(server.requestCount == 1)
            let cancelledAt = ContinuousClock.now
            consumer.cancel()
            let closedAt = try #require(await server.waitForClientClose(ofRequest: 0, timeout: .seconds(3)))
            report("\(wire) stream consumer cancelled -> provider sees the connection closed", cancelledAt.duration(to: closedAt), nil)
            #expect(cancelledAt.duration(to: closedAt) < .seconds(1))
            let outcome = await consumer.value
            #expect(outcome.error == .cancelled)
            #expect(server.connection(ofRequest: 0)?.closedBy == .client)
        }
    }

    @Test(arguments: Wire.allCases)
    func droppingTheStreamClosesTheConnection(_ wire: Wire) async throws {
        try await withFakeServer(FakeBehaviour(fault: .stall(afterTokens: 2))) { server, client in
            let provider = makeProvider(wire, server: server, client: client, timeouts: self.patient)
            // Read one chunk, then stop iterating; the stream goes out of scope with the function.
            func readOneChunk() async throws -> String? {
                for try await event in provider.stream(simpleRequest, timeout: .seconds(60)) {
                    if case .delta(let text) = event { return text }
                }
                return nil
            }
            let first = try await readOneChunk()
            #expect(first != nil)
            let droppedAt = ContinuousClock.now
            let closedAt = try #require(await server.waitForClientClose(ofRequest: 0, timeout: .seconds(3)))
            report("\(wire) stream dropped -> provider sees the connection closed", droppedAt.duration(to: closedAt), nil)
            #expect(droppedAt.duration(to: closedAt) < .seconds(1))
        }
    }

    @Test func cancellingCompleteClosesTheConnection() async throws {
        try await withFakeServer(.failing(.neverAnswer)) { server, client in
            let provider = makeProvider(.openAI, server: server, client: client, timeouts: self.patient)
            let task = Task { try await provider.complete(simpleRequest, timeout: .seconds(60)) }
            #expect(await server.waitForRequests(1))
            let cancelledAt = ContinuousClock.now
            task.cancel()
            let closedAt = try #require(await server.waitForClientClose(ofRequest: 0, timeout: .seconds(3)))
            #expect(cancelledAt.duration(to: closedAt) < .seconds(1))
            let result = await task.result
            #expect(throws: LLMError.cancelled) { try result.get() }
        }
    }

    @Test func cancellingAChainStreamClosesTheConnectionAndDoesNotFallBack() async throws {
        try await withFakeServer(FakeBehaviour(fault: .stall(afterTokens: 1))) { server, client in
            try await withFakeServer { fallback, _ in
                let chain = quietChain([
                    makeProvider(.anthropic, server: server, client: client, timeouts: self.patient),
                    makeProvider(.openAI, server: fallback, client: client),
                ])
                let (gotTokens, tokensSignal) = AsyncStream<Void>.makeStream()
                let consumer = Task { await consume(chain.stream(simpleRequest, timeout: .seconds(60))) { tokensSignal.yield() } }
                var iterator = gotTokens.makeAsyncIterator()
                _ = await iterator.next()
                consumer.cancel()
                #expect(await server.waitForClientClose(ofRequest: 0, timeout: .seconds(1)) != nil)
                #expect(await consumer.value.error == .cancelled)
                #expect(fallback.requestCount == 0)
            }
        }
    }

    @Test(arguments: Wire.allCases)
    func cancellingWhileTheProviderIsStillWritingIsSeenAsAClientClose(_ wire: Wire) async throws {
        let behaviour = FakeBehaviour(tokens: FakeBehaviour.words(300), tokenDelay: .milliseconds(10))
        try await withFakeServer(behaviour) { server, client in
            let provider = makeProvider(wire, server: server, client: client, timeouts: self.patient)
            let (gotTokens, tokensSignal) = AsyncStream<Void>.makeStream()
            let consumer = Task { await consume(provider.stream(simpleRequest, timeout: .seconds(60))) { tokensSignal.yield() } }
            var iterator = gotTokens.makeAsyncIterator()
            for _ in 0..<3 { _ = await iterator.next() }
            let cancelledAt = ContinuousClock.now
            consumer.cancel()
            let closedAt = try #require(await server.waitForClientClose(ofRequest: 0, timeout: .seconds(3)))
            #expect(cancelledAt.duration(to: closedAt) < .seconds(1))
            let outcome = await consumer.value
            #expect(outcome.error == .cancelled)
            #expect(outcome.deltas.count < 300)
        }
    }

    @Test func timeoutsCloseTheConnectionToo() async throws {
        try await withFakeServer(FakeBehaviour(fault: .stall(afterTokens: 1))) { server, client in
            let outcome = await consume(
                makeProvider(.openAI, server: server, client: client, timeouts: fastTimeouts).stream(simpleRequest, timeout: .seconds(5)))
            #expect(outcome.error == .timeout(.idle))
            #expect(await server.waitForClientClose(ofRequest: 0, timeout: .seconds(1)) != nil)
        }
    }
}
