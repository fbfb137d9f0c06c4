import Fluent
import Foundation
import LLM
import LLMFakeServer
import SQLKit
import Testing

@testable import StrideIQ

/// A model answer that meets the briefing contract (check-in and race fields included).
let validBriefingAnswer =
    #"{"morning_voice":"You ran 24.3 km this week. Keep today easy.","coach_noticed":"Your easy pace has dropped 6 s/km.","today_context":"Easy 8 km.","week_assessment":"On track.","checkin_reaction":"Good sleep.","race_assessment":"Race is close.","workout_why":"Aerobic base."}"#

extension FakeBehaviour {
    /// Answers with `text`, split into a few chunks.
    static func answer(_ text: String, tokenDelay: Duration = .zero) -> FakeBehaviour {
        let size = max(1, text.count / 4)
        var chunks: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            chunks.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return FakeBehaviour(tokens: chunks, tokenDelay: tokenDelay)
    }
}

extension AppConfig {
    /// Briefings from the fake server with short timeouts (provider 1 s inside a 2 s job deadline).
    mutating func useFakeBriefingProvider(_ server: FakeLLMServer, providerTimeout: Int = 1, jobTimeout: Int = 2) {
        briefingLLM = LLMSettings(
            provider: .openai, baseURL: server.openAIBaseURL, apiKey: nil, model: "fake-model",
            timeouts: LLMTimeouts(
                connect: .seconds(1), firstToken: .seconds(providerTimeout),
                idle: .seconds(providerTimeout), request: .seconds(providerTimeout)))
        briefingJobTimeout = TimeInterval(jobTimeout)
    }
}

/// Runs `body` with a fake LLM server, always shutting it down.
func withFakeLLM<T>(_ behaviour: FakeBehaviour = .answer(validBriefingAnswer), _ body: (FakeLLMServer) async throws -> T) async throws -> T
{
    let server = try await FakeLLMServer.start(behaviour: behaviour)
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

struct JobRow: Sendable, Equatable {
    let id: UUID
    let status: JobStatus
    let priority: Int
    let reason: String
    let attempts: Int
    let lastError: String?
    let runAt: Date
}

extension TestApp {
    var services: AppServices { app.strideIQ }

    /// The jobs of one kind (briefings unless asked; every trigger also enqueues an analytics job).
    func jobs(athleteID: String? = nil, kind: JobQueue.Kind = .briefing) async throws -> [JobRow] {
        let sql = app.db as! any SQLDatabase
        let rows: [any SQLRow]
        if let athleteID {
            rows = try await sql.raw(
                "SELECT * FROM jobs WHERE kind = \(bind: kind.rawValue) AND athlete_id = \(bind: UUID(uuidString: athleteID)!) ORDER BY created_at"
            ).all()
        } else {
            rows = try await sql.raw("SELECT * FROM jobs WHERE kind = \(bind: kind.rawValue) ORDER BY created_at").all()
        }
        return try rows.map {
            JobRow(
                id: try $0.decode(column: "id", as: UUID.self), status: try $0.decode(column: "status", as: JobStatus.self),
                priority: try $0.decode(column: "priority", as: Int.self), reason: try $0.decode(column: "reason", as: String.self),
                attempts: try $0.decode(column: "attempts", as: Int.self),
                lastError: try $0.decode(column: "last_error", as: String?.self),
                runAt: try $0.decode(column: "run_at", as: Date.self))
        }
    }

    func queued(_ athleteID: String) async throws -> [JobRow] { try await jobs(athleteID: athleteID).filter { $0.status == .queued } }

    /// Registers an athlete who allows AI (briefings need consent).
    func registerWithConsent(timezone: String = "UTC") async throws -> Session {
        let s = try await register(timezone: timezone)
        let reply = try await request(.PATCH, "/v1/athlete", json: ["ai_consent": true], token: s.accessToken)
        #expect(reply.status == .ok)
        // The consent change also queued an analytics recompute; briefing tests claim and count jobs, and start
        // with the briefing job alone.
        try await (app.db as! any SQLDatabase).raw(
            "DELETE FROM jobs WHERE kind = \(bind: JobQueue.Kind.analytics.rawValue) AND athlete_id = \(bind: UUID(uuidString: s.athleteID)!)"
        ).run()
        return s
    }

    /// Runs the worker until no job is due (bounded), waiting for the jobs it started.
    func drainJobs(maxRounds: Int = 20) async {
        for _ in 0..<maxRounds {
            let started = await services.worker.pollOnce()
            while services.worker.inFlightCount > 0 { try? await Task.sleep(for: .milliseconds(10)) }
            if started == 0 { return }
        }
    }

    func home(_ s: Session) async throws -> Reply { try await request(.GET, "/v1/home", token: s.accessToken) }
}

extension TestApp {
    func clearJobs() async throws {
        try await (app.db as! any SQLDatabase).raw("DELETE FROM jobs").run()
    }
}
