import Foundation
import Testing

@testable import StrideIQCore

@Suite("Response encoding")
struct EncodingTests {
    @Test func absentValuesAreEncodedAsNull() throws {
        let payload = BriefingPayload(
            morningVoice: "a", coachNoticed: "b", todayContext: "c", weekAssessment: "d",
            checkinReaction: nil, raceAssessment: nil, workoutWhy: nil)
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(payload)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "morning_voice", "coach_noticed", "today_context", "week_assessment", "checkin_reaction", "race_assessment", "workout_why",
            ])
        #expect(object["race_assessment"] is NSNull)
    }
}
