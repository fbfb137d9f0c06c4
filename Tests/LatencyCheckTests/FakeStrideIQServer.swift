import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A stand-in for the StrideIQ API on 127.0.0.1 and an ephemeral port: /v1/health, /v1/auth/login,
/// /v1/auth/logout and /v1/home, with just enough behaviour to test the latency check against — tokens,
/// revocation on logout, rate-limit headers, an injectable home delay and a health check that never answers.
final class FakeStrideIQServer: Sendable {
    struct Knobs: Sendable {
        var email = "runner@example.com"
        var password = "correct horse"
        var homeDelay: Duration = .zero
        /// /v1/health reads the request and never answers.
        var hangHealth = false
        /// This login request (1-based, warm-ups included) reports `X-RateLimit-Remaining: 0` with
        /// `X-RateLimit-Reset: 1`, and auth requests in the following second get a 429.
        var exhaustOnLogin: Int?
        /// A real fixed-window limit on /v1/auth/*, windows counted from the server's start; nil: unlimited.
        var authLimit: (requests: Int, window: Duration)?
    }

    struct Observations: Sendable {
        var loginRequests = 0
        var loginArrivals: [ContinuousClock.Instant] = []
        var successfulLogins = 0
        var logouts = 0
        var rateLimited = 0
        var homeRequests = 0
    }

    private struct State {
        var knobs: Knobs
        var seen = Observations()
        var blockedUntil: ContinuousClock.Instant?
        var window = (index: -1, count: 0)
        var issued = 0
        /// refresh token → access token of each live session.
        var sessions: [String: String] = [:]
        var validAccess: Set<String> = []
    }

    private struct Reply: Sendable {
        var status: HTTPResponseStatus
        var headers: [(String, String)] = []
        var body: String = ""
        var delay: Duration = .zero
    }

    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private let startedAt = ContinuousClock.now
    private let state: Mutex<State>
    private let channel: any Channel
    private let runTask = Mutex<Task<Void, Never>?>(nil)

    private init(port: Int, channel: any Channel, knobs: Knobs) {
        self.port = port
        self.channel = channel
        self.state = Mutex(State(knobs: knobs))
    }

