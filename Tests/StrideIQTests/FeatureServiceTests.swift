import Foundation
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

/// The feature services run on a database and plain values: called here without any request, they keep the
/// rules the routes rely on, and the API sees what they wrote.
@Suite("Feature services without a request")
struct FeatureServiceTests {
    @Test(arguments: TestBackend.available)
    func activityImportIsRecordedOnce(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let (session, athlete) = try await newAthlete(t)
            let service = ActivityService(trigger: trigger(t))
            let body = try decode(
                ActivityBody.self,
                #"""
                {"start_time": "2026-11-01T07:00:00Z", "distance_m": 5000, "source": "garmin", "external_id": "g-1"}
                """#)
            let first = try await service.create(body, athlete: athlete, now: t.app.now(), on: t.app.db)
            let again = try await service.create(body, athlete: athlete, now: t.app.now(), on: t.app.db)
            #expect(first.created && !again.created)
            #expect(again.activity.id == first.activity.id)

            let list = try await t.request(.GET, "/v1/activities", token: session.accessToken)
            #expect(list.json["total"].int == 1)
            #expect(list.json["activities"][0]["external_id"].string == "g-1")
        }
    }

    @Test(arguments: TestBackend.available)
    func checkinUpsertChangesOnlyWhatIsSent(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let (session, athlete) = try await newAthlete(t)
            let service = CheckinService(trigger: trigger(t))
            let day = LocalDate(t.app.now(), in: athlete.timeZone)
            let first = try decoded(CheckinBody.self, #"{"date": "\#(day)", "sleep_h": 7.5, "stress_1_5": 2}"#)
            let second = try decoded(CheckinBody.self, #"{"date": "\#(day)", "stress_1_5": null}"#)
            let created = try await service.upsert(first, athlete: athlete, now: t.app.now(), on: t.app.db)
            let updated = try await service.upsert(second, athlete: athlete, now: t.app.now(), on: t.app.db)
            #expect(created.created && !updated.created)
            #expect(updated.checkin.id == created.checkin.id)

            let today = try await t.request(.GET, "/v1/daily-checkin/today", token: session.accessToken)
            #expect(today.json["sleep_h"].double == 7.5)
            #expect(today.json["stress_1_5"].isNull)
        }
    }

    /// A registered athlete, as the API knows it (session) and as the services take it (model).
    private func newAthlete(_ t: TestApp) async throws -> (TestApp.Session, Athlete) {
        let session = try await t.register()
        let athlete = try #require(try await Athlete.find(UUID(uuidString: session.athleteID), on: t.app.db))
        return (session, athlete)
    }

    private func trigger(_ t: TestApp) -> BriefingTrigger {
        BriefingTrigger(briefings: t.app.briefings, logger: t.app.logger)
    }

    private func decode<Body: Decodable>(_ type: Body.Type, _ json: String) throws -> Body {
        try JSONCoding.decoder.decode(type, from: Data(json.utf8))
    }

    /// As the routes decode a body: the value and the keys that were present.
    private func decoded<Body: RequestBody>(_ type: Body.Type, _ json: String) throws -> Decoded<Body> {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return Decoded(value: try decode(type, json), presentKeys: Set(object.keys))
    }
}
