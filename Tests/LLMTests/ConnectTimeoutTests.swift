import AsyncHTTPClient
import LLM
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
    import Glibc

    /// A loopback listener that never accepts and whose accept queue is already full, so the kernel drops
    /// further SYNs and a connect attempt hangs: the HTTP client's connect timeout must end it.
    private final class BlackholeListener {
        let port: Int
        private let listener: Int32
        private let filler: Int32

        init?() {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard listener >= 0 else { return nil }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(listener, pointer, length) == 0 && listen(listener, 0) == 0
                        && getsockname(listener, pointer, &length) == 0
                }
            }
            guard bound else {
                close(listener)
                return nil
            }
            // Fill the (size 1) accept queue with one connection nobody accepts.
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) == 0 }
            }
            guard connected else {
                close(filler)
                close(listener)
                return nil
            }
            self.listener = listener
            self.filler = filler
            self.port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit {
            close(self.filler)
            close(self.listener)
        }
    }

    @Suite("Connect timeout")
    struct ConnectTimeoutTests {
        @Test func connectTimeoutIsTyped() async throws {
            guard let blackhole = BlackholeListener() else {
                Issue.record("could not set up the blackhole listener")
                return
            }
            let client = HTTPClient(
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                configuration: LLMSettings.httpClientConfiguration(for: [
                    LLMSettings(
                        provider: .openai, baseURL: "", apiKey: nil, model: "m",
                        timeouts: LLMTimeouts(connect: .seconds(1), firstToken: .seconds(5), idle: .seconds(5), request: .seconds(5)))
                ])
            )
            let provider = OpenAICompatibleProvider(
                baseURL: "http://127.0.0.1:\(blackhole.port)/v1", apiKey: nil, model: "m",
                timeouts: LLMTimeouts(connect: .seconds(1), firstToken: .seconds(5), idle: .seconds(5), request: .seconds(5)),
                httpClient: client, logger: quietLogger
            )
            let (error, elapsed) = await measureFailure { try await provider.complete(simpleRequest, timeout: .seconds(10)) }
            report("openAI complete, connect never completes, connect timeout 1 s", elapsed, error)
            #expect(error == .timeout(.connect))
            #expect(elapsed >= .milliseconds(800) && elapsed < .milliseconds(2500))
            try await client.shutdown()
            withExtendedLifetime(blackhole) {}
        }
    }
#endif
