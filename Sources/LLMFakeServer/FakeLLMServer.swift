import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import StrideIQSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An in-process fake LLM provider on loopback (HTTP/1.1, SwiftNIO), for tests and benchmarks.
///
/// Speaks the OpenAI Chat Completions wire format on `POST …/chat/completions` (JSON, or SSE with
/// `data: [DONE]` and an optional usage chunk) and the Anthropic Messages format on `POST …/messages`
/// (JSON, or the `message_start` … `message_stop` event stream). Its `FakeBehaviour` (server-wide, or
/// scripted per request with `enqueue`) chooses timing and faults. It records every request and every
/// connection, including when and by whom it was closed, so tests can prove that a client cancelled.
///
///     let server = try await FakeLLMServer.start(behaviour: .init(tokenDelay: .milliseconds(20)))
///     defer { Task { await server.shutdown() } }
///     // OpenAI-compatible base URL: server.openAIBaseURL; Anthropic: server.anthropicBaseURL
public final class FakeLLMServer: Sendable {
    private struct State {
        var behaviour: FakeBehaviour
        var script: [FakeBehaviour] = []
        var requests: [FakeRequest] = []
        var connections: [FakeConnection] = []
        var serverClosing: Set<Int> = []
        var shuttingDown = false
    }

    public let host: String
    public let port: Int
    private let state: LockedBox<State>
    private let serverChannel: LockedBox<(any Channel)?>
    private let runTask: LockedBox<Task<Void, Never>?>

    /// `http://127.0.0.1:PORT` (no path).
    public var baseURL: String { "http://\(self.host):\(self.port)" }
    /// Base URL for an OpenAI-compatible client (`…/v1`).
    public var openAIBaseURL: String { self.baseURL + "/v1" }
    /// Base URL for an Anthropic client (the client appends `/v1/messages`).
    public var anthropicBaseURL: String { self.baseURL }

    private init(host: String, port: Int, behaviour: FakeBehaviour) {
        self.host = host
        self.port = port
        self.state = LockedBox(State(behaviour: behaviour))
        self.serverChannel = LockedBox(nil)
        self.runTask = LockedBox(nil)
    }

