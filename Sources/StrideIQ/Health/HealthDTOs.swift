import Foundation
import StrideIQCore
import Vapor

extension HealthRoutes {
    struct Ping: Content { let status: String }

    struct Check: Codable, Sendable {
        let status: String
        let latencyMs: Double
        let backend: String
        @Nullable var error: String?
        enum CodingKeys: String, CodingKey { case status, backend, error, latencyMs = "latency_ms" }
    }

    struct Report: Codable, Sendable {
        let status: String
        let checks: [String: Check]
        @Nullable var failed: [String]?
    }
}
