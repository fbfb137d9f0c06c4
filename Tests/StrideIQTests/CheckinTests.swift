import Foundation
import Testing
import Vapor

@testable import StrideIQ

@Suite("Daily check-in")
struct CheckinTests {
    /// 2026-11-29 12:00 UTC: already 11-30 in Kiritimati (UTC+14), still 11-29 in Pago Pago (UTC−11).
    static let noon: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_795_953_600) }

    @Test(arguments: TestBackend.available)
    func upsertCreatesThenUpdatesOnlyWhatIsSent(backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(now: Self.noon)) { t in
            let s = try await t.register()
            let first = try await t.request(
                .POST, "/v1/daily-checkin", json: ["date": "2026-11-29", "sleep_h": 7.5, "readiness_1_5": 4, "notes": "legs ok"],
                token: s.accessToken)
            #expect(first.status == .created, "\(first.text)")
            let second = try await t.request(
                .POST, "/v1/daily-checkin", json: ["date": "2026-11-29", "soreness_1_5": 2], token: s.accessToken)
            #expect(second.status == .ok)
            #expect(second.json["id"] == first.json["id"])
            #expect(second.json["sleep_h"].double == 7.5)
            #expect(second.json["readiness_1_5"].int == 4)
            #expect(second.json["soreness_1_5"].int == 2)
            #expect(second.json["notes"].string == "legs ok")
            // An explicit null clears a field.
            let cleared = try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-29", "notes": nil], token: s.accessToken)
            #expect(cleared.json["notes"].isNull)
            #expect(cleared.json["sleep_h"].double == 7.5)

            let today = try await t.request(.GET, "/v1/daily-checkin/today", token: s.accessToken)
            #expect(today.json["id"] == first.json["id"])
            #expect(try await t.request(.GET, "/v1/daily-checkin/2026-11-29", token: s.accessToken).json["soreness_1_5"].int == 2)
            #expect(try await t.request(.GET, "/v1/daily-checkin/2026-11-28", token: s.accessToken).json.isNull)
            _ = try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-27", "rpe_1_10": 6], token: s.accessToken)
            let list = try await t.request(.GET, "/v1/daily-checkin?start_date=2026-11-01&end_date=2026-11-30", token: s.accessToken)
            #expect(list.json["count"].int == 2)
            #expect(list.json["checkins"].array.map { $0["date"].string } == ["2026-11-29", "2026-11-27"])
            expectError(
                try await t.request(.GET, "/v1/daily-checkin?start_date=2026-11-30&end_date=2026-11-01", token: s.accessToken),
                .unprocessableEntity)
            expectError(try await t.request(.GET, "/v1/daily-checkin/2026-02-30", token: s.accessToken), .unprocessableEntity)
            // Another athlete sees none of it.
            let other = try await t.register()
            #expect(try await t.request(.GET, "/v1/daily-checkin/2026-11-29", token: other.accessToken).json.isNull)
            #expect(try await t.request(.GET, "/v1/daily-checkin", token: other.accessToken).json["count"].int == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func concurrentFirstCheckinsMakeOneRow(backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(now: Self.noon)) { t in
            let s = try await t.register()
            async let a = t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-29", "sleep_h": 7], token: s.accessToken)
            async let b = t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-29", "stress_1_5": 3], token: s.accessToken)
            let (ra, rb) = try await (a, b)
            #expect(Set([ra.status.code, rb.status.code]) == [200, 201])
            let list = try await t.request(.GET, "/v1/daily-checkin", token: s.accessToken)
            #expect(list.json["count"].int == 1)
            #expect(list.json["checkins"][0]["sleep_h"].double == 7)
            #expect(list.json["checkins"][0]["stress_1_5"].int == 3)
        }
    }

    @Test(arguments: TestBackend.available)
    func validationBoundaries(backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(now: Self.noon)) { t in
            let s = try await t.register()
            func post(_ field: String, _ value: JSON) async throws -> Reply {
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-29", "\(field)": value], token: s.accessToken)
            }
            var cases: [(String, JSON, Bool)] = [
                ("sleep_h", -0.1, false), ("sleep_h", 0, true), ("sleep_h", 24, true), ("sleep_h", 24.1, false),
                ("rpe_1_10", 0, false), ("rpe_1_10", 1, true), ("rpe_1_10", 10, true), ("rpe_1_10", 11, false),
                ("notes", .string(String(repeating: "n", count: 2000)), true),
                ("notes", .string(String(repeating: "n", count: 2001)), false),
                ("resting_hr", 19, false), ("resting_hr", 20, true), ("hrv_rmssd", 500.1, false),
                ("readiness_1_5", 3.5, false), ("readiness_1_5", "4", false), ("mood", 3, false),
            ]
            for field in ["sleep_quality_1_5", "stress_1_5", "soreness_1_5", "enjoyment_1_5", "confidence_1_5", "readiness_1_5"] {
                cases += [(field, 0, false), (field, 1, true), (field, 5, true), (field, 6, false)]
            }
            for (field, value, valid) in cases {
                let reply = try await post(field, value)
                if valid {
                    #expect([.ok, .created].contains(reply.status), "\(field)=\(value): \(reply.text)")
                } else {
                    expectError(reply, .unprocessableEntity)
                }
            }
            let stored = try await t.request(.GET, "/v1/daily-checkin/2026-11-29", token: s.accessToken)
            #expect(stored.json["sleep_h"].double == 24, "rejected values never overwrite")
            #expect(stored.json["rpe_1_10"].int == 10)
            // Date window, in the athlete's zone: today and 30 days back pass; tomorrow and 31 days back fail.
            #expect(try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-10-30"], token: s.accessToken).status == .created)
            expectError(
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-10-29"], token: s.accessToken), .unprocessableEntity)
            expectError(
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-30"], token: s.accessToken), .unprocessableEntity)
            expectError(
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "29/11/2026"], token: s.accessToken), .unprocessableEntity)
            expectError(try await t.request(.POST, "/v1/daily-checkin", json: ["sleep_h": 7], token: s.accessToken), .unprocessableEntity)
        }
    }

    @Test(arguments: TestBackend.available)
    func todayIsTheAthletesToday(backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(now: Self.noon)) { t in
            let east = try await t.register(timezone: "Pacific/Kiritimati")
            let west = try await t.register(timezone: "Pacific/Pago_Pago")
            #expect(
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-30"], token: east.accessToken).status == .created)
            expectError(
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-30"], token: west.accessToken), .unprocessableEntity
            )
            #expect(
                try await t.request(.POST, "/v1/daily-checkin", json: ["date": "2026-11-29"], token: west.accessToken).status == .created)
            #expect(try await t.request(.GET, "/v1/daily-checkin/today", token: east.accessToken).json["date"].string == "2026-11-30")
            #expect(try await t.request(.GET, "/v1/daily-checkin/today", token: west.accessToken).json["date"].string == "2026-11-29")
        }
    }
}
