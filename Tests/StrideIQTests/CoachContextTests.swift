import Fluent
import Foundation
import LLM
import LLMFakeServer
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

/// The coach's context (system prompt) and suggestions, from the athlete's own data.
@Suite("Coach context")
struct CoachContextTests {
    /// Thursday 2026-11-26, 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_795_694_400)

    /// 8+ weeks of runs (every 3rd day), an active plan in week 6 of 16 with this week's workouts and a race in
    /// 30 days, and a rough check-in today.
    static func seed(_ t: TestApp, athleteID: String, units: Units = .metric) async throws {
        let id = UUID(uuidString: athleteID)!
        let db = t.app.db
        let athlete = try #require(try await Athlete.find(id, on: db))
        athlete.units = units
        athlete.displayName = "Sam"
        try await athlete.save(on: db)
        let today = LocalDate(now, in: .gmt)
        for back in stride(from: 63, through: 0, by: -3) {
            let run = Activity()
            run.$athlete.id = id
            run.name = back == 0 ? "Morning tempo" : "Easy run \(back)"
            run.sport = .run
            run.startTime = today.adding(days: -back).start(in: .gmt).addingTimeInterval(7 * 3600)
            run.utcOffsetS = 0
            run.distanceM = 8_000
            run.movingTimeS = 2_400
            run.avgHR = 145
            run.source = "manual"
            try await run.save(on: db)
        }
        let plan = TrainingPlan()
        plan.$athlete.id = id
        plan.name = "Marathon block"
        plan.status = .active
        plan.goalRaceName = "City Marathon"
        plan.goalRaceDate = today.adding(days: 30).description
        plan.goalRaceDistanceM = 42_195
        plan.goalTimeSeconds = 12_600
        plan.planStartDate = today.adding(days: -today.weekdayIndexFromMonday - 35).description
        plan.totalWeeks = 16
        try await plan.save(on: db)
        let monday = today.adding(days: -today.weekdayIndexFromMonday)
        let week: [(Int, WorkoutType, String, Double?)] = [
            (0, .rest, "Rest", nil), (1, .easy, "Easy 8", 8_000), (3, .tempo, "Tempo 10", 10_000),
            (4, .easy, "Easy 6", 6_000), (5, .long, "Long 24", 24_000), (9, .intervals, "6x800", 9_000),
        ]
        for (offset, type, title, distance) in week {
            let w = PlannedWorkout()
            w.$plan.id = plan.id!
            w.$athlete.id = id
            w.scheduledDate = monday.adding(days: offset).description
            w.workoutType = type
            w.title = title
            w.targetDistanceM = distance
            if type == .tempo {
                w.targetPaceMinSPerKm = 285
                w.targetPaceMaxSPerKm = 295
            }
            try await w.save(on: db)
        }
        let checkin = DailyCheckin()
        checkin.$athlete.id = id
        checkin.date = today.description
        checkin.readiness = 2
        checkin.soreness = 4
        checkin.sleepH = 5.5
        checkin.notes = "Heavy legs after\nthe long run"
        try await checkin.save(on: db)
    }

    @Test(arguments: TestBackend.available)
    func contextCarriesTheAthletesFactsInTheirUnitsAndIsExactlyWhatIsSent(_ backend: TestBackend) async throws {
        let clock = TestClock(Self.now)
        try await TestApp.withCoach(backend, .normal, overrides: AppOverrides(now: clock.now)) { t, fake in
            let s = try await t.registerWithConsent()
            try await Self.seed(t, athleteID: s.athleteID)
            let reply = try await t.request(.GET, "/v1/coach/context", token: s.accessToken)
            #expect(reply.status == .ok)
            let body = reply.json
            let context = try #require(body["context"].string)
            #expect(body["days"].int == 14)
            #expect(body["chars"].int == context.count)
            #expect(context.count <= CoachContextBuilder.maxChars)
            #expect(body["max_chars"].int == CoachContextBuilder.maxChars)
            #expect(body["truncated"].bool == false)

            // Last 14 days of runs: every third day from today back → 5 runs (today, -3, -6, -9, -12).
            #expect(context.contains("## Runs, last 14 days (5)"))
            #expect(context.contains("Thu 2026-11-26 Morning tempo: 8.0 km in 0:40:00 at 5:00/km avg HR 145"))
            #expect(!context.contains("2026-11-11"), "15 days ago is outside the window")
            // 8 weeks of weekly volume, oldest first, this week last.
            let weekLines = context.split(separator: "\n").filter { $0.hasPrefix("- week of ") || $0.hasPrefix("- this week") }
            #expect(weekLines.count == 8)
            #expect(weekLines.first == "- week of 2026-10-05: 16.0 km in 2 runs")
            #expect(weekLines.last == "- this week (so far): 16.0 km in 2 runs")
            // This week's plan with what was done; the race; the check-in.
            #expect(context.contains("## This week's plan (week 6 of 16 of Marathon block)"))
            #expect(context.contains("- Thu 2026-11-26 (today): tempo — Tempo 10, 10.0 km at 4:45–4:55/km — done: 8.0 km"))
            #expect(context.contains("- Tue 2026-11-24: easy — Easy 8, 8.0 km — not done"))
            #expect(context.contains("## Next planned workout\n- Fri 2026-11-27: easy — Easy 6, 6.0 km"))
            #expect(context.contains("City Marathon on 2026-12-26: 30 days to go; 42.2 km; goal 3:30:00 (4:59/km)"))
            #expect(context.contains("- 2026-11-26: readiness 2/5, sleep 5.5 h, soreness 4/5, notes: \"Heavy legs after the long run\""))
            #expect(context.contains("Athlete: Sam. Today is Thu 2026-11-26"))

            // A chat turn sends exactly this as its system prompt.
            #expect(try await t.chat(s).status == .ok)
            let sent = try CoachChatTests.sentMessages(fake)
            #expect(sent.first?.role == "system")
            #expect(sent.first?.content == context)

            // Other windows on request; clamped; not a number is a 422.
            let three = try await t.request(.GET, "/v1/coach/context?days=3", token: s.accessToken).json
            #expect(three["context"].string?.contains("## Runs, last 3 days (1)") == true)
            #expect(try await t.request(.GET, "/v1/coach/context?days=999", token: s.accessToken).json["days"].int == 56)
            expectError(try await t.request(.GET, "/v1/coach/context?days=x", token: s.accessToken), .unprocessableEntity)
        }
    }