    /// Starts a server on `host` (loopback) and an ephemeral port.
    public static func start(
        behaviour: FakeBehaviour = .normal,
        host: String = "127.0.0.1",
        port requestedPort: Int = 0,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> FakeLLMServer {
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: requestedPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        guard let port = channel.channel.localAddress?.port else {
            try? await channel.channel.close()
            throw FakeServerError.noPort
        }
        let server = FakeLLMServer(host: host, port: port, behaviour: behaviour)
        server.serverChannel.withLock { $0 = channel.channel }
        let task = Task { await server.run(channel) }
        server.runTask.withLock { $0 = task }
        return server
    }

    /// Stops accepting, closes every connection (marked as closed by the server) and waits for the handlers.
    public func shutdown() async {
        self.state.withLock { $0.shuttingDown = true }
        let channel = self.serverChannel.withLock { $0 }
        try? await channel?.close()
        let task = self.runTask.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    // MARK: behaviour

    /// The server-wide behaviour, used when no scripted behaviour is queued.
    public var behaviour: FakeBehaviour {
        get { self.state.withLock { $0.behaviour } }
        set { self.state.withLock { $0.behaviour = newValue } }
    }

    public func setBehaviour(_ behaviour: FakeBehaviour) {
        self.behaviour = behaviour
    }

    /// Queues behaviours for the next requests, one per request in order; then `behaviour` applies again.
    public func enqueue(_ behaviours: FakeBehaviour...) {
        self.enqueue(contentsOf: behaviours)
    }

    public func enqueue(contentsOf behaviours: [FakeBehaviour]) {
        self.state.withLock { $0.script.append(contentsOf: behaviours) }
    }

    // MARK: observations

    public var requests: [FakeRequest] { self.state.withLock { $0.requests } }
    /// Content chunks written so far for request `index` (0 when there is no such request).
    public func chunksSent(ofRequest index: Int) -> Int {
        self.state.withLock { index >= 0 && index < $0.requests.count ? $0.requests[index].chunksSent : 0 }
    }
    public var requestCount: Int { self.state.withLock { $0.requests.count } }
    public var lastRequest: FakeRequest? { self.state.withLock { $0.requests.last } }
    public var connections: [FakeConnection] { self.state.withLock { $0.connections } }
    public var openConnectionCount: Int {
        self.state.withLock { $0.connections.filter { $0.closedAt == nil }.count }
    }

    /// The connection a request arrived on.
    public func connection(ofRequest index: Int) -> FakeConnection? {
        self.state.withLock { state in
            guard index >= 0, index < state.requests.count else { return nil }
            let id = state.requests[index].connectionID
            return state.connections.first { $0.id == id }
        }
    }

    /// Waits until at least `count` requests arrived; false on timeout.
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(5)) async -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if self.requestCount >= count { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return self.requestCount >= count
    }

    /// Waits until the client closed the connection that carried request `index`; returns when it was
    /// closed, or nil when it was not closed by the client within `timeout`.
    public func waitForClientClose(ofRequest index: Int, timeout: Duration = .seconds(5)) async -> ContinuousClock.Instant? {
        let end = ContinuousClock.now + timeout
        while true {
            if let connection = self.connection(ofRequest: index), let closedAt = connection.closedAt {
                return connection.closedBy == .client ? closedAt : nil
            }
            if ContinuousClock.now >= end { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    // MARK: serving

    private typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private func run(_ channel: NIOAsyncChannel<Connection, Never>) async {
        try? await channel.executeThenClose { inbound in
            await withDiscardingTaskGroup { group in
                do {
                    for try await connection in inbound {
                        let id = self.opened()
                        connection.channel.closeFuture.whenComplete { _ in self.closed(id) }
                        group.addTask { await self.serve(connection, id: id) }
                    }
                } catch {
                    // accept loop ended (shutdown)
                }
                group.cancelAll()
            }
        }
    }

    private func opened() -> Int {
        self.state.withLock { state in
            let id = state.connections.count
            state.connections.append(FakeConnection(id: id, openedAt: .now, closedAt: nil, closedBy: nil, requestIndices: []))
            return id
        }
    }

    private func closed(_ id: Int) {
        let now = ContinuousClock.now
        self.state.withLock { state in
            guard id < state.connections.count, state.connections[id].closedAt == nil else { return }
            state.connections[id].closedAt = now
            state.connections[id].closedBy = (state.shuttingDown || state.serverClosing.contains(id)) ? .server : .client
        }
    }

    fileprivate func chunkSent(request index: Int) {
        self.state.withLock { state in
            if index < state.requests.count { state.requests[index].chunksSent += 1 }
        }
    }

    private func markServerClosing(_ id: Int) {
        self.state.withLock { _ = $0.serverClosing.insert(id) }
    }

    private func record(head: HTTPRequestHead, body: ByteBuffer, connectionID: Int) -> (FakeRequest, FakeBehaviour) {
        let bytes = Array(body.readableBytesView)
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let format: FakeWireFormat =
            path.hasSuffix("/chat/completions") ? .openAI : (path.hasSuffix("/messages") ? .anthropic : .unknown)
        return self.state.withLock { state in
            let request = FakeRequest(
                index: state.requests.count,
                connectionID: connectionID,
                method: head.method.rawValue,
                path: path,
                headers: head.headers.map { ($0.name, $0.value) },
                body: bytes,
                receivedAt: .now,
                wireFormat: format,
                isStreaming: (json?["stream"] as? Bool) ?? false,
                model: json?["model"] as? String
            )
            state.requests.append(request)
            if connectionID < state.connections.count {
                state.connections[connectionID].requestIndices.append(request.index)
            }
            let behaviour = state.script.isEmpty ? state.behaviour : state.script.removeFirst()
            return (request, behaviour)
        }
    }

    private func serve(_ connection: Connection, id: Int) async {
        let channel = connection.channel
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body.clear()
                case .body(var chunk):
                    body.writeBuffer(&chunk)
                case .end:
                    guard let requestHead = head else { return }
                    let (request, scripted) = self.record(head: requestHead, body: body, connectionID: id)
                    let behaviour = scripted.resolved(for: request)
                    let options = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
                    let includeUsage = ((options?["stream_options"] as? [String: Any])?["include_usage"] as? Bool) ?? false
                    let writer = ResponseWriter(
                        outbound: outbound, channel: channel, connectionID: id, server: self,
                        request: request, behaviour: behaviour, includeUsageRequested: includeUsage,
                        keepAlive: requestHead.isKeepAlive
                    )
                    // Race the scripted answer with the client going away, so a stalled answer ends when
                    // the client disconnects.
                    switch await Self.raceWithClose(channel, { try await writer.run() }) {
                    case .keepAlive:
                        head = nil
                    case .close:
                        self.markServerClosing(id)  // our decision: not a client disconnect
                        return
                    case .gone:
                        return
                    }
                }
            }
        }
    }

    private enum Outcome: Sendable {
        /// The answer is complete and the connection may carry another request.
        case keepAlive
        /// The answer is complete and the server closes the connection.
        case close
        /// The connection went away (closed by the peer, or a write failed).
        case gone
    }

    /// Runs `body` (which returns whether to keep the connection alive), racing it with the connection closing.
    private static func raceWithClose(
        _ channel: any Channel,
        _ body: @escaping @Sendable () async throws -> Bool
    ) async -> Outcome {
        let (signal, continuation) = AsyncStream<Void>.makeStream()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do {
                    return try await body() ? .keepAlive : .close
                } catch {
                    return .gone
                }
            }
            group.addTask {
                for await _ in signal {}
                return .gone
            }
            let first = await group.next() ?? .gone
            group.cancelAll()
            continuation.finish()
            return first
        }
    }

    /// Aborts the connection with a TCP RST.
    fileprivate func reset(_ channel: any Channel, connectionID: Int) async {
        self.markServerClosing(connectionID)
        if let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }

    fileprivate func closeFromServer(_ channel: any Channel, connectionID: Int) async {
        self.markServerClosing(connectionID)
        try? await channel.close()
    }
}

