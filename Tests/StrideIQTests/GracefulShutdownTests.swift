import AsyncHTTPClient
import Foundation
import LLM
import LLMFakeServer
import NIOCore
import SQLKit
import Testing
import Vapor

@testable import StrideIQ

/// SIGTERM to a real `strideiq serve` process with a briefing job running and coach streams open: every
/// stream ends with `error {shutting_down}` then `done`, the job is released to the queue, and the process
/// exits 0 within `SHUTDOWN_TIMEOUT_S`. On each backend the suite runs on.
@Suite(.serialized) struct GracefulShutdownTests {
    static let shutdownTimeout = 12
    static let workerDrain = 2

    @Test(arguments: TestBackend.available)
    func sigtermDrainsStreamsAndJobsThenExitsZero(backend: TestBackend) async throws {
        // The briefing provider never answers, so the job is still running at SIGTERM; the coach streams a
        // long answer slowly, so the streams are open.
        try await withFakeLLM(FakeBehaviour(fault: .neverAnswer)) { briefingLLM in
            try await withFakeLLM(FakeBehaviour(tokens: FakeBehaviour.words(2_000), tokenDelay: .milliseconds(50))) { coachLLM in
                try await ProcessDatabase.with(backend) { database in
                    try await run(backend: backend, database: database, briefingLLM: briefingLLM, coachLLM: coachLLM)
                }
            }
        }
    }

