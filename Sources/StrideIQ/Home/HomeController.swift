import Fluent
import SQLKit
import Vapor
import StrideIQCore

/// `/v1/home` (deterministic payload + cached briefing), `/v1/home/briefing` (just the briefing, with an ETag,
/// for polling) and the admin refresh. None of them ever waits for a job or a provider.
struct HomeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let home = routes.grouped("v1", "home")
        home.get(use: show)
        home.get("briefing", use: briefing)
        home.post("admin", "briefing-refresh", ":athlete_id", use: adminRefresh)
    }

    func show(req: Request) async throws -> JSONResponse<HomeResponse> {
        let athlete = try req.currentAthlete.athlete
        let facts = try await HomeFactsLoader.load(athlete: athlete, now: req.application.now(), on: req.db)
        let home = HomeBuilder.build(facts)
        let view = await req.application.briefings.read(athlete: athlete, facts: facts, home: home, db: req.db, logger: req.logger)
        return JSONResponse(.ok, HomeResponse(home: home, briefing: view))
    }

    func briefing(req: Request) async throws -> Response {
        let athlete = try req.currentAthlete.athlete
        let facts = try await HomeFactsLoader.load(athlete: athlete, now: req.application.now(), on: req.db)
        let home = HomeBuilder.build(facts)
        let view = await req.application.briefings.read(athlete: athlete, facts: facts, home: home, db: req.db, logger: req.logger)
        let body = try JSONCoding.encoder.encode(view)
        let etag = "\"" + SHA256.hash(data: body).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: etag)
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        if req.headers[.ifNoneMatch].contains(where: { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains(etag) }) {
            return Response(status: .notModified, headers: headers)
        }
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: body))
    }

    struct RefreshAccepted: Content {
        let status: String
        let athleteID: UUID
        enum CodingKeys: String, CodingKey { case status, athleteID = "athlete_id" }
    }

    /// Admin/owner only (403 otherwise). Every call, accepted or not, writes an audit row.
    func adminRefresh(req: Request) async throws -> JSONResponse<RefreshAccepted> {
        let actor = try req.currentAthlete
        let target = try req.uuidParameter("athlete_id", resource: "Athlete")
        let briefings = req.application.briefings
        let logger = req.logger
        let now = req.application.now()
        guard actor.role.isAdmin else {
            try await AuditLog.record(actor: actor.id, action: "home_briefing.admin_refresh", target: target, result: "forbidden", now: now, on: req.db)
            throw APIError(.forbidden, code: "forbidden", detail: "Access denied. Required roles: admin, owner")
        }
        let status: String = try await req.db.transaction { db in
            guard try await Athlete.find(target, on: db) != nil else {
                try await AuditLog.record(actor: actor.id, action: "home_briefing.admin_refresh", target: target, result: "not_found", now: now, on: db)
                return "not_found"
            }
            let outcome = try await briefings.requestRefresh(athleteID: target, priority: .trigger, reason: "admin", on: db, logger: logger)
            try await AuditLog.record(actor: actor.id, action: "home_briefing.admin_refresh", target: target, result: outcome.rawValue, now: now, on: db)
            return outcome == .coalesced ? "coalesced" : "enqueued"
        }
        guard status != "not_found" else { throw APIError.notFound("Athlete") }
        return JSONResponse(.accepted, RefreshAccepted(status: status, athleteID: target))
    }
}

/// Append-only record of privileged actions.
enum AuditLog {
    static func record(actor: UUID, action: String, target: UUID?, result: String, now: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("""
            INSERT INTO audit_log (id, actor_id, action, target_id, result, created_at)
            VALUES (\(bind: UUID()), \(bind: actor), \(bind: action), \(bind: target), \(bind: result), \(bind: now))
            """).run()
    }
}
