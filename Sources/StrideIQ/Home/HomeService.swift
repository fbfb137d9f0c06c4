import Fluent
import Foundation
import Logging
import SQLKit
import StrideIQCore

/// The home screen and its briefing, on a database and plain values (no request). Reading never waits for a
/// job or a provider; the admin refresh only enqueues.
struct HomeService: Sendable {
    let briefings: BriefingService
    /// The caller's logger (a request's carries its id).
    let logger: Logger

    /// The deterministic home payload and the cached briefing (or why there is none).
    func view(athlete: Athlete, now: Date, on db: any Database) async throws -> HomeResponse {
        let facts = try await HomeFactsLoader.load(athlete: athlete, now: now, on: db)
        let home = HomeBuilder.build(facts)
        let briefing = await briefings.read(athlete: athlete, facts: facts, home: home, db: db, logger: logger)
        return HomeResponse(home: home, briefing: briefing)
    }

    enum AdminRefreshOutcome: String, Sendable {
        case enqueued, coalesced
    }

    /// Asks for a new briefing for `target`: admin/owner only (403 otherwise), 404 for an unknown athlete.
    /// Every call, accepted or not, writes an audit row.
    func adminRefresh(actor: Athlete, target: UUID, now: Date, on db: any Database) async throws -> AdminRefreshOutcome {
        let action = "home_briefing.admin_refresh"
        let actorID = try actor.requireID()
        guard actor.role.isAdmin else {
            try await AuditLog.record(actor: actorID, action: action, target: target, result: "forbidden", now: now, on: db)
            throw APIError(.forbidden, code: .forbidden, detail: "Access denied. Required roles: admin, owner")
        }
        let briefings = briefings
        let logger = logger
        let outcome: AdminRefreshOutcome? = try await db.write(athlete: target) { db in
            guard try await Athlete.find(target, on: db) != nil else {
                try await AuditLog.record(actor: actorID, action: action, target: target, result: "not_found", now: now, on: db)
                return nil
            }
            let outcome = try await briefings.requestRefresh(
                athleteID: target, priority: .trigger, reason: "admin",
                on: db, logger: logger)
            try await AuditLog.record(actor: actorID, action: action, target: target, result: outcome.rawValue, now: now, on: db)
            return outcome == .coalesced ? .coalesced : .enqueued
        }
        guard let outcome else { throw APIError.notFound("Athlete") }
        return outcome
    }
}

/// Append-only record of privileged actions.
enum AuditLog {
    static func record(actor: UUID, action: String, target: UUID?, result: String, now: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw(
            """
            INSERT INTO audit_log (id, actor_id, action, target_id, result, created_at)
            VALUES (\(bind: UUID()), \(bind: actor), \(bind: action), \(bind: target), \(bind: result), \(bind: now))
            """
        ).run()
    }
}
