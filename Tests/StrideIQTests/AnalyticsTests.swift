import Fluent
import Foundation
import SQLKit
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

@Suite("Training analytics: the job, its stores and its endpoints")
struct AnalyticsTests {
    /// A run `daysAgo` days before the clock, at 07:00 UTC.
    static func run(
        _ clock: TestClock, daysAgo: Int, km: Double, paceSPerKm: Double, avgHR: Int? = 145, maxHR: Int? = 170,
        name: String? = nil
    ) -> JSON {
        let today = LocalDate(clock.now(), in: .gmt)
        let start = today.adding(days: -daysAgo).start(in: .gmt).addingTimeInterval(7 * 3600)
        var body: [String: JSON] = [
            "start_time": .string(JSONCoding.formatTimestamp(start)), "distance_m": .number(km * 1000),
            "moving_time_s": .number((km * paceSPerKm).rounded()), "sport": "run",
        ]
        if let avgHR { body["avg_hr"] = .number(Double(avgHR)) }
        if let maxHR { body["max_hr"] = .number(Double(maxHR)) }
        if let name { body["name"] = .string(name) }
        return .object(body)
    }

    static func athleteID(_ s: TestApp.Session) -> UUID { UUID(uuidString: s.athleteID)! }

    static func trainingDays(_ t: TestApp, _ s: TestApp.Session) async throws -> [StoredTrainingDay] {
        try await AnalyticsStore.days(
            athleteID: athleteID(s), from: LocalDate("2000-01-01")!, through: LocalDate("2100-01-01")!, on: t.app.db)
    }

    /// Runs queued jobs until none is due (the analytics job among them).
    static func runJobs(_ t: TestApp) async {
        await t.drainJobs()
    }

    @Test(arguments: TestBackend.available)
    func writesEnqueueTheJobAndItStoresTheFigures(backend: TestBackend) async throws {
        let clock = TestClock()
        try await TestApp.with(backend, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.register()
            let id = Self.athleteID(s)
            // Before the first recompute: nothing stored, nothing computed inline.
            #expect(try await AnalyticsStore.latest(athleteID: id, on: t.app.db) == nil)
            for daysAgo in stride(from: 30, through: 2, by: -2) {
                let reply = try await t.request(
                    .POST, "/v1/activities", json: Self.run(clock, daysAgo: daysAgo, km: 8, paceSPerKm: 330),
                    token: s.accessToken)
                #expect(reply.status == .created, "\(reply.text)")
            }
            let queued = try await t.jobs(athleteID: s.athleteID, kind: .analytics)
            #expect(queued.count == 1 && queued.first?.status == .queued, "one coalesced analytics job: \(queued)")
            #expect(try await t.jobs(athleteID: s.athleteID).isEmpty, "no briefing without consent")
            await Self.runJobs(t)
            let doc = try #require(try await AnalyticsStore.latest(athleteID: id, on: t.app.db))
            #expect(doc.load != nil)
            #expect(doc.heartRate.maxHRSource == .estimated)
            let days = try await Self.trainingDays(t, s)
            #expect(days.count == 31, "first run through today: \(days.count)")
            #expect(days.last?.date == LocalDate(clock.now(), in: .gmt))
            #expect(days.filter { $0.activities == 1 }.count == 15)
            #expect(days.allSatisfy { $0.activities == 0 ? $0.load == 0 : $0.load > 0 })
            let flags = try await AnalyticsStore.activityFlags(
                activityIDs: try await Activity.query(on: t.app.db).all().map { try $0.requireID() }, on: t.app.db)
            #expect(flags.count == 15)
            // No resting heart rate is known (no profile value, no check-ins): loads come from pace.
            #expect(flags.values.allSatisfy { $0.loadMethod == .pace })
        }
    }
}
