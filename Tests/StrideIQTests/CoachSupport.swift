import AsyncHTTPClient
import Fluent
import Foundation
import LLM
import LLMFakeServer
import NIOCore
import StrideIQSupport
import Synchronization
import Testing
import Vapor

@testable import StrideIQ

extension AppConfig {
    /// The coach on the fake server. The provider's own timeouts stay long so the coach's ceiling decides.
    mutating func useFakeCoach(_ server: FakeLLMServer, ceiling: TimeInterval = 10, heartbeat: TimeInterval = 2) {
        coachLLM = LLMSettings(
            provider: .openai, baseURL: server.openAIBaseURL, apiKey: nil, model: "fake",
            timeouts: LLMTimeouts(connect: .seconds(1), firstToken: .seconds(30), idle: .seconds(30), request: .seconds(60)))
        coachStreamTimeout = ceiling
        coachHeartbeat = heartbeat
    }
}

/// One SSE frame as a client received it.
struct ReceivedFrame: Sendable {
    let id: String?
    let event: String
    let json: JSON
    /// Since the request was sent.
    let at: Duration
}

/// What a streamed coach request produced.
struct CoachStreamResult: Sendable {
    let status: Int
    let headers: [(String, String)]
    let frames: [ReceivedFrame]
    /// Body text for non-200 answers.
    let errorBody: JSON
    /// True when the server ended the body (false when the client stopped reading first).
    let ended: Bool

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var events: [String] { frames.map(\.event) }
    var deltas: [ReceivedFrame] { frames.filter { $0.event == "delta" } }
    var text: String { deltas.compactMap { $0.json["delta"].string }.joined() }
    var meta: JSON { frames.first { $0.event == "meta" }?.json ?? .null }
    var done: JSON { frames.last { $0.event == "done" }?.json ?? .null }
    var doneFrame: ReceivedFrame? { frames.last { $0.event == "done" } }
}

/// The app's HTTP server on an ephemeral loopback port, for tests that read a stream as it arrives
/// (in-memory testing collects whole responses).
struct LiveCoachServer: Sendable {
    let t: TestApp
    let port: Int
    let client: HTTPClient

    /// Runs `body` with the server listening; always stops it (draining coach streams first).
    static func with<T>(_ t: TestApp, _ body: (LiveCoachServer) async throws -> T) async throws -> T {
        t.app.http.server.configuration.hostname = "127.0.0.1"
        t.app.http.server.configuration.port = 0
        try await t.app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = t.app.http.server.shared.localAddress?.port ?? 0
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let server = LiveCoachServer(t: t, port: port, client: client)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private func stop() async {
        await t.app.coach.shutdown(grace: .seconds(2))
        try? await client.shutdown()
        await t.app.server.shutdown()
    }

    /// Posts to `/v1/coach/chat/stream` and reads frames as they arrive (see `readCoachStream`).
    func stream(
        token: String, message: String = "How was my week?", timeout: Duration = .seconds(20),
        onFrame: @escaping @Sendable (ReceivedFrame) -> Void = { _ in },
        stopAfter: @escaping @Sendable ([ReceivedFrame]) -> Bool = { _ in false }
    ) async throws -> CoachStreamResult {
        try await readCoachStream(
            client, baseURL: "http://127.0.0.1:\(port)", token: token, message: message, timeout: timeout,
            onFrame: onFrame, stopAfter: stopAfter)
    }
}

/// Posts to `baseURL/v1/coach/chat/stream` and reads frames as they arrive, until the body ends, `stopAfter`
/// says stop (the client then drops the connection), or `timeout`. Any server: the in-process app or a child
/// `strideiq` process.
func readCoachStream(
    _ client: HTTPClient, baseURL: String, token: String, message: String = "How was my week?",
    timeout: Duration = .seconds(20),
    onFrame: @escaping @Sendable (ReceivedFrame) -> Void = { _ in },
    stopAfter: @escaping @Sendable ([ReceivedFrame]) -> Bool = { _ in false }
) async throws -> CoachStreamResult {
    var request = HTTPClientRequest(url: baseURL + "/v1/coach/chat/stream")
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(data: JSON.object(["message": .string(message)]).data))
    let start = ContinuousClock.now
    let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
    let headers = response.headers.map { ($0.name, $0.value) }
    guard response.status == .ok else {
        var body = try await response.body.collect(upTo: 1 << 20)
        let data = body.readData(length: body.readableBytes) ?? Data()
        return CoachStreamResult(
            status: Int(response.status.code), headers: headers, frames: [],
            errorBody: (try? JSON(data: data)) ?? .null, ended: true)
    }
    var parser = SSEParser()
    var frames: [ReceivedFrame] = []
    var ended = true
    reading: for try await chunk in response.body {
        for event in try parser.feed(chunk) {
            let frame = ReceivedFrame(
                id: event.id, event: event.type, json: (try? JSON(data: Data(event.data.utf8))) ?? .null,
                at: start.duration(to: .now))
            frames.append(frame)
            onFrame(frame)
            if stopAfter(frames) {
                ended = false
                break reading
            }
        }
    }
    return CoachStreamResult(status: 200, headers: headers, frames: frames, errorBody: .null, ended: ended)
}

