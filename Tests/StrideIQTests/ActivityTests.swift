import Foundation
import Testing
import Vapor

@testable import StrideIQ

@Suite("Activities")
struct ActivityTests {
    static let start = "2026-11-20T07:00:00Z"

    @Test(arguments: TestBackend.available)
    func createListShowDelete(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let created = try await t.request(
                .POST, "/v1/activities",
                json: [
                    "name": "Morning run", "start_time": "\(Self.start)", "timezone": "America/New_York",
                    "distance_m": 10000, "moving_time_s": 3000, "duration_s": 3100, "avg_hr": 150, "max_hr": 172,
                    "elevation_gain_m": 80.5,
                ], token: s.accessToken)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"].string)
            #expect(created.json["sport"].string == "run")
            #expect(created.json["source"].string == "manual")
            #expect(created.json["utc_offset_s"].int == -5 * 3600)
            #expect(created.json["local_date"].string == "2026-11-20")
            #expect(created.json["pace_s_per_km"].double == 300)

            for (offset, sport) in [(1, "run"), (2, "cycling"), (3, "run")] {
                let day = String(format: "2026-11-%02d", 20 - offset * 2)
                let reply = try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "\(day)T07:00:00Z", "sport": "\(sport)", "distance_m": 5000],
                    token: s.accessToken)
                #expect(reply.status == .created)
            }
            let page = try await t.request(.GET, "/v1/activities?limit=2", token: s.accessToken)
            #expect(page.json["total"].int == 4)
            #expect(page.json["activities"].array.count == 2)
            #expect(page.json["activities"][0]["id"].string == id, "newest first")
            let second = try await t.request(.GET, "/v1/activities?limit=2&offset=2", token: s.accessToken)
            #expect(second.json["activities"][1]["start_time"].string == "2026-11-14T07:00:00Z")
            let rides = try await t.request(.GET, "/v1/activities?sport=cycling", token: s.accessToken)
            #expect(rides.json["total"].int == 1)
            let window = try await t.request(.GET, "/v1/activities?since=2026-11-15&until=2026-11-19T00:00:00Z", token: s.accessToken)
            #expect(window.json["activities"].array.map { $0["start_time"].string } == ["2026-11-18T07:00:00Z", "2026-11-16T07:00:00Z"])

            #expect(try await t.request(.GET, "/v1/activities/\(id)", token: s.accessToken).json["name"].string == "Morning run")
            #expect(try await t.request(.DELETE, "/v1/activities/\(id)", token: s.accessToken).status == .noContent)
            expectError(try await t.request(.GET, "/v1/activities/\(id)", token: s.accessToken), .notFound)
            expectError(try await t.request(.DELETE, "/v1/activities/\(id)", token: s.accessToken), .notFound)
        }
    }

    @Test(arguments: TestBackend.available)
    func idempotentOnSourceAndExternalID(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let body: JSON = ["start_time": "\(Self.start)", "distance_m": 8000, "source": "garmin", "external_id": "g-123"]
            let first = try await t.request(.POST, "/v1/activities", json: body, token: s.accessToken)
            #expect(first.status == .created)
            let again = try await t.request(.POST, "/v1/activities", json: body, token: s.accessToken)
            #expect(again.status == .ok)
            #expect(again.json["id"] == first.json["id"])
            // Concurrent imports of the same id store one row.
            let concurrent: JSON = ["start_time": "2026-11-10T07:00:00Z", "distance_m": 8000, "source": "garmin", "external_id": "g-456"]
            async let a = t.request(.POST, "/v1/activities", json: concurrent, token: s.accessToken)
            async let b = t.request(.POST, "/v1/activities", json: concurrent, token: s.accessToken)
            let (ra, rb) = try await (a, b)
            #expect(Set([ra.status.code, rb.status.code]).isSubset(of: [200, 201, 409]))
            #expect(try await t.request(.GET, "/v1/activities", token: s.accessToken).json["total"].int == 2)
            // external_id needs a source.
            expectError(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "\(Self.start)", "external_id": "x"], token: s.accessToken),
                .unprocessableEntity)
        }
    }

    @Test(arguments: TestBackend.available)
    func oneDuplicateRule(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let original = try await t.request(
                .POST, "/v1/activities", json: ["start_time": "2026-11-20T07:00:00Z", "distance_m": 10000], token: s.accessToken)
            let originalID = try #require(original.json["id"].string)
            // 120 s later and 3 % longer: the same run (from another source too).
            let dup = try await t.request(
                .POST, "/v1/activities",
                json: ["start_time": "2026-11-20T07:02:00Z", "distance_m": 10309, "source": "strava", "external_id": "s-1"],
                token: s.accessToken)
            expectError(dup, .conflict, code: "duplicate_activity")
            #expect(dup.json["existing_activity_id"].string == originalID)
            expectError(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "2026-11-20T06:58:00Z", "distance_m": 9700], token: s.accessToken),
                .conflict)
            // 121 s apart, or 3.5 % apart: different activities.
            #expect(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "2026-11-20T07:02:01Z", "distance_m": 10000], token: s.accessToken
                ).status == .created)
            #expect(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "2026-11-20T06:59:00Z", "distance_m": 10362.7], token: s.accessToken
                ).status == .created)
            // Five concurrent posts of the same new run: exactly one is stored.
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await t.request(
                            .POST, "/v1/activities", json: ["start_time": "2026-11-12T07:00:00Z", "distance_m": 5000], token: s.accessToken
                        ).status.code
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [201, 409, 409, 409, 409])
            // Another athlete's identical run is not a duplicate.
            let other = try await t.register()
            #expect(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "2026-11-20T07:00:00Z", "distance_m": 10000], token: other.accessToken
                ).status == .created)
        }
    }

    @Test(arguments: TestBackend.available)
    func validationBoundaries(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            var minute = 0
            func post(_ field: String, _ value: JSON) async throws -> Reply {
                minute += 10  // far enough apart never to be duplicates
                let start = Date(timeIntervalSince1970: 1_790_000_000 + Double(minute) * 60)
                let body: JSON = ["start_time": "\(JSONCoding.formatTimestamp(start))"]
                return try await t.request(.POST, "/v1/activities", json: body.setting(field, value), token: s.accessToken)
            }
            let cases: [(String, JSON, Bool)] = [
                ("avg_hr", 19, false), ("avg_hr", 20, true), ("avg_hr", 250, true), ("avg_hr", 251, false),
                ("max_hr", 251, false), ("distance_m", -0.01, false), ("distance_m", 0, true),
                ("distance_m", 1_000_000, true), ("distance_m", 1_000_000.5, false),
                ("moving_time_s", -1, false), ("moving_time_s", 604_800, true), ("moving_time_s", 604_801, false),
                ("elevation_gain_m", 20_000, true), ("elevation_gain_m", 20_000.1, false),
                ("utc_offset_s", 50_400, true), ("utc_offset_s", 50_401, false), ("utc_offset_s", -50_401, false),
                ("name", "", false), ("name", .string(String(repeating: "n", count: 200)), true),
                ("name", .string(String(repeating: "n", count: 201)), false),
                ("source", "Garmin!", false), ("timezone", "Nowhere/City", false), ("avg_hr", 150.5, false),
            ]
            for (field, value, valid) in cases {
                let reply = try await post(field, value)
                if valid {
                    #expect(reply.status == .created, "\(field)=\(value) should pass: \(reply.text)")
                } else {
                    expectError(reply, .unprocessableEntity)
                }
            }
            // Cross-field rules.
            let hr = try await t.request(
                .POST, "/v1/activities", json: ["start_time": "2026-10-01T07:00:00Z", "avg_hr": 160, "max_hr": 150], token: s.accessToken)
            expectError(hr, .unprocessableEntity)
            #expect(hr.json["errors"][0]["field"].string == "max_hr")
            expectError(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "2026-10-02T07:00:00Z", "moving_time_s": 100, "duration_s": 50],
                    token: s.accessToken), .unprocessableEntity)
            expectError(
                try await t.request(.POST, "/v1/activities", json: ["start_time": "2099-01-01T07:00:00Z"], token: s.accessToken),
                .unprocessableEntity)
            expectError(
                try await t.request(.POST, "/v1/activities", json: ["start_time": "1980-01-01T07:00:00Z"], token: s.accessToken),
                .unprocessableEntity)
        }
    }

    @Test(arguments: TestBackend.available)
    func anotherAthletesActivityIsNotFound(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let owner = try await t.register()
            let intruder = try await t.register()
            let created = try await t.request(.POST, "/v1/activities", json: ["start_time": "\(Self.start)"], token: owner.accessToken)
            let id = try #require(created.json["id"].string)
            expectError(try await t.request(.GET, "/v1/activities/\(id)", token: intruder.accessToken), .notFound)
            expectError(try await t.request(.DELETE, "/v1/activities/\(id)", token: intruder.accessToken), .notFound)
            #expect(try await t.request(.GET, "/v1/activities", token: intruder.accessToken).json["total"].int == 0)
            #expect(try await t.request(.GET, "/v1/activities/\(id)", token: owner.accessToken).status == .ok)
        }
    }
}