public enum FakeServerError: Error {
    case noPort
}

/// Writes one scripted answer.
private struct ResponseWriter: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    let channel: any Channel
    let connectionID: Int
    let server: FakeLLMServer
    let request: FakeRequest
    let behaviour: FakeBehaviour
    let includeUsageRequested: Bool
    let keepAlive: Bool

    private var isAnthropic: Bool { self.request.wireFormat == .anthropic }
    private var model: String { self.behaviour.model ?? self.request.model ?? "fake-model" }
    private var outputTokens: Int { self.behaviour.outputTokens ?? self.behaviour.tokens.count }
    private var finishReason: String {
        if let reason = self.behaviour.finishReason { return reason }
        if !self.behaviour.toolCalls.isEmpty { return self.isAnthropic ? "tool_use" : "tool_calls" }
        return self.isAnthropic ? "end_turn" : "stop"
    }

    /// Returns whether the connection may serve another request.
    func run() async throws -> Bool {
        try await Self.sleep(self.behaviour.headDelay)
        if self.request.wireFormat == .unknown {
            try await self.sendJSON(
                status: .notFound, json: ["error": ["message": "unknown path \(self.request.path)", "type": "not_found"]])
            return self.keepAlive
        }
        switch self.behaviour.fault {
        case .neverAnswer:
            try await Self.sleepForever()
            return false
        case .resetConnection(afterTokens: 0):
            await self.server.reset(self.channel, connectionID: self.connectionID)
            return false
        case .rateLimited(let retryAfter):
            var headers: [(String, String)] = []
            if let retryAfter { headers.append(("retry-after", retryAfter)) }
            try await self.sendJSON(
                status: .tooManyRequests, json: self.errorBody(type: "rate_limit_error", message: "Rate limit reached for requests"),
                extraHeaders: headers)
            return self.keepAlive
        case .serverError(let status, let message):
            let type = status == 529 ? "overloaded_error" : (status >= 500 ? "api_error" : "invalid_request_error")
            try await self.sendJSON(status: HTTPResponseStatus(statusCode: status), json: self.errorBody(type: type, message: message))
            return self.keepAlive
        default:
            break
        }
        if self.request.isStreaming && !self.behaviour.ignoreStreamFlag {
            return try await self.stream()
        }
        return try await self.whole()
    }

    // MARK: non-streaming

    private func whole() async throws -> Bool {
        try await Self.sleep(self.behaviour.firstTokenDelay)
        if self.behaviour.tokens.count > 1 {
            try await Self.sleep(self.behaviour.tokenDelay * (self.behaviour.tokens.count - 1))
        }
        let body: [String: Any]
        if self.isAnthropic {
            let toolBlocks: [[String: Any]] = self.behaviour.toolCalls.map { call in
                [
                    "type": "tool_use", "id": call.id ?? "toolu_fake", "name": call.name,
                    // Arguments that are not JSON go out as a string: a test of the client's lenience.
                    "input": (try? JSONSerialization.jsonObject(with: Data(call.arguments.utf8))) ?? call.arguments,
                ]
            }
            body = [
                "id": "msg_fake", "type": "message", "role": "assistant", "model": self.model,
                "content": [["type": "text", "text": self.behaviour.text]] + toolBlocks,
                "stop_reason": self.finishReason, "stop_sequence": NSNull(),
                "usage": self.behaviour.sendUsage ? ["input_tokens": self.behaviour.inputTokens, "output_tokens": self.outputTokens] : [:],
            ]
        } else {
            var object: [String: Any] = [
                "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": self.model,
                "choices": [
                    ["index": 0, "message": self.wholeOpenAIMessage, "finish_reason": self.finishReason]
                ],
            ]
            if self.behaviour.sendUsage {
                object["usage"] = [
                    "prompt_tokens": self.behaviour.inputTokens, "completion_tokens": self.outputTokens,
                    "total_tokens": self.behaviour.inputTokens + self.outputTokens,
                ]
            }
            body = object
        }
        var bytes = Self.json(body)
        switch self.behaviour.fault {
        case .malformedChunk:
            bytes = Array(#"{"id": "broken", "choices": [ {"message": "#.utf8)
        case .stall, .closeEarly, .resetConnection:
            // Announce the whole body, send half, then fail as scripted.
            try await self.outbound.write(.head(self.head(.ok, contentType: "application/json", contentLength: bytes.count)))
            try await self.outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes.prefix(bytes.count / 2)))))
            try await self.failMidway()
            return false
        default:
            break
        }
        try await self.outbound.write(.head(self.head(.ok, contentType: "application/json", contentLength: bytes.count)))
        try await self.outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
        try await self.outbound.write(.end(nil))
        return self.keepAlive
    }

    private var wholeOpenAIMessage: [String: Any] {
        var message: [String: Any] = ["role": "assistant", "content": self.behaviour.text]
        if !self.behaviour.toolCalls.isEmpty {
            message["tool_calls"] = self.behaviour.toolCalls.map { call in
                ["id": call.id ?? "call_fake", "type": "function", "function": ["name": call.name, "arguments": call.arguments]]
            }
        }
        return message
    }

    // MARK: streaming

    private func stream() async throws -> Bool {
        try await self.outbound.write(.head(self.head(.ok, contentType: "text/event-stream", contentLength: nil)))
        for event in self.preamble() { try await self.send(event) }
        if self.behaviour.floodChunks > 0 {
            // Letters only: the chunk's JSON is the chunk itself, and it is built once.
            let letters = Array("abcdefghijklmnopqrstuvwxyz")
            let chunk = String((0..<max(1, self.behaviour.floodChunkBytes)).map { letters[$0 % letters.count] })
            let event = self.tokenEvent(chunk)
            for _ in 0..<self.behaviour.floodChunks {
                try await self.send(event)
                self.server.chunkSent(request: self.request.index)
            }
            for event in self.finale() { try await self.send(event) }
            try await self.outbound.write(.end(nil))
            return self.keepAlive
        }
        let tokens = self.behaviour.tokens
        for index in 0...tokens.count {
            if try await self.faultTriggers(at: index) { return self.answerEndedCleanly && self.keepAlive }
            if index == tokens.count { break }
            try await Self.sleep(index == 0 ? self.behaviour.firstTokenDelay : self.behaviour.tokenDelay)
            if self.behaviour.keepAliveComments {
                try await self.send(self.isAnthropic ? self.anthropicEvent("ping", ["type": "ping"]) : ": keep-alive\n\n")
            }
            try await self.send(self.tokenEvent(tokens[index]))
            self.server.chunkSent(request: self.request.index)
        }
        for event in self.finale() { try await self.send(event) }
        try await self.outbound.write(.end(nil))
        return self.keepAlive
    }

    /// Performs the fault scheduled after `index` tokens; returns true when the answer is over.
    private func faultTriggers(at index: Int) async throws -> Bool {
        switch self.behaviour.fault {
        case .stall(let after) where after == index,
            .resetConnection(let after) where after == index,
            .closeEarly(let after) where after == index:
            try await self.failMidway()
            return true
        case .malformedChunk(let after) where after == index:
            let broken =
                self.isAnthropic
                ? "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":\n\n"
                : "data: {\"id\":\"chatcmpl-fake\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"oops\n\n"
            try await self.send(broken)
            return false
        case .streamError(let after, let message) where after == index:
            if self.isAnthropic {
                try await self.send(
                    self.anthropicEvent("error", ["type": "error", "error": ["type": "overloaded_error", "message": message]]))
            } else {
                try await self.send(
                    "data: " + Self.jsonString(["error": ["message": message, "type": "server_error", "code": NSNull()]]) + "\n\n")
            }
            try await self.outbound.write(.end(nil))
            return true
        default:
            return false
        }
    }

    private var answerEndedCleanly: Bool {
        if case .streamError = self.behaviour.fault { return true }
        return false
    }

    /// Resets, closes, or stalls forever, as the fault says.
    private func failMidway() async throws {
        switch self.behaviour.fault {
        case .resetConnection:
            await self.server.reset(self.channel, connectionID: self.connectionID)
        case .closeEarly:
            await self.server.closeFromServer(self.channel, connectionID: self.connectionID)
        default:
            try await Self.sleepForever()
        }
    }

    private func preamble() -> [String] {
        if self.isAnthropic {
            return [
                self.anthropicEvent(
                    "message_start",
                    [
                        "type": "message_start",
                        "message": [
                            "id": "msg_fake", "type": "message", "role": "assistant", "content": [], "model": self.model,
                            "stop_reason": NSNull(), "stop_sequence": NSNull(),
                            "usage": self.behaviour.sendUsage ? ["input_tokens": self.behaviour.inputTokens, "output_tokens": 1] : [:],
                        ],
                    ]),
                self.anthropicEvent(
                    "content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]]),
                self.anthropicEvent("ping", ["type": "ping"]),
            ]
        }
        return [self.openAIChunk(delta: ["role": "assistant", "content": ""], finishReason: nil)]
    }

    private func tokenEvent(_ token: String) -> String {
        if self.isAnthropic {
            return self.anthropicEvent(
                "content_block_delta", ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": token]])
        }
        return self.openAIChunk(delta: ["content": token], finishReason: nil)
    }

    /// The tool calls' events: each call's head, then its arguments in small fragments.
    private func toolEvents() -> [String] {
        var events: [String] = []
        let size = max(1, self.behaviour.toolArgumentChunkBytes)
        for (position, call) in self.behaviour.toolCalls.enumerated() {
            var fragments: [String] = []
            var rest = Substring(call.arguments)
            while !rest.isEmpty {
                fragments.append(String(rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
            if self.isAnthropic {
                let index = position + 1  // block 0 is the text block
                events.append(
                    self.anthropicEvent(
                        "content_block_start",
                        [
                            "type": "content_block_start", "index": index,
                            "content_block": ["type": "tool_use", "id": call.id ?? "toolu_fake", "name": call.name, "input": [:]],
                        ]))
                for fragment in fragments {
                    events.append(
                        self.anthropicEvent(
                            "content_block_delta",
                            [
                                "type": "content_block_delta", "index": index,
                                "delta": ["type": "input_json_delta", "partial_json": fragment],
                            ]))
                }
                events.append(self.anthropicEvent("content_block_stop", ["type": "content_block_stop", "index": index]))
            } else {
                events.append(
                    self.openAIChunk(
                        delta: [
                            "tool_calls": [
                                [
                                    "index": position, "id": call.id ?? "call_fake", "type": "function",
                                    "function": ["name": call.name, "arguments": ""],
                                ]
                            ]
                        ], finishReason: nil))
                for fragment in fragments {
                    events.append(
                        self.openAIChunk(
                            delta: ["tool_calls": [["index": position, "function": ["arguments": fragment]]]], finishReason: nil))
                }
            }
        }
        return events
    }

    private func finale() -> [String] {
        if self.isAnthropic {
            var delta: [String: Any] = ["type": "message_delta", "delta": ["stop_reason": self.finishReason, "stop_sequence": NSNull()]]
            if self.behaviour.sendUsage { delta["usage"] = ["output_tokens": self.outputTokens] }
            return [self.anthropicEvent("content_block_stop", ["type": "content_block_stop", "index": 0])] + self.toolEvents() + [
                self.anthropicEvent("message_delta", delta),
                self.anthropicEvent("message_stop", ["type": "message_stop"]),
            ]
        }
        var events = self.toolEvents() + [self.openAIChunk(delta: [:], finishReason: self.finishReason)]
        if self.behaviour.sendUsage && self.includeUsageRequested {
            events.append(
                "data: "
                    + Self.jsonString([
                        "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": self.model, "choices": [],
                        "usage": [
                            "prompt_tokens": self.behaviour.inputTokens, "completion_tokens": self.outputTokens,
                            "total_tokens": self.behaviour.inputTokens + self.outputTokens,
                        ],
                    ]) + "\n\n")
        }
        if !self.behaviour.omitDone { events.append("data: [DONE]\n\n") }
        return events
    }

    private func openAIChunk(delta: [String: Any], finishReason: String?) -> String {
        "data: "
            + Self.jsonString([
                "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": self.model,
                "choices": [["index": 0, "delta": delta, "finish_reason": finishReason.map { $0 as Any } ?? NSNull()]],
            ]) + "\n\n"
    }

    private func anthropicEvent(_ name: String, _ data: [String: Any]) -> String {
        "event: \(name)\ndata: \(Self.jsonString(data))\n\n"
    }

    private func errorBody(type: String, message: String) -> [String: Any] {
        self.isAnthropic
            ? ["type": "error", "error": ["type": type, "message": message]]
            : ["error": ["message": message, "type": type, "param": NSNull(), "code": NSNull()]]
    }

    // MARK: output

    private func head(_ status: HTTPResponseStatus, contentType: String, contentLength: Int?) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        if let contentLength {
            headers.add(name: "content-length", value: String(contentLength))
        } else {
            headers.add(name: "cache-control", value: "no-cache")
        }
        headers.add(name: "connection", value: self.keepAlive ? "keep-alive" : "close")
        return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }

    private func sendJSON(status: HTTPResponseStatus, json: [String: Any], extraHeaders: [(String, String)] = []) async throws {
        let bytes = Self.json(json)
        var head = self.head(status, contentType: "application/json", contentLength: bytes.count)
        for (name, value) in extraHeaders { head.headers.add(name: name, value: value) }
        try await self.outbound.write(.head(head))
        try await self.outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
        try await self.outbound.write(.end(nil))
    }

    /// Writes one SSE event (with the configured line ends, in two pieces when `splitWrites`).
    private func send(_ event: String) async throws {
        let text = self.behaviour.crlfLineEnds ? event.replacingOccurrences(of: "\n", with: "\r\n") : event
        let bytes = Array(text.utf8)
        guard self.behaviour.splitWrites, bytes.count > 1 else {
            try await self.outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
            return
        }
        // Split inside a multi-byte character when there is one, else in the middle.
        let cut = bytes.firstIndex { $0 & 0b1100_0000 == 0b1000_0000 } ?? bytes.count / 2
        try await self.outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes[..<cut]))))
        try await Task.sleep(for: .milliseconds(2))
        try await self.outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes[cut...]))))
    }

    private static func sleep(_ duration: Duration) async throws {
        if duration > .zero { try await Task.sleep(for: duration) }
    }

    private static func sleepForever() async throws {
        while true { try await Task.sleep(for: .seconds(3600)) }
    }

    private static func json(_ object: [String: Any]) -> [UInt8] {
        Array(((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)))
    }

    private static func jsonString(_ object: [String: Any]) -> String {
        String(decoding: self.json(object), as: UTF8.self)
    }
}
