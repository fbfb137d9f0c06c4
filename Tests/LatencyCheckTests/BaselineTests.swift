import Foundation
import Testing

@testable import LatencyCheck

@Suite("Baseline file")
struct BaselineTests {
    static let sample = Baseline(
        baseURL: "http://127.0.0.1:8080",
        takenAt: Date(timeIntervalSince1970: 1_767_225_600),  // whole seconds: ISO 8601 as written has no fractions
        samples: 3,
        concurrency: 1,
        endpoints: [
            Baseline.Endpoint(
                name: "GET /v1/health",
                samples: [
                    Sample(durationMs: 1.25), Sample(durationMs: 2.5),
                    Sample(durationMs: 3, failure: "503"),
                ]),
            Baseline.Endpoint(name: "GET /v1/home", samples: Array(repeating: Sample(durationMs: 0, failure: "no access token"), count: 3)),
        ])

    @Test func roundTrip() throws {
        let decoded = try Baseline.decode(Self.sample.jsonData())
        #expect(decoded == Self.sample)
    }

    @Test func writtenShape() throws {
        let text = String(decoding: try Self.sample.jsonData(), as: UTF8.self)
        #expect(text.contains(#""version" : 1"#))
        #expect(text.contains(#""base_url" : "http://127.0.0.1:8080""#))
        #expect(text.contains(#""taken_at" : "2026-01-01T00:00:00Z""#))
        #expect(text.contains(#""p95_ms" : null"#))
        #expect(text.contains(#""503" : 1"#))
        #expect(text.contains(#""no access token" : 3"#))
        // Sorted keys: concurrency before endpoints before samples before taken_at.
        let order = ["\"base_url\"", "\"concurrency\"", "\"endpoints\"", "\"taken_at\"", "\"version\""]
            .map { text.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())
    }

    @Test func endpointSummary() {
        let health = Self.sample.endpoints[0]
        #expect(health.successes == 2)
        #expect(health.durationsMs == [1.25, 2.5])
        #expect(health.failures == ["503": 1])
        #expect(health.p95Ms == 2.5)
        #expect(abs(health.successRate - 2.0 / 3.0) < 1e-12)
    }

    @Test func loadRejectsGarbageMissingAndOtherVersions() throws {
        let garbage = temporaryPath("garbage.json")
        try Data("not json".utf8).write(to: URL(fileURLWithPath: garbage))
        defer { try? FileManager.default.removeItem(atPath: garbage) }
        #expect(throws: BaselineError.self) { try Baseline.load(path: garbage) }

        #expect(throws: BaselineError.unreadable(path: "/nonexistent/baseline.json", reason: "no such file")) {
            try Baseline.load(path: "/nonexistent/baseline.json")
        }

        var future = Self.sample
        future.version = 2
        let futurePath = temporaryPath("v2.json")
        try future.write(to: futurePath)
        defer { try? FileManager.default.removeItem(atPath: futurePath) }
        #expect(throws: BaselineError.unsupportedVersion(path: futurePath, version: 2)) { try Baseline.load(path: futurePath) }
    }
}
