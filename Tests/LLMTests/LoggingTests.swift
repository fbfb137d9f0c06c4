import Foundation
import LLM
import LLMFakeServer
import Logging
import Testing

/// Collects every log line (message and metadata) written through a `Logger`.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.lines.append(line)
    }

    var all: [String] {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.lines
    }

    var logger: Logger {
        Logger(label: "test.capture") { _ in CapturingLogHandler(capture: self) }
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let metadata = self.metadata.merging(event.metadata ?? [:]) { $1 }
        self.capture.append("\(event.level) \(event.message) \(metadata)")
    }
}

@Suite("Logging")
struct LoggingTests {
    @Test(arguments: Wire.allCases)
    func apiKeyIsNeverLogged(_ wire: Wire) async throws {
        let capture = LogCapture()
        let echo = FakeBehaviour.failing(.serverError(status: 401, message: "Incorrect API key provided: \(testAPIKey)"))
        try await withFakeServer(echo) { server, client in
            let provider: any LLMProvider =
                switch wire {
                case .openAI:
                    OpenAICompatibleProvider(
                        baseURL: server.openAIBaseURL, apiKey: testAPIKey, model: "gpt-fake", timeouts: fastTimeouts,
                        httpClient: client, logger: capture.logger
                    )
                case .anthropic:
                    AnthropicProvider(
                        baseURL: server.anthropicBaseURL, apiKey: testAPIKey, model: "claude-fake", timeouts: fastTimeouts,
                        httpClient: client, logger: capture.logger
                    )
                }
            let chain = FallbackChain([provider, OfflineProvider()], logger: capture.logger)
            _ = try await chain.complete(simpleRequest, timeout: .seconds(5))
            _ = await consume(chain.stream(simpleRequest, timeout: .seconds(5)))
            server.setBehaviour(.normal)
            _ = await consume(provider.stream(simpleRequest, timeout: .seconds(5)))
        }
        let lines = capture.all
        #expect(lines.count >= 6)
        #expect(lines.contains { $0.contains("provider_error") })
        for line in lines {
            #expect(!line.contains(testAPIKey), "key leaked in log: \(line)")
        }
    }
}
