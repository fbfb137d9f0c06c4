import Foundation
import Testing
import Vapor

@testable import StrideIQ

@Suite("One error shape for bad input")
struct ErrorShapeTests {
    @Test(arguments: TestBackend.available)
    func badInputGetsTheRight4xxAndNeverWrites(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let token = s.accessToken
            expectError(try await t.request(.GET, "/v1/nope"), .notFound, code: "not_found")
            expectError(
                try await t.request(.POST, "/v1/activities", raw: #"{"start_time": "#, token: token), .badRequest, code: "invalid_json")
            expectError(try await t.request(.POST, "/v1/activities", raw: "[1,2]", token: token), .unprocessableEntity)
            expectError(try await t.request(.POST, "/v1/activities", raw: "", token: token), .unprocessableEntity)
            expectError(try await t.request(.POST, "/v1/activities", raw: "\"text\"", token: token), .unprocessableEntity)
            let wrongType = try await t.request(
                .POST, "/v1/activities", json: ["start_time": "2026-11-01T07:00:00Z", "distance_m": "far"], token: token)
            expectError(wrongType, .unprocessableEntity, code: "validation_error")
            #expect(wrongType.json["errors"][0]["field"].string == "distance_m")
            expectError(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "2026-11-01T07:00:00Z", "sport": "quidditch"], token: token),
                .unprocessableEntity)
            expectError(try await t.request(.POST, "/v1/activities", json: ["start_time": "yesterday"], token: token), .unprocessableEntity)
            expectError(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "2026-11-01T07:00:00Z", "distanse_m": 5000], token: token),
                .unprocessableEntity)
            expectError(
                try await t.request(.POST, "/v1/activities", json: ["start_time": "2026-11-01T07:00:00Z", "name": nil], token: token),
                .unprocessableEntity)
            // NUL characters (Postgres cannot store them): a 422 on every backend, never a 500.
            let nul = try await t.request(
                .POST, "/v1/activities", raw: #"{"start_time":"2026-11-01T07:00:00Z","name":"a\u0000b"}"#, token: token)
            expectError(nul, .unprocessableEntity)
            #expect(nul.json["errors"][0]["field"].string == "name")
            // A body over 1 MiB.
            let huge = #"{"name":""# + String(repeating: "x", count: 1_100_000) + #"","start_time":"2026-11-01T07:00:00Z"}"#
            expectError(try await t.request(.POST, "/v1/activities", raw: huge, token: token), .payloadTooLarge)
            // A non-JSON content type.
            expectError(
                try await t.request(
                    .POST, "/v1/activities", raw: "a=b", token: token, headers: [("Content-Type", "application/x-www-form-urlencoded")]),
                .unsupportedMediaType)
            // Bad UUIDs in paths.
            expectError(try await t.request(.GET, "/v1/activities/not-a-uuid", token: token), .notFound)
            expectError(try await t.request(.DELETE, "/v1/plans/123/workouts/456", token: token), .notFound)
            // Bad query parameters.
            expectError(try await t.request(.GET, "/v1/activities?limit=0", token: token), .unprocessableEntity)
            expectError(try await t.request(.GET, "/v1/activities?limit=abc", token: token), .unprocessableEntity)
            expectError(try await t.request(.GET, "/v1/activities?since=soon", token: token), .unprocessableEntity)
            // Nothing above was written.
            let list = try await t.request(.GET, "/v1/activities", token: token)
            #expect(list.json["total"].int == 0)
        }
    }
}
