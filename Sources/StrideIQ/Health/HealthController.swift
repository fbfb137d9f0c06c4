import Fluent
import SQLKit
import Vapor

/// `/ping` (liveness: touches nothing) and `/health`, `/v1/health` (readiness: a database and a cache round trip).
struct HealthController: RouteCollection {
    /// A dependency slower than this counts as failed: readiness must answer fast, even when things hang.
    static let checkTimeout: Duration = .seconds(2)

    func boot(routes: any RoutesBuilder) throws {
        routes.get("ping", use: ping)
        routes.get("health", use: health)
        routes.get("v1", "health", use: health)
    }

    struct Ping: Content { let status: String }

    func ping(req: Request) async throws -> JSONResponse<Ping> {
        JSONResponse(.ok, Ping(status: "alive"))
    }

    struct Check: Codable, Sendable {
        let status: String
        let latencyMs: Double
        let backend: String
        let error: String?
        enum CodingKeys: String, CodingKey { case status, backend, error, latencyMs = "latency_ms" }
    }

    struct Report: Codable, Sendable {
        let status: String
        let checks: [String: Check]
        let failed: [String]?
    }

    func health(req: Request) async throws -> JSONResponse<Report> {
        let databaseKind = req.application.config.database.kind
        let cache = req.application.cache
        let db = req.db
        async let database = Self.measure(backend: databaseKind) {
            _ = try await (db as! any SQLDatabase).raw("SELECT 1").all()
        }
        async let cacheCheck = Self.measure(backend: cache.backendName) { try await cache.ping() }
        let checks = ["database": await database, "cache": await cacheCheck]
        let failed = checks.filter { $0.value.status != "ok" }.keys.sorted()
        if !failed.isEmpty {
            req.logger.warning("readiness degraded", metadata: ["failed": "\(failed)"])
        }
        return JSONResponse(failed.isEmpty ? .ok : .serviceUnavailable,
                            Report(status: failed.isEmpty ? "ok" : "degraded", checks: checks, failed: failed.isEmpty ? nil : failed))
    }

    static func measure(backend: String, _ probe: @escaping @Sendable () async throws -> Void) async -> Check {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await withDeadline(checkTimeout) { try await probe() }
            return Check(status: "ok", latencyMs: milliseconds(clock.now - start), backend: backend, error: nil)
        } catch {
            return Check(status: "failed", latencyMs: milliseconds(clock.now - start), backend: backend,
                         error: error is DeadlineExceeded ? "timed out after \(checkTimeout)" : "unreachable")
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(toPlaces: 2)
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let factor = Foundation.pow(10, Double(places))
        return (self * factor).rounded() / factor
    }
}

