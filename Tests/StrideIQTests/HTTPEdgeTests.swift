import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import SQLKit
import Testing
import Vapor

@testable import StrideIQ

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP edges a hostile or broken client reaches: compressed bodies, stalled connections, a database that
/// goes away, racing deletes and a flood of refused admin calls.
@Suite("HTTP edges")
struct HTTPEdgeTests {
    // MARK: compressed request bodies (on a live server: the bodies go through the real channel pipeline)

    static let checkin = #"{"date":"2026-11-29","sleep_h":7.5,"readiness_1_5":4,"notes":"legs ok"}"#

    @Test func gzipAndDeflateBodiesAreInflated() async throws {
        try await TestApp.with(.sqlite) { t in
            try await LiveCoachServer.with(t) { live in
                let s = try await t.register()
                for (coding, algorithm) in [("gzip", CompressionAlgorithm.gzip()), ("deflate", .zlib())] {
                    let reply = try await live.post(
                        "/v1/daily-checkin", body: try Self.compress(Self.checkin, algorithm), encoding: coding,
                        token: s.accessToken)
                    #expect([201, 200].contains(reply.status.code), "\(coding): \(reply.text)")
                    #expect(reply.json["notes"].string == "legs ok", "\(coding): \(reply.text)")
                }
            }
        }
    }

    @Test func aCompressionBombIs413InTheErrorShapeAndNotAnError() async throws {
        let logs = LogCapture()
        try await TestApp.with(.sqlite, logs: logs) { t in
            try await LiveCoachServer.with(t) { live in
                let s = try await t.register()
                // 2 MiB of one character: past the 1 MiB limit; and 300 KB, under it but past the ratio.
                for size in [2 << 20, 300_000] {
                    let json = #"{"date":"2026-11-29","notes":""# + String(repeating: "a", count: size) + #""}"#
                    let bomb = try Self.compress(json, .gzip())
                    #expect(bomb.readableBytes < 4_096, "a bomb is small: \(bomb.readableBytes)")
                    let reply = try await live.post("/v1/daily-checkin", body: bomb, encoding: "gzip", token: s.accessToken)
                    expectError(reply, .payloadTooLarge, code: "payload_too_large")
                }
            }
        }
        let errors = logs.all.filter { $0.level >= .error }
        #expect(errors.isEmpty, "a client's bomb is not a server error: \(errors.map(\.text))")
        #expect(logs.all.contains { $0.message == "request" && $0.metadata["status"] == "413" })
    }

    @Test func garbageAndTruncatedStreamsAre400() async throws {
        try await TestApp.with(.sqlite) { t in
            try await LiveCoachServer.with(t) { live in
                let s = try await t.register()
                var valid = try Self.compress(Self.checkin, .gzip())
                let truncated = valid.readSlice(length: valid.readableBytes - 12)!
                var trailing = try Self.compress(Self.checkin, .gzip())
                trailing.writeString("garbage")
                let garbage = ByteBuffer(bytes: [0x1F, 0x8B, 0x08, 0x00] + Array(repeating: UInt8(0xAB), count: 200))
                for (name, body) in [("garbage", garbage), ("truncated", truncated), ("trailing", trailing)] {
                    for coding in ["gzip", "deflate"] where name == "garbage" || coding == "gzip" {
                        let reply = try await live.post("/v1/daily-checkin", body: body, encoding: coding, token: s.accessToken)
                        expectError(reply, .badRequest, code: "invalid_content_encoding")
                        #expect(reply.status == .badRequest, "\(name) \(coding)")
                    }
                }
            }
        }
    }

    @Test func anUnknownEncodingIs415() async throws {
        try await TestApp.with(.sqlite) { t in
            try await LiveCoachServer.with(t) { live in
                let s = try await t.register()
                for coding in ["br", "zstd", "gzip, gzip"] {
                    let reply = try await live.post(
                        "/v1/daily-checkin", body: ByteBuffer(string: Self.checkin), encoding: coding, token: s.accessToken)
                    expectError(reply, .unsupportedMediaType, code: "unsupported_content_encoding")
                    #expect(reply.headers.first(name: "Accept-Encoding") == "gzip, deflate")
                }
                let identity = try await live.post(
                    "/v1/daily-checkin", body: ByteBuffer(string: Self.checkin), encoding: "identity", token: s.accessToken)
                #expect(identity.status == .created, "\(identity.text)")
            }
        }
    }

