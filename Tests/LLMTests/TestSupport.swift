import AsyncHTTPClient
import LLM
import LLMFakeServer
import Logging
import NIOCore
import NIOPosix
import StrideIQSupport
import Testing

/// The two HTTP wire formats, for parameterised tests.
enum Wire: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case openAI
    case anthropic

    var testDescription: String { self.rawValue }
}

let testAPIKey = "sk-test-SECRET-0123456789abcdef"

/// Tests expect failures; keep their warnings out of the output (LoggingTests checks what is logged).
let quietLogger: Logger = {
    var logger = Logger(label: "strideiq.llm.tests")
    logger.logLevel = .critical
    return logger
}()

/// Short timeouts so every fault resolves in about a second. Tests about timeouts pass them explicitly.
let fastTimeouts = LLMTimeouts(connect: .seconds(1), firstToken: .seconds(1), idle: .milliseconds(500), request: .seconds(5))

/// The default for tests that are not about timeouts: roomy, because the whole suite runs in parallel on a
/// small machine and a 0.5 s idle limit would turn scheduling hiccups into false failures.
let roomyTimeouts = LLMTimeouts(connect: .seconds(2), firstToken: .seconds(5), idle: .seconds(5), request: .seconds(10))

/// A fake server and an HTTP client with timeouts longer than the per-call ones (the per-call ones must
/// fire, not the client's backstop), torn down after `body`.
func withFakeServer<T>(
    _ behaviour: FakeBehaviour = .normal,
    clientTimeouts: HTTPClient.Configuration.Timeout = .init(connect: .seconds(1), read: .seconds(10)),
    _ body: (FakeLLMServer, HTTPClient) async throws -> T
) async throws -> T {
    let server = try await FakeLLMServer.start(behaviour: behaviour)
    let client = HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        configuration: HTTPClient.Configuration(timeout: clientTimeouts)
    )
    do {
        let result = try await body(server, client)
        try await client.shutdown()
        await server.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        await server.shutdown()
        throw error
    }
}

func makeProvider(
    _ wire: Wire,
    server: FakeLLMServer,
    client: HTTPClient,
    timeouts: LLMTimeouts = roomyTimeouts,
    apiKey: String? = testAPIKey,
    model: String? = nil
) -> any LLMProvider {
    switch wire {
    case .openAI:
        OpenAICompatibleProvider(
            baseURL: server.openAIBaseURL, apiKey: apiKey, model: model ?? "gpt-fake",
            timeouts: timeouts, httpClient: client, logger: quietLogger
        )
    case .anthropic:
        AnthropicProvider(
            baseURL: server.anthropicBaseURL, apiKey: apiKey, model: model ?? "claude-fake",
            timeouts: timeouts, httpClient: client, logger: quietLogger
        )
    }
}

let simpleRequest = ChatRequest(
    messages: [.system("You are a running coach."), .user("How was my week?")],
    maxTokens: 200,
    temperature: 0.3
)

/// Outcome of consuming a stream to its end.
struct StreamOutcome: Sendable {
    var deltas: [String] = []
    var deltaTimes: [ContinuousClock.Instant] = []
    var completion: ChatCompletion?
    var error: LLMError?
    var started: ContinuousClock.Instant
    var ended: ContinuousClock.Instant

    var elapsed: Duration { self.started.duration(to: self.ended) }
    var text: String { self.deltas.joined() }
}

func consume(_ stream: LLMStream, onDelta: (@Sendable () -> Void)? = nil) async -> StreamOutcome {
    var outcome = StreamOutcome(started: .now, ended: .now)
    do {
        for try await event in stream {
            switch event {
            case .delta(let text):
                outcome.deltas.append(text)
                outcome.deltaTimes.append(.now)
                onDelta?()
            case .done(let completion):
                outcome.completion = completion
            }
        }
        // A cancelled consumer's loop just ends (AsyncThrowingStream semantics).
        if outcome.completion == nil && Task.isCancelled { outcome.error = .cancelled }
    } catch {
        outcome.error = error as? LLMError ?? LLMError(error)
    }
    outcome.ended = .now
    return outcome
}

/// Runs `body`, returning its error (as `LLMError`) and how long it took.
func measureFailure<T>(_ body: () async throws -> T) async -> (error: LLMError?, elapsed: Duration) {
    let start = ContinuousClock.now
    do {
        _ = try await body()
        return (nil, start.duration(to: .now))
    } catch {
        return (error as? LLMError ?? LLMError(error), start.duration(to: .now))
    }
}

/// Prints a measured figure in a greppable form (`[measure] …`).
func report(_ label: String, _ duration: Duration, _ error: LLMError?) {
    print("[measure] \(label): \(String(format: "%.3f", duration.seconds)) s -> \(error?.code ?? "ok")")
}

func quietChain(_ providers: [any LLMProvider]) -> FallbackChain {
    FallbackChain(providers, logger: quietLogger)
}
