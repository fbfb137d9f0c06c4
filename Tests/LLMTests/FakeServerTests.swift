import AsyncHTTPClient
import LLM
import LLMFakeServer
import Testing

/// The fake provider's own contract (app tests and benchmarks rely on it).
@Suite("Fake LLM server")
struct FakeServerTests {
    @Test func scriptedBehavioursApplyPerRequestThenTheDefault() async throws {
        try await withFakeServer { server, client in
            let provider = makeProvider(.openAI, server: server, client: client)
            server.enqueue(.failing(.serverError(status: 500, message: "first")), FakeBehaviour(tokens: ["second"]))
            let first = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(5)) }.error
            #expect(first?.code == "provider_error")
            let second = try await provider.complete(simpleRequest, timeout: .seconds(5))
            #expect(second.text == "second")
            let third = try await provider.complete(simpleRequest, timeout: .seconds(5))
            #expect(third.text == FakeBehaviour.normal.text)
            server.setBehaviour(FakeBehaviour(tokens: ["changed"]))
            let fourth = try await provider.complete(simpleRequest, timeout: .seconds(5))
            #expect(fourth.text == "changed")
            #expect(server.requestCount == 4)
            #expect(server.requests.map(\.index) == [0, 1, 2, 3])
            #expect(server.requests.allSatisfy { $0.wireFormat == .openAI && $0.model == "gpt-fake" })
        }
    }

    @Test func serverSideClosesAreNotClientCloses() async throws {
        try await withFakeServer(.failing(.closeEarly(afterTokens: 1))) { server, client in
            _ = await consume(makeProvider(.anthropic, server: server, client: client).stream(simpleRequest, timeout: .seconds(5)))
            #expect(await server.waitForClientClose(ofRequest: 0, timeout: .milliseconds(300)) == nil)
            #expect(server.connection(ofRequest: 0)?.closedBy == .server)
        }
    }

    @Test func shutdownClosesOpenConnections() async throws {
        let server = try await FakeLLMServer.start(behaviour: .failing(.neverAnswer))
        let client = HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup)
        let provider = makeProvider(.openAI, server: server, client: client, timeouts: .coach)
        let call = Task { await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(30)) } }
        #expect(await server.waitForRequests(1))
        #expect(server.openConnectionCount == 1)
        await server.shutdown()
        let (error, elapsed) = await call.value
        #expect(error?.code.hasPrefix("transport_") == true)
        #expect(elapsed < .seconds(2))
        #expect(server.connections.allSatisfy { $0.closedBy == .server })
        try await client.shutdown()
    }
}