    static func compress(_ text: String, _ algorithm: CompressionAlgorithm) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: text)
        return try buffer.compress(with: algorithm)
    }

    // MARK: stalled connections

    @Test func halfARequestHeadIsClosedWithinTheIdleTimeout() async throws {
        try await TestApp.with(.sqlite, config: { $0.httpIdleTimeout = 1 }) { t in
            try await LiveCoachServer.with(t) { live in
                let closed = await RawConnection.secondsUntilClosed(
                    port: live.port, sending: "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Ty", limit: 6)
                let seconds = try #require(closed, "the server kept a silent half-sent head open")
                #expect(seconds >= 0.8 && seconds < 3, "closed after \(seconds) s")
            }
        }
    }

    @Test func aBodyShorterThanItsContentLengthIsClosedWithinTheIdleTimeout() async throws {
        try await TestApp.with(.sqlite, config: { $0.httpIdleTimeout = 1 }) { t in
            try await LiveCoachServer.with(t) { live in
                let head =
                    "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"email\":"
                let closed = await RawConnection.secondsUntilClosed(port: live.port, sending: head, limit: 6)
                let seconds = try #require(closed, "the server waited forever for the promised body")
                #expect(seconds >= 0.8 && seconds < 3, "closed after \(seconds) s")
            }
        }
    }

    @Test func theIdleTimeoutMustOutlastTheLongestSilentResponse() throws {
        #expect(AppConfig().httpIdleTimeout > AppConfig().coachStreamTimeout)
        #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.load(from: ["HTTP_IDLE_TIMEOUT_S": "60", "COACH_STREAM_TIMEOUT_S": "120"])
        }
        #expect(try AppConfig.load(from: ["HTTP_IDLE_TIMEOUT_S": "200"]).httpIdleTimeout == 200)
        #expect(try AppConfig.load(from: ["REQUEST_MAX_INFLATE_RATIO": "20"]).requestMaxInflateRatio == 20)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["REQUEST_MAX_INFLATE_RATIO": "0"]) }
    }

    @Test func theOpenFileSoftLimitIsRaisedToTheHardLimit() {
        let values = OpenFileLimit.raiseToHardLimit()
        let now = OpenFileLimit.current()
        #expect(now.soft == now.hard, "soft \(now.soft), hard \(now.hard)")
        #expect(values.soft == now.soft && values.hard == now.hard)
    }

    // MARK: database outage

    /// On a PostgreSQL cluster of its own (stopping the shared one would break every other test).
    @Test(.enabled(if: TestBackend.postgresURL != nil, "needs PostgreSQL: set POSTGRES_URL"), .timeLimit(.minutes(2)))
    func aDatabaseOutageIs503AndTheAppRecoversWithoutARestart() async throws {
        let cluster = try await ThrowawayPostgres.start()
        do {
            try await TestApp.with(.postgres, config: { $0.database = .postgres(url: cluster.url) }) { t in
                let s = try await t.register()
                #expect(try await t.request(.GET, "/v1/activities", token: s.accessToken).status == .ok)
                try await cluster.pause()
                for _ in 0..<3 {
                    let reply = try await t.request(.GET, "/v1/activities", token: s.accessToken)
                    expectError(reply, .serviceUnavailable, code: "database_unavailable")
                    #expect(reply.headers.first(name: "Retry-After") == "5")
                }
                try await cluster.resume()
                // The pool replaces its dead connections on its own: no restart of the app.
                var status: HTTPStatus = .serviceUnavailable
                let deadline = ContinuousClock.now + .seconds(20)
                while status != .ok && ContinuousClock.now < deadline {
                    status = try await t.request(.GET, "/v1/activities", token: s.accessToken).status
                    if status != .ok { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(status == .ok, "the app came back after the database did")
            }
        } catch {
            await cluster.remove()
            throw error
        }
        await cluster.remove()
    }

    // MARK: concurrent deletes

    @Test(arguments: TestBackend.available)
    func concurrentDeletesOfOneActivityDeleteItOnce(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.registerWithConsent()  // only an athlete with AI consent gets briefings
            let created = try await t.request(
                .POST, "/v1/activities", json: ["start_time": "2026-11-28T07:00:00Z", "sport": "run", "distance_m": 5000],
                token: s.accessToken)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"].string)
            let before = try await t.deleteRefreshRequests()
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await t.request(.DELETE, "/v1/activities/\(id)", token: s.accessToken).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 204 }.count == 1, "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 404 }.count == 9, "\(statuses.sorted())")
            #expect(try await t.deleteRefreshRequests() - before == 1, "exactly one briefing refresh is asked for")
            expectError(try await t.request(.GET, "/v1/activities/\(id)", token: s.accessToken), .notFound)
        }
    }

    // MARK: refused admin calls

    @Test(arguments: TestBackend.available)
    func refusedAdminCallsWriteAtMostOneAuditRowPerWindow(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let athlete = try await t.register()
            let other = try await t.register()
            for index in 0..<50 {
                // Varying the target must not get around the throttle.
                let target = index.isMultiple(of: 2) ? other.athleteID : UUID().uuidString
                let reply = try await t.request(.POST, "/v1/home/admin/briefing-refresh/\(target)", token: athlete.accessToken)
                expectError(reply, .forbidden, code: "forbidden")
            }
            let rows = try await (t.app.db as! any SQLDatabase).raw(
                "SELECT result FROM audit_log WHERE actor_id = \(bind: UUID(uuidString: athlete.athleteID)!)"
            ).all()
            #expect(rows.count == 1, "\(rows.count) audit rows for 50 refused calls")
        }
    }

    @Test func whenTheCacheIsDownRefusedAdminCallsAreStillAuditedAndBounded() async throws {
        try await TestApp.with(.sqlite, overrides: .init(cache: BrokenCache())) { t in
            let athlete = try await t.register()
            for _ in 0..<10 {
                let reply = try await t.request(.POST, "/v1/home/admin/briefing-refresh/\(UUID())", token: athlete.accessToken)
                expectError(reply, .forbidden, code: "forbidden")
            }
            let rows = try await (t.app.db as! any SQLDatabase).raw(
                "SELECT result FROM audit_log WHERE actor_id = \(bind: UUID(uuidString: athlete.athleteID)!)"
            ).all()
            #expect(rows.count == 1, "\(rows.count) audit rows for 10 sequential refused calls with the cache down")
        }
    }
}

