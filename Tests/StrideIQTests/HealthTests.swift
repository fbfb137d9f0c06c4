import Foundation
import Testing
import Vapor

@testable import StrideIQ

@Suite("Health")
struct HealthTests {
    @Test(arguments: TestBackend.available)
    func pingAndReadiness(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let ping = try await t.request(.GET, "/ping")
            #expect(ping.status == .ok)
            #expect(ping.json == ["status": "alive"])
            // The route's kept body is what the encoder writes for its type.
            #expect(Data(buffer: HealthRoutes.pingBody) == (try JSONCoding.encoder.encode(HealthRoutes.Ping(status: "alive"))))
            for path in ["/health", "/v1/health"] {
                let health = try await t.request(.GET, path)
                #expect(health.status == .ok)
                #expect(health.json["status"].string == "ok")
                #expect(health.json["checks"]["database"]["status"].string == "ok")
                #expect(health.json["checks"]["database"]["backend"].string == backend.rawValue)
                #expect(health.json["checks"]["database"]["latency_ms"].double != nil)
                #expect(health.json["checks"]["cache"]["status"].string == "ok")
            }
        }
    }

    @Test func unreachableDatabaseIsA503NamingIt() async throws {
        // Nothing listens on port 1: the connection is refused. Liveness stays up; readiness says why.
        try await TestApp.with(.sqlite, config: { $0.database = .postgres(url: "postgres://nobody:pw@127.0.0.1:1/none") }, migrate: false) {
            t in
            let clock = ContinuousClock()
            let start = clock.now
            let health = try await t.request(.GET, "/health")
            #expect(clock.now - start < .seconds(5))
            expectHealthFailure(health, failed: "database")
            #expect(health.json["checks"]["cache"]["status"].string == "ok")
            #expect(try await t.request(.GET, "/ping").status == .ok)
        }
    }

    @Test func failingCacheIsA503NamingIt() async throws {
        try await TestApp.with(.sqlite, overrides: AppOverrides(cache: BrokenCache())) { t in
            expectHealthFailure(try await t.request(.GET, "/v1/health"), failed: "cache")
        }
    }

    @Test func hangingCacheTimesOutInsteadOfHangingReadiness() async throws {
        try await TestApp.with(.sqlite, overrides: AppOverrides(cache: BrokenCache(hang: true))) { t in
            let clock = ContinuousClock()
            let start = clock.now
            let health = try await t.request(.GET, "/health")
            let elapsed = clock.now - start
            expectHealthFailure(health, failed: "cache")
            #expect(elapsed >= HealthService.checkTimeout && elapsed < HealthService.checkTimeout + .seconds(2))
            #expect(health.json["checks"]["cache"]["error"].string?.contains("timed out") == true)
        }
    }

    func expectHealthFailure(_ reply: Reply, failed: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == .serviceUnavailable, sourceLocation: sourceLocation)
        #expect(reply.json["status"].string == "degraded", sourceLocation: sourceLocation)
        #expect(reply.json["checks"][failed]["status"].string == "failed", sourceLocation: sourceLocation)
        #expect(reply.json["failed"] == [JSON.string(failed)], sourceLocation: sourceLocation)
    }
}

/// A cache whose server is down (or hangs), for fault tests.
struct BrokenCache: SharedCache {
    var hang = false
    struct Down: Error {}
    var backendName: String { "broken" }
    var isShared: Bool { true }
    private func fail() async throws -> Never {
        if hang { try await Task.sleep(for: .seconds(3600)) }
        throw Down()
    }
    func get(_ key: String) async throws -> String? { try await fail() }
    func set(_ key: String, _ value: String, ttl: Duration) async throws { try await fail() }
    func setIfAbsent(_ key: String, _ value: String, ttl: Duration) async throws -> Bool { try await fail() }
    func increment(_ key: String, windowTTL ttl: Duration) async throws -> Int { try await fail() }
    func timeToLive(_ key: String) async throws -> Duration? { try await fail() }
    func delete(_ key: String) async throws { try await fail() }
    func deleteIfValue(_ key: String, equals value: String) async throws -> Bool { try await fail() }
    func ping() async throws { try await fail() }
}