    @Test func imperialAthletesGetMilesAndTheOfflineAnswerUsesTheFacts() async throws {
        let clock = TestClock(Self.now)
        try await TestApp.with(.sqlite, overrides: AppOverrides(now: clock.now)) { t in
            let s = try await t.registerWithConsent()
            try await Self.seed(t, athleteID: s.athleteID, units: .imperial)
            let context = try #require(try await t.request(.GET, "/v1/coach/context", token: s.accessToken).json["context"].string)
            #expect(context.contains("Units: imperial"))
            #expect(context.contains("Morning tempo: 5.0 mi in 0:40:00 at 8:03/mi"))
            #expect(!context.contains(" km"), "no kilometres for an imperial athlete")
            // The offline provider answers from the same facts (labelled as not an AI model).
            let reply = try await t.chat(s).json
            let text = try #require(reply["response"].string)
            #expect(text.hasPrefix(OfflineProvider.heading))
            #expect(text.contains("- Race: City Marathon on 2026-12-26: 30 days to go"))
            #expect(text.contains("- Today's workout: tempo — Tempo 10, 6.2 mi"))
            #expect(reply["fallback_reason"].string == "no_llm_configured")
        }
    }

    @Test func suggestionsComeFromTheAthletesOwnData() async throws {
        let clock = TestClock(Self.now)
        try await TestApp.with(.sqlite, overrides: AppOverrides(now: clock.now)) { t in
            let fresh = try await t.register()
            let starters = try await t.request(.GET, "/v1/coach/suggestions", token: fresh.accessToken)
            #expect(starters.status == .ok)
            #expect(starters.json["suggestions"].array.first?["title"].string == "Getting started")

            let s = try await t.register()
            try await Self.seed(t, athleteID: s.athleteID)
            let suggestions = try await t.request(.GET, "/v1/coach/suggestions", token: s.accessToken).json["suggestions"].array
            #expect(suggestions.count == 5)
            for suggestion in suggestions {
                for key in ["title", "description", "prompt"] { #expect(suggestion[key].string?.isEmpty == false) }
            }
            let byTitle = Dictionary(uniqueKeysWithValues: suggestions.map { ($0["title"].string ?? "", $0) })
            #expect(byTitle["How is my week going?"]?["prompt"].string?.contains("16.0 km of the 48.0 km planned") == true)
            #expect(byTitle["Today's workout"]?["prompt"].string?.contains("Tempo 10") == true)
            #expect(byTitle["City Marathon in 30 days"]?["prompt"].string?.contains("goal of 3:30:00") == true)
            #expect(byTitle["Review my last run"]?["description"].string?.contains("Morning tempo") == true)
            #expect(byTitle["Not feeling 100%?"]?["prompt"].string?.contains("readiness 2/5") == true)
        }
    }

    @Test func contextStaysWithinItsBoundWhateverTheData() {
        let zone = TimeZone.gmt
        let runs = (0..<300).map { n in
            ActivityFact(
                id: UUID(), name: String(repeating: "Very long run name ", count: 10), sport: .run,
                startTime: Self.now.addingTimeInterval(-Double(n) * 3_600), distanceM: 5_000,
                movingTimeS: 1_500, durationS: nil, avgHR: 150)
        }.reversed()
        let checkins = (0..<7).map { n in
            CoachCheckinFact(
                date: LocalDate(Self.now, in: zone).adding(days: -n), sleepH: 7, sleepQuality: 3, readiness: 3,
                soreness: 3, stress: 3, rpe: 5, notes: String(repeating: "note ", count: 500))
        }
        let input = CoachContextInput(
            now: Self.now, timeZone: zone, units: .metric, displayName: String(repeating: "N", count: 100),
            runs: Array(runs), plan: nil, weekWorkouts: [], nextWorkout: nil, checkins: checkins)
        let context = CoachContextBuilder.build(input)
        #expect(context.systemPrompt.count <= CoachContextBuilder.maxChars)
        #expect(context.truncated)
        #expect(context.systemPrompt.contains("earlier runs omitted"))
        #expect(context.systemPrompt.contains("## Runs, last 14 days (300)"))
        #expect(context.systemPrompt.contains("## Race\n- no upcoming goal race"))
        // Deterministic: the same facts give the same prompt.
        #expect(CoachContextBuilder.build(input) == context)
    }
}