// MARK: helpers

extension LiveCoachServer {
    /// POSTs raw bytes with a `Content-Encoding` (the client sends them as they are).
    func post(_ path: String, body: ByteBuffer, encoding: String, token: String) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Content-Encoding", value: encoding)
        request.body = .bytes(body)
        let response = try await client.execute(request, timeout: .seconds(10))
        var collected = try await response.body.collect(upTo: 1 << 20)
        let data = collected.readData(length: collected.readableBytes) ?? Data()
        return Reply(status: response.status, headers: response.headers, body: data)
    }
}

extension TestApp {
    /// Briefing refreshes asked for because an activity was deleted, whatever became of them (metrics).
    func deleteRefreshRequests() async throws -> Int {
        let text = try await request(.GET, "/metrics").text
        return text.split(separator: "\n")
            .filter { $0.hasPrefix("briefing_enqueue_total{") && $0.contains(#"reason="activity_deleted""#) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0) { $0 + Int($1) }
    }
}

/// A PostgreSQL cluster of the test's own (`scripts/postgres-cluster`), which it can stop and start again.
struct ThrowawayPostgres {
    let directory: String
    let port: Int
    let url: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres-cluster").path

    static func start() async throws -> ThrowawayPostgres {
        let directory = NSTemporaryDirectory() + "strideiq-pg-\(UUID().uuidString.prefix(8))"
        let port = try await freeLoopbackPort()
        let url = try await shell(script, "start", directory, String(port)).trimmingCharacters(in: .whitespacesAndNewlines)
        return ThrowawayPostgres(directory: directory, port: port, url: url)
    }

    /// Stops the server, keeping its data.
    func pause() async throws {
        _ = try await asPostgres("'\(Self.bin)/pg_ctl' -D '\(directory)/data' -m fast -w stop")
    }

    /// Starts it again on the same port.
    func resume() async throws {
        _ = try await asPostgres(
            "'\(Self.bin)/pg_ctl' -D '\(directory)/data' -l '\(directory)/server.log' -w -t 30 "
                + "-o \"-p \(port) -k '\(directory)' -c listen_addresses=127.0.0.1 -c fsync=off\" start")
    }

    func remove() async {
        _ = try? await Self.shell(Self.script, "stop", directory)
    }

    private static var bin: String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let newest = versions.compactMap(Int.init).max().map(String.init) ?? versions.sorted().last ?? ""
        return "\(root)/\(newest)/bin"
    }

    /// PostgreSQL refuses to run as root; the script starts it as `postgres`, so it is stopped as `postgres` too.
    private func asPostgres(_ command: String) async throws -> String {
        if getuid() == 0 { return try await Self.shell("/bin/su", "postgres", "-s", "/bin/bash", "-c", command) }
        return try await Self.shell("/bin/bash", "-c", command)
    }

    /// Runs a command to completion with `system(3)` on a thread of its own (it blocks) and returns its output.
    private static func shell(_ executable: String, _ arguments: String...) async throws -> String {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("strideiq-pg-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let quoted = ([executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = quoted.joined(separator: " ") + " </dev/null >'\(log.path)' 2>&1"
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: system(command)) }
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ChildProcessError(message: "\(executable) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return text
    }
}

/// A plain blocking TCP client on a thread of its own (never on the cooperative pool), for requests no HTTP
/// client would send.
enum RawConnection {
    /// Connects to 127.0.0.1:`port`, sends `text`, then reads until the server closes the connection.
    /// Returns the seconds from the send to the close, or nil if it was still open after `limit` seconds.
    static func secondsUntilClosed(port: Int, sending text: String, limit: Double) async -> Double? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: blockingSecondsUntilClosed(port: port, sending: text, limit: limit))
            }
        }
    }

    private static func blockingSecondsUntilClosed(port: Int, sending text: String, limit: Double) -> Double? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(text.utf8)
        guard send(fd, bytes, bytes.count, 0) == bytes.count else { return nil }
        let start = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 4096)
        while (ContinuousClock.now - start) < .seconds(limit) {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                let elapsed = ContinuousClock.now - start
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
        }
        return nil
    }
}
