import Fluent
import Foundation
import Logging
import SQLKit
import StrideIQSupport

/// Readiness: one database and one cache round trip, each bounded, measured side by side.
struct HealthService: Sendable {
    /// A dependency slower than this counts as failed: readiness must answer fast, even when things hang.
    static let checkTimeout: Duration = .seconds(2)

    let databaseKind: String
    let cache: any SharedCache
    let logger: Logger

    /// Every check, and which failed (nil when none did).
    func readiness(on db: any Database) async -> HealthRoutes.Report {
        let cache = cache
        async let database = Self.measure(backend: databaseKind) {
            _ = try await (db as! any SQLDatabase).raw("SELECT 1").all()
        }
        async let cacheCheck = Self.measure(backend: cache.backendName) { try await cache.ping() }
        let checks = ["database": await database, "cache": await cacheCheck]
        let failed = checks.filter { $0.value.status != "ok" }.keys.sorted()
        if !failed.isEmpty {
            logger.warning("readiness degraded", metadata: ["failed": "\(failed)"])
        }
        return HealthRoutes.Report(status: failed.isEmpty ? "ok" : "degraded", checks: checks, failed: failed.isEmpty ? nil : failed)
    }

    static func measure(backend: String, _ probe: @escaping @Sendable () async throws -> Void) async -> HealthRoutes.Check {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await withDeadline(checkTimeout) { try await probe() }
            return HealthRoutes.Check(status: "ok", latencyMs: milliseconds(clock.now - start), backend: backend, error: nil)
        } catch {
            return HealthRoutes.Check(
                status: "failed", latencyMs: milliseconds(clock.now - start), backend: backend,
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