    static func start(_ knobs: Knobs = Knobs()) async throws -> FakeStrideIQServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let server = FakeStrideIQServer(port: channel.channel.localAddress?.port ?? 0, channel: channel.channel, knobs: knobs)
        let task = Task { await server.accept(channel) }
        server.runTask.withLock { $0 = task }
        return server
    }

    func shutdown() async {
        try? await channel.close()
        let task = runTask.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    func update(_ change: (inout Knobs) -> Void) {
        state.withLock { change(&$0.knobs) }
    }

    var observations: Observations { state.withLock { $0.seen } }

    // MARK: serving

    private typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private func accept(_ listener: NIOAsyncChannel<Connection, Never>) async {
        try? await listener.executeThenClose { inbound in
            await withDiscardingTaskGroup { group in
                do {
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                } catch {
                    // The listener closed: shutting down.
                }
                group.cancelAll()
            }
        }
    }

    private func serve(_ connection: Connection) async {
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
                    head = nil
                    // No reply: keep reading, so the connection ends when the client gives up on it.
                    guard let reply = self.reply(to: requestHead, body: body) else { continue }
                    if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
                    var headers = HTTPHeaders(reply.headers)
                    headers.add(name: "Content-Type", value: "application/json")
                    headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
                    try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers)))
                    if !reply.body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: reply.body)))) }
                    try await outbound.write(.end(nil))
                }
            }
        }
    }

    private func reply(to head: HTTPRequestHead, body: ByteBuffer) -> Reply? {
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        return state.withLock { state -> Reply? in
            // Read under the lock, so requests on different event loops are counted in time order.
            let now = ContinuousClock.now
            switch (head.method, path) {
            case (.GET, "/v1/health"):
                return state.knobs.hangHealth ? nil : Reply(status: .ok, body: #"{"status":"ok"}"#)

            case (.POST, "/v1/auth/login"):
                state.seen.loginRequests += 1
                state.seen.loginArrivals.append(now)
                if let limited = self.rateLimited(&state, now: now) { return limited }
                var limit = self.limitHeaders(state, now: now)
                if state.seen.loginRequests == state.knobs.exhaustOnLogin {
                    limit = [("X-RateLimit-Limit", "1000"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "1")]
                    state.blockedUntil = now + .seconds(1)
                }
                guard json?["email"] as? String == state.knobs.email,
                    json?["password"] as? String == state.knobs.password
                else {
                    return Reply(status: .unauthorized, headers: limit, body: #"{"code":"invalid_credentials"}"#)
                }
                state.issued += 1
                let access = "access-\(state.issued)"
                let refresh = "refresh-\(state.issued)"
                state.sessions[refresh] = access
                state.validAccess.insert(access)
                state.seen.successfulLogins += 1
                return Reply(
                    status: .ok, headers: limit,
                    body: #"{"access_token":"\#(access)","refresh_token":"\#(refresh)","token_type":"Bearer"}"#)

            case (.POST, "/v1/auth/logout"):
                if let limited = self.rateLimited(&state, now: now) { return limited }
                let limit = self.limitHeaders(state, now: now)
                guard let refresh = json?["refresh_token"] as? String, let access = state.sessions.removeValue(forKey: refresh) else {
                    return Reply(status: .unauthorized, headers: limit)
                }
                // Like the real server can: the session's access token dies with it.
                state.validAccess.remove(access)
                state.seen.logouts += 1
                return Reply(status: .noContent, headers: limit)

            case (.GET, "/v1/home"):
                state.seen.homeRequests += 1
                let bearer = head.headers.first(name: "Authorization")
                guard let token = bearer?.split(separator: " ").last.map(String.init),
                    bearer?.hasPrefix("Bearer ") == true, state.validAccess.contains(token)
                else {
                    return Reply(status: .unauthorized, body: #"{"code":"invalid_token"}"#)
                }
                return Reply(status: .ok, body: #"{"today":{"workout":"easy 8 km"}}"#, delay: state.knobs.homeDelay)

            default:
                return Reply(status: .notFound)
            }
        }
    }

    /// Counts an auth request against the fixed window (when configured); a 429 when over the limit or
    /// inside an `exhaustOnLogin` block.
    private func rateLimited(_ state: inout State, now: ContinuousClock.Instant) -> Reply? {
        if let until = state.blockedUntil, now < until {
            state.seen.rateLimited += 1
            return Reply(
                status: .tooManyRequests,
                headers: [("X-RateLimit-Limit", "1000"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "1")])
        }
        guard let limit = state.knobs.authLimit else { return nil }
        let index = Int((now - startedAt) / limit.window)
        if index > state.window.index { state.window = (index, 0) }
        state.window.count += 1
        guard state.window.count > limit.requests else { return nil }
        state.seen.rateLimited += 1
        return Reply(status: .tooManyRequests, headers: limitHeaders(state, now: now))
    }

    /// The headers for the request just counted, like the real middleware: Remaining never below 0, Reset in
    /// whole seconds rounded up.
    private func limitHeaders(_ state: State, now: ContinuousClock.Instant) -> [(String, String)] {
        guard let limit = state.knobs.authLimit else {
            return [("X-RateLimit-Limit", "1000"), ("X-RateLimit-Remaining", "999"), ("X-RateLimit-Reset", "42")]
        }
        let windowEnd = startedAt + limit.window * (state.window.index + 1)
        let reset = Int(((windowEnd - now) / .seconds(1)).rounded(.up))
        return [
            ("X-RateLimit-Limit", String(limit.requests)),
            ("X-RateLimit-Remaining", String(max(0, limit.requests - state.window.count))),
            ("X-RateLimit-Reset", String(max(1, reset))),
        ]
    }
}
