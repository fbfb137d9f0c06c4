import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Where an HTTP provider posts its chat requests, and with what: the endpoint under a normalised base URL,
/// the API key (an empty one counts as none) and the `HTTPEngine` whose redactor hides that key.
struct ChatEndpoint: Sendable {
    let descriptor: ProviderDescriptor
    let url: String
    let apiKey: String?
    let engine: HTTPEngine

    /// `base` is a base URL as `trimmed(_:)` leaves it; `path` is appended to it.
    init(
        kind: LLMProviderKind,
        base: String,
        path: String,
        apiKey: String?,
        model: String,
        timeouts: LLMTimeouts,
        httpClient: HTTPClient,
        logger: Logger
    ) {
        let key = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.descriptor = ProviderDescriptor(kind: kind, model: model, baseURL: base)
        self.url = base + path
        self.apiKey = key
        self.engine = HTTPEngine(
            client: httpClient, descriptor: self.descriptor, timeouts: timeouts,
            redactor: Redactor(secrets: [key]), logger: logger
        )
    }

    /// A base URL without surrounding spaces or trailing slashes, so that a path can be appended.
    static func trimmed(_ baseURL: String) -> String {
        var base = baseURL.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// The POST carrying `body` as JSON; `headers` are the wire format's own (version, key) and come last.
    func post(_ body: some Encodable, stream: Bool, headers: HTTPHeaders) throws(LLMError) -> HTTPClientRequest {
        guard let data = try? JSONEncoder().encode(body) else {
            throw .invalidRequest("the request could not be encoded")
        }
        var httpRequest = HTTPClientRequest(url: self.url)
        httpRequest.method = .POST
        httpRequest.headers.add(name: "content-type", value: "application/json")
        httpRequest.headers.add(name: "accept", value: stream ? "text/event-stream" : "application/json")
        httpRequest.headers.add(name: "user-agent", value: "strideiq-llm/1")
        httpRequest.headers.add(contentsOf: headers)
        httpRequest.body = .bytes(ByteBuffer(bytes: data))
        return httpRequest
    }
}

/// A provider that talks to one `ChatEndpoint` (`OpenAICompatibleProvider`, `AnthropicProvider`). It gives
/// only its wire format — the request, the whole-body parser and the stream decoder — and this extension
/// runs the calls through `HTTPEngine` and keeps the key out of descriptions and dumps.
protocol HTTPChatProvider: LLMProvider, CustomStringConvertible, CustomReflectable {
    associatedtype Decoder: StreamDecoder

    var endpoint: ChatEndpoint { get }

    func makeHTTPRequest(_ request: ChatRequest, stream: Bool) throws(LLMError) -> HTTPClientRequest

    func makeStreamDecoder() -> Decoder

    /// Handed to `HTTPEngine` as its `WholeBodyParser`.
    @Sendable
    static func parseCompletion(_ body: ByteBuffer, redactor: Redactor) throws(LLMError) -> ParsedCompletion
}

// `public`: these are the public providers' `LLMProvider`, `CustomStringConvertible` and `CustomReflectable` members.
extension HTTPChatProvider {
    public var descriptor: ProviderDescriptor { self.endpoint.descriptor }

    public var description: String {
        "\(Self.self)(\(self.descriptor), apiKey: \(self.endpoint.apiKey == nil ? "none" : "set"))"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["descriptor": self.descriptor, "apiKey": self.endpoint.apiKey == nil ? "none" : "[redacted]"])
    }

    public func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> ChatCompletion {
        let httpRequest = try self.makeHTTPRequest(request, stream: false)
        return try await self.endpoint.engine.complete(httpRequest, deadline: deadline, parse: Self.parseCompletion)
    }

    public func stream(_ request: ChatRequest, deadline: ContinuousClock.Instant) -> LLMStream {
        makeLLMStream { continuation in
            let httpRequest = try self.makeHTTPRequest(request, stream: true)
            let completion = try await self.endpoint.engine.stream(
                httpRequest, decoder: self.makeStreamDecoder(), deadline: deadline,
                maxOutputBytes: request.maxOutputBytes, flow: request.flow,
                continuation: continuation, parseWholeBody: Self.parseCompletion
            )
            continuation.yield(.done(completion))
        }
    }
}
