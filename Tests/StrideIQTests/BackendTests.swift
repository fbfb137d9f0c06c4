import Foundation
import Testing
@testable import StrideIQ

/// Makes the Postgres half of the integration suite visible: without `POSTGRES_URL` this reports itself
/// skipped with the reason; with it, it proves the server answers and migrations apply.
@Suite("Postgres backend", .enabled(if: TestBackend.postgresURL != nil,
                                    "POSTGRES_URL is not set: the integration suite runs on SQLite only (.ci/run sets it)"))
struct PostgresBackendTests {
    @Test func postgresAnswersAndMigrates() async throws {
        try await TestApp.with(.postgres) { t in
            let health = try await t.request(.GET, "/health")
            #expect(health.json["checks"]["database"]["backend"].string == "postgres")
            #expect(health.status == .ok)
        }
    }
}