    private func run(
        backend: TestBackend, database: ProcessDatabase, briefingLLM: FakeLLMServer,
        coachLLM: FakeLLMServer
    ) async throws {
        let folder = try makeEmptyDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try await freeLoopbackPort()
        var environment = [
            "STRIDEIQ_ENV": "testing", "HOST": "127.0.0.1", "PORT": "\(port)", "DATABASE_URL": database.url,
            "SECRET_KEY": TestApp.testSecret, "BCRYPT_COST": "4", "LOG_LEVEL": "info",
            "BRIEFING_LLM_PROVIDER": "openai", "BRIEFING_LLM_BASE_URL": briefingLLM.openAIBaseURL, "BRIEFING_LLM_MODEL": "fake",
            "BRIEFING_LLM_FIRST_TOKEN_TIMEOUT_S": "30", "BRIEFING_LLM_IDLE_TIMEOUT_S": "30",
            "BRIEFING_PROVIDER_TIMEOUT_S": "40", "BRIEFING_JOB_TIMEOUT_S": "50",
            "COACH_LLM_PROVIDER": "openai", "COACH_LLM_BASE_URL": coachLLM.openAIBaseURL, "COACH_LLM_MODEL": "fake",
            "COACH_STREAM_TIMEOUT_S": "60",
            "SHUTDOWN_TIMEOUT_S": "\(Self.shutdownTimeout)", "WORKER_DRAIN_S": "\(Self.workerDrain)",
        ]
        if backend == .postgres, let redis = TestBackend.redisURL { environment["REDIS_URL"] = redis }
        let child = try ChildProcess.start(["serve"], environment: environment, directory: folder)
        defer { child.kill() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await exercise(
                child, client: client, base: "http://127.0.0.1:\(port)", database: database,
                briefingLLM: briefingLLM, coachLLM: coachLLM)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func exercise(
        _ child: ChildProcess, client: HTTPClient, base: String, database: ProcessDatabase,
        briefingLLM: FakeLLMServer, coachLLM: FakeLLMServer
    ) async throws {
        try await waitUntilServing(client, base, child)

        // Started in an empty folder, the binary still finds the web app it serves at / (its resource bundle).
        let page = try await client.execute(HTTPClientRequest(url: base + "/"), timeout: .seconds(10))
        let pageText = String(buffer: try await page.body.collect(upTo: 1 << 20))
        #expect(page.status == .ok && pageText.contains("/js/main.js"), "GET / from an empty working directory: \(page.status)")

        // An athlete who allows AI: the consent change enqueues a briefing job, which the worker starts.
        let email = "sigterm-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let registered = try await send(
            client, .POST, base + "/v1/auth/register",
            ["email": .string(email), "password": "tempo-run-42-miles", "timezone": "UTC"])
        #expect(registered.status == 201, "\(registered.json)")
        let token = try #require(registered.json["access_token"].string)
        let athleteID = try #require(registered.json["athlete"]["id"].string)
        let consent = try await send(client, .PATCH, base + "/v1/athlete", ["ai_consent": true], token: token)
        #expect(consent.status == 200)
        #expect(await briefingLLM.waitForRequests(1, timeout: .seconds(20)), "the briefing job did not start:\n\(child.log)")

        // Two coach streams (the per-athlete cap), each past its first delta.
        let streams = (0..<2).map { index in
            Task {
                try await readCoachStream(
                    client, baseURL: base, token: token, message: "Stream \(index): how was my week?", timeout: .seconds(60))
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while coachLLM.requestCount < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(500))  // a few deltas each

        let clock = ContinuousClock()
        let signalled = clock.now
        child.signal(SIGTERM)
        for stream in streams {
            let result = try await stream.value
            #expect(result.status == 200 && result.ended)
            let frames = result.frames
            let events = frames.map(\.event)
            #expect(events.first == "meta")
            #expect(events.contains("delta"))
            #expect(Array(events.suffix(2)) == ["error", "done"], "frames: \(events.suffix(5))")
            #expect(frames.dropLast().last?.json["code"].string == "shutting_down")
            #expect(frames.last?.json["finish_reason"].string == "shutting_down")
        }
        let exited = try await child.waitForExit(timeout: .seconds(Self.shutdownTimeout + 5))
        let took = clock.now - signalled
        #expect(exited, "still running \(took) after SIGTERM:\n\(child.log)")
        guard exited else { return }
        #expect(child.process.terminationReason == .exit)
        #expect(child.process.terminationStatus == 0, "exit status:\n\(child.log)")
        #expect(took < .seconds(Self.shutdownTimeout), "took \(took)")
        // The worker waited its drain for the hanging job, then gave it back: another worker runs it next.
        #expect(took >= .seconds(Self.workerDrain))
        let log = child.log
        #expect(log.contains("coach streams drained"), "\(log)")
        #expect(log.contains("worker stopped") && log.contains("released=1"), "\(log)")

        let jobs = try await database.jobs(athleteID: try #require(UUID(uuidString: athleteID)))
        #expect(!jobs.isEmpty)
        for job in jobs {
            #expect(job.status == "queued", "every job is back in the queue: \(jobs)")
            #expect(job.attempts == 0, "a release does not count as an attempt: \(jobs)")
        }
        // Both partial answers were saved with how they ended.
        #expect(try await database.assistantFinishReasons() == ["shutting_down", "shutting_down"])
    }

    private func waitUntilServing(_ client: HTTPClient, _ base: String, _ child: ChildProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let response = try? await client.execute(HTTPClientRequest(url: base + "/ping"), timeout: .seconds(1)),
                response.status == .ok
            {
                return
            }
            guard child.process.isRunning else { throw ChildProcessError(message: "strideiq exited:\n\(child.log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ChildProcessError(message: "strideiq did not answer /ping within 60 s:\n\(child.log)")
    }

    private func send(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, _ body: JSON,
        token: String? = nil
    ) async throws -> (status: Int, json: JSON) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(data: body.data))
        let response = try await client.execute(request, timeout: .seconds(10))
        var buffer = try await response.body.collect(upTo: 1 << 20)
        let data = buffer.readData(length: buffer.readableBytes) ?? Data()
        return (Int(response.status.code), (try? JSON(data: data)) ?? .null)
    }
}

/// A database of its own for a child process: a temporary SQLite file, or a new database in the Postgres
/// test cluster (dropped afterwards). Read back with plain SQL once the child has exited.
struct ProcessDatabase: Sendable {
    let backend: TestBackend
    let url: String
    let inspector: TestApp

    static func with(_ backend: TestBackend, _ body: (ProcessDatabase) async throws -> Void) async throws {
        switch backend {
        case .sqlite:
            let path = NSTemporaryDirectory() + "strideiq-process-\(UUID().uuidString).sqlite"
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            try await TestApp.with(.sqlite, config: { $0.database = .sqlite(path: path) }, migrate: false) { inspector in
                try await body(ProcessDatabase(backend: backend, url: "sqlite://" + path, inspector: inspector))
            }
        case .postgres:
            let base = try #require(TestBackend.postgresURL)
            let name = "strideiq_process_" + UUID().uuidString.prefix(8).lowercased()
            try await TestApp.with(.postgres) { admin in
                let sql = admin.app.db as! any SQLDatabase
                try await sql.raw("CREATE DATABASE \(unsafeRaw: name)").run()
                var components = try #require(URLComponents(string: base))
                components.path = "/" + name
                let url = try #require(components.string)
                do {
                    try await TestApp.with(.postgres, config: { $0.database = .postgres(url: url) }, migrate: false) { inspector in
                        try await body(ProcessDatabase(backend: backend, url: url, inspector: inspector))
                    }
                } catch {
                    try? await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run()
                    throw error
                }
                try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run()
            }
        }
    }

    /// The child's tables: in the database's default schema (the inspector's own search path is elsewhere).
    private var tables: String { backend == .postgres ? "public." : "" }

    func jobs(athleteID: UUID) async throws -> [(status: String, attempts: Int)] {
        let sql = inspector.app.db as! any SQLDatabase
        return try await sql.raw(
            "SELECT status, attempts FROM \(unsafeRaw: tables)jobs WHERE kind = 'briefing' AND athlete_id = \(bind: athleteID)"
        )
        .all().map { (try $0.decode(column: "status", as: String.self), try $0.decode(column: "attempts", as: Int.self)) }
    }

    func assistantFinishReasons() async throws -> [String?] {
        let sql = inspector.app.db as! any SQLDatabase
        return try await sql.raw("SELECT finish_reason FROM \(unsafeRaw: tables)coach_messages WHERE role = 'assistant'")
            .all().map { try $0.decode(column: "finish_reason", as: String?.self) }
    }
}