extension TestApp {
    /// Runs `body` with the coach on a fake server.
    static func withCoach<T>(
        _ backend: TestBackend, _ behaviour: FakeBehaviour, ceiling: TimeInterval = 10, heartbeat: TimeInterval = 2,
        config adjust: @escaping (inout AppConfig) -> Void = { _ in }, overrides: AppOverrides = .init(),
        _ body: (TestApp, FakeLLMServer) async throws -> T
    ) async throws -> T {
        try await withFakeLLM(behaviour) { server in
            try await TestApp.with(
                backend,
                config: { config in
                    config.useFakeCoach(server, ceiling: ceiling, heartbeat: heartbeat)
                    adjust(&config)
                }, overrides: overrides
            ) { t in
                try await body(t, server)
            }
        }
    }

    /// Logs in again (after moving the clock past the access token's life).
    func relogin(_ s: Session) async throws -> Session {
        let reply = try await request(.POST, "/v1/auth/login", json: ["email": .string(s.email), "password": .string(s.password)])
        #expect(reply.status == .ok, "login: \(reply.text)")
        return Session(
            athleteID: s.athleteID, email: s.email, password: s.password,
            accessToken: reply.json["access_token"].string ?? "", refreshToken: reply.json["refresh_token"].string ?? "")
    }

    func chat(_ s: Session, _ message: String = "How was my week?") async throws -> Reply {
        try await request(.POST, "/v1/coach/chat", json: ["message": .string(message)], token: s.accessToken)
    }

    func history(_ s: Session, limit: Int? = nil) async throws -> Reply {
        try await request(.GET, "/v1/coach/history" + (limit.map { "?limit=\($0)" } ?? ""), token: s.accessToken)
    }

    /// The saved message row (also while its content is still empty).
    func coachMessage(_ id: String) async throws -> CoachMessage? {
        try await CoachMessage.find(UUID(uuidString: id), on: app.db)
    }

    /// Polls until the assistant message has a finish reason (saved at the end of its turn).
    func waitForSavedAnswer(_ id: String, timeout: Duration = .seconds(5)) async throws -> CoachMessage? {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let row = try await coachMessage(id), row.finishReason != nil { return row }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await coachMessage(id)
    }

    func waitForNoOpenStreams(timeout: Duration = .seconds(5)) async -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if app.coach.streams.openCount == 0 { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return app.coach.streams.openCount == 0
    }
}

/// Checks the frame grammar every coach stream must follow: ids on every frame, strictly increasing;
/// `type` == event name; `meta` first; `done` exactly once and last.
func expectWellFormed(_ result: CoachStreamResult, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 200, sourceLocation: sourceLocation)
    #expect(result.events.first == "meta", "meta first: \(result.events)", sourceLocation: sourceLocation)
    #expect(result.events.last == "done", "done last: \(result.events)", sourceLocation: sourceLocation)
    #expect(result.events.filter { $0 == "done" }.count == 1, "one done: \(result.events)", sourceLocation: sourceLocation)
    var previous = 0
    for frame in result.frames {
        #expect(frame.json["type"].string == frame.event, "type == event: \(frame.json)", sourceLocation: sourceLocation)
        let id = Int(frame.id ?? "") ?? -1
        #expect(id > previous, "ids increase: \(frame.id ?? "nil") after \(previous)", sourceLocation: sourceLocation)
        previous = id
    }
    #expect(result.header("Content-Type") == "text/event-stream", sourceLocation: sourceLocation)
    #expect(result.header("Cache-Control") == "no-cache", sourceLocation: sourceLocation)
    #expect(result.header("X-Accel-Buffering") == "no", sourceLocation: sourceLocation)
    #expect(result.header("Content-Encoding") == nil, "never compressed", sourceLocation: sourceLocation)
}

/// Collects values from concurrent callbacks.
final class Collected<T: Sendable>: Sendable {
    private let values = Mutex<[T]>([])
    func append(_ value: T) { values.withLock { $0.append(value) } }
    var all: [T] { values.withLock { $0 } }
}

/// A response body writer that keeps what it is given (for frame-level tests without a server). After
/// `acceptedWrites` buffers it fails every write, as a body does once the client has left.
final class CollectingBodyWriter: AsyncBodyStreamWriter, Sendable {
    struct Gone: Error {}
    private let acceptedWrites: Int
    private let state = Mutex<(buffers: [ByteBuffer], ended: BodyStreamResult?)>(([], nil))
    init(acceptedWrites: Int = .max) { self.acceptedWrites = acceptedWrites }
    var buffers: [ByteBuffer] { state.withLock { $0.buffers } }
    /// How the body ended: `.end`, `.error`, or nil while open.
    var ending: BodyStreamResult? { state.withLock { $0.ended } }
    func write(_ result: BodyStreamResult) async throws {
        try state.withLock { s in
            switch result {
            case .buffer(let buffer):
                guard s.buffers.count < acceptedWrites else { throw Gone() }
                s.buffers.append(buffer)
            case .end, .error:
                s.ended = result
            }
        }
    }
}
