import Fluent
import Foundation
import Logging
import SQLKit
import StrideIQCore

/// The home screen and its briefing, on a database and plain values (no request). Reading never waits for a
/// job or a provider; the admin refresh only enqueues.
struct HomeService: Sendable {
    let briefings: BriefingService
    /// This process's snapshots; nil builds every time.
    var snapshots: HomeSnapshotCache?
    /// The caller's logger (a request's carries its id).
    let logger: Logger

    /// The deterministic home payload and the cached briefing (or why there is none).
    ///
    /// `athlete` is the row this request loaded (its `data_version` included): a snapshot built at that version
    /// and still holding at `now` skips the database; otherwise the facts are loaded and a new snapshot kept.
    /// The version is read before the facts, so a snapshot holds every write up to its version (and perhaps a
    /// later one, which a request reading that later version will not reuse).
    ///
    /// `db` is asked for only when a query runs: a snapshot hit with a fresh briefing runs none, and making a
    /// request's database handle was a few percent of such a request.
    func view(athlete: Athlete, now: Date, on db: @autoclosure () -> any Database) async throws -> HomeResponse {
        let home: HomePayload
        var homeJSON: Data?
        let fingerprint: String
        if let snapshot = snapshots?.lookup(athlete, at: now) {
            home = snapshot.home
            homeJSON = snapshot.homeJSON
            fingerprint = snapshot.fingerprint
        } else {
            let facts = try await HomeFactsLoader.load(athlete: athlete, now: now, on: db())
            home = HomeBuilder.build(facts)
            fingerprint = BriefingFingerprint.compute(facts: facts)
            if let snapshots,
                let snapshot = HomeSnapshot(
                    athleteID: try athlete.requireID(), dataVersion: athlete.dataVersion, timeZone: athlete.timezone,
                    facts: facts, home: home, fingerprint: fingerprint)
            {
                snapshots.store(snapshot)
                homeJSON = snapshot.homeJSON
            }
        }
        let briefing = await briefings.read(athlete: athlete, fingerprint: fingerprint, now: now, db: db(), logger: logger)
        return HomeResponse(
            home: home, briefing: briefing, homeJSON: homeJSON,
            briefingJSON: try briefings.json(of: briefing, for: try athlete.requireID()))
    }

    enum AdminRefreshOutcome: String, Sendable {
        case enqueued, coalesced
    }

    /// Asks for a new briefing for `target`: admin/owner only (403 otherwise), 404 for an unknown athlete.
    /// Every accepted call writes an audit row; refused ones write at most one per caller and action per
    /// `AuditLog.forbiddenWindow` (`AuditLog.recordForbidden`), so a caller cannot flood the table.
    func adminRefresh(
        actor: Athlete, target: UUID, now: Date, cache: any SharedCache, on db: any Database
    ) async throws -> AdminRefreshOutcome {
        let action = "home_briefing.admin_refresh"
        let actorID = try actor.requireID()
        guard actor.role.isAdmin else {
            try await AuditLog.recordForbidden(
                actor: actorID, action: action, target: target, now: now, cache: cache, on: db, logger: logger)
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
    /// One "forbidden" row per caller and action per window: enough to show who probed what and when, without
    /// letting a caller write a row per request. A constant: nothing needs to tune it.
    static let forbiddenWindow: Duration = .seconds(60)

    /// Records a refused privileged call, throttled to one row per (actor, action) per `forbiddenWindow`.
    /// The throttle is a `setIfAbsent` marker in the shared cache (every process sees it). When the cache
    /// fails, the database decides instead: a row is written unless one for the same actor and action exists
    /// inside the window. That keeps the first attempt recorded during a cache outage (an audit trail must not
    /// go blind when Redis does) and still bounds the rows; concurrent calls may then each write one.
    static func recordForbidden(
        actor: UUID, action: String, target: UUID?, now: Date, cache: any SharedCache, on db: any Database,
        logger: Logger
    ) async throws {
        let key = "audit:forbidden:\(actor.uuidString):\(action)"
        let first: Bool
        do {
            first = try await cache.setIfAbsent(key, "1", ttl: forbiddenWindow)
        } catch {
            logger.warning("audit throttle: cache unavailable, checking the database", metadata: ["error": "\(error)"])
            let since = now.addingTimeInterval(-Double(forbiddenWindow.components.seconds))
            let recent = try await (db as! any SQLDatabase).select().column("id").from("audit_log")
                .where("actor_id", .equal, SQLBind(actor)).where("action", .equal, SQLBind(action))
                .where("result", .equal, SQLBind("forbidden")).where("created_at", .greaterThan, SQLBind(since))
                .limit(1).all()
            first = recent.isEmpty
        }
        guard first else { return }
        try await record(actor: actor, action: action, target: target, result: "forbidden", now: now, on: db)
    }

    static func record(actor: UUID, action: String, target: UUID?, result: String, now: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw(
            """
            INSERT INTO audit_log (id, actor_id, action, target_id, result, created_at)
            VALUES (\(bind: UUID()), \(bind: actor), \(bind: action), \(bind: target), \(bind: result), \(bind: now))
            """
        ).run()
    }
}
