import Foundation
import Testing

@testable import StrideIQCore

@Suite("Plan adaptation: outcomes, missed weeks, race moves, fitness changes")
struct PlanAdapterTests {
    static let start = LocalDate("2027-01-04")!  // a Monday
    static let race = LocalDate("2027-04-25")!  // Sunday of week 16

    static func request(today: LocalDate = start, raceDate: LocalDate = race, vdot: Double? = nil) -> PlanRequest {
        PlanRequest(
            raceName: "City Half", raceDate: raceDate, raceDistanceM: 21097.5, daysPerWeek: 5, longRunWeekday: 6, currentWeeklyM: 35000,
            vdot: vdot, today: today)
    }

    static func sessions(_ plan: GeneratedPlan) -> [PlannedSession] {
        plan.workouts.enumerated().map { i, w in
            PlannedSession(
                id: "s\(i)", date: w.date, type: w.type, title: w.title, distanceM: w.distanceM, durationS: w.durationS, pace: w.pace,
                phase: w.phase, why: w.why)
        }
    }

    static func runs(_ sessions: [PlannedSession], before: LocalDate) -> [CompletedRun] {
        sessions.filter { $0.date < before }.map {
            CompletedRun(date: $0.date, distanceM: $0.distanceM ?? 0, durationS: Double($0.durationS ?? 0))
        }
    }

    /// The sessions after the changes are applied.
    static func apply(_ changes: [PlanChange], to sessions: [PlannedSession]) -> [(
        date: LocalDate, type: WorkoutType, distanceM: Double, pace: PaceRange?
    )] {
        var byID = Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, ($0.date, $0.type, $0.distanceM ?? 0, $0.pace)) })
        var added: [(LocalDate, WorkoutType, Double, PaceRange?)] = []
        for c in changes {
            switch c.kind {
            case .removed: byID[c.sessionID!] = nil
            case .changed: byID[c.sessionID!] = (c.after!.date, c.after!.type, c.after!.distanceM ?? 0, c.after!.pace)
            case .added: added.append((c.after!.date, c.after!.type, c.after!.distanceM ?? 0, c.after!.pace))
            }
        }
        return (Array(byID.values) + added).map { (date: $0.0, type: $0.1, distanceM: $0.2, pace: $0.3) }.sorted { $0.date < $1.date }
    }

    static func weekVolume(_ items: [(date: LocalDate, type: WorkoutType, distanceM: Double, pace: PaceRange?)], monday: LocalDate)
        -> Double
    {
        items.filter { (0...6).contains(monday.days(until: $0.date)) && $0.type != .race }.reduce(0) { $0 + $1.distanceM }
    }

    @Test func outcomesDonePartialSwappedMissedUpcoming() {
        let m = Self.start
        let sessions = [
            PlannedSession(id: "mon", date: m, type: .easy, title: "Easy", distanceM: 10000),
            PlannedSession(id: "wed", date: m.adding(days: 2), type: .threshold, title: "T", distanceM: 8000),
            PlannedSession(id: "fri", date: m.adding(days: 4), type: .easy, title: "Easy", distanceM: 6000),
            PlannedSession(id: "sun", date: m.adding(days: 6), type: .long, title: "Long", distanceM: 15000),
            PlannedSession(id: "next", date: m.adding(days: 8), type: .easy, title: "Easy", distanceM: 6000),
        ]
        let runs = [
            CompletedRun(date: m, distanceM: 8500, durationS: 3000),
            CompletedRun(date: m.adding(days: 2), distanceM: 4000, durationS: 1400),
            CompletedRun(date: m.adding(days: 3), distanceM: 6000, durationS: 2000),
        ]
        let o = PlanAdapter.outcomes(sessions: sessions, runs: runs, today: m.adding(days: 7))
        #expect(o["mon"] == .done)
        #expect(o["wed"] == .partial)
        #expect(o["fri"] == .swapped(to: m.adding(days: 3)))
        #expect(o["sun"] == .missed)
        #expect(o["next"] == .upcoming)
    }

    @Test func aMissedWeekBringsVolumeBackGradually() throws {
        let plan = try PlanBuilder.generate(Self.request())
        let sessions = Self.sessions(plan)
        let week6 = Self.start.adding(days: 35)
        let today = week6.adding(days: 8)  // Tuesday of week 7: nothing run for 8 days
        let result = PlanAdapter.adapt(
            sessions: sessions, runs: Self.runs(sessions, before: week6), request: Self.request(today: today), previousVDOT: nil)
        #expect(!result.changes.isEmpty)
        #expect(result.changes.allSatisfy { $0.date >= today && $0.kind == .changed && $0.reason.contains("gradually") })
        #expect(sessions.filter { $0.date >= week6 && $0.date < today }.allSatisfy { result.outcomes[$0.id] == .missed })

        let after = Self.apply(result.changes, to: sessions)
        var best = 0.0
        var below = 0
        for k in 7..<16 {
            let monday = Self.start.adding(days: (k - 1) * 7)
            let old = plan.weeks[k - 1].trainingVolumeM
            let new = Self.weekVolume(after, monday: monday)
            #expect(new <= old + 1, "week \(k) above the old plan")
            if new < old - 1000 { below += 1 }
            if k >= 8 && best > 0 { #expect(new <= best * 1.10 + 500, "week \(k): \(new) after \(best)") }
            if k >= 8 { best = max(best, new) }
        }
        #expect(below >= 3, "the next weeks stay below the old plan")
        let week8 = Self.weekVolume(after, monday: Self.start.adding(days: 49))
        #expect(week8 < plan.weeks[7].trainingVolumeM * 0.8)
    }

    @Test(arguments: [14, -14]) func aMovedRaceResizesThePhases(shift: Int) throws {
        let plan = try PlanBuilder.generate(Self.request())
        let sessions = Self.sessions(plan)
        let today = Self.start.adding(days: 28)  // week 5, everything done so far
        let newRace = Self.race.adding(days: shift)
        let result = PlanAdapter.adapt(
            sessions: sessions, runs: Self.runs(sessions, before: today), request: Self.request(today: today, raceDate: newRace),
            previousVDOT: nil)
        #expect(result.changes.allSatisfy { $0.date >= today && $0.reason.contains("race moved") })
        let after = Self.apply(result.changes, to: sessions)
        let races = after.filter { $0.type == .race }
        #expect(races.count == 1 && races[0].date == newRace)
        #expect(after.allSatisfy { $0.date <= newRace })
        // The taper sits before the new date: race week and the week before are well under the biggest week.
        let raceMonday = PlanBuilder.monday(of: newRace)
        let biggest = (0..<30).map { Self.weekVolume(after, monday: raceMonday.adding(days: -7 * $0)) }.max()!
        #expect(Self.weekVolume(after, monday: raceMonday) <= biggest * 0.7)
        #expect(Self.weekVolume(after, monday: raceMonday.adding(days: -7)) <= biggest * 0.9)
        let taperPhases = result.changes.compactMap(\.after).filter { $0.date >= raceMonday.adding(days: -7) }.map(\.phase)
        #expect(!taperPhases.isEmpty && taperPhases.allSatisfy { $0 == .taper || $0 == .race })
        // Past sessions never change.
        #expect(result.changes.allSatisfy { c in c.sessionID.map { id in sessions.first { $0.id == id }!.date >= today } ?? true })
    }

    @Test func aClearFitnessChangeMovesThePaces() throws {
        let plan = try PlanBuilder.generate(Self.request(vdot: 45))
        let sessions = Self.sessions(plan)
        let today = Self.start.adding(days: 42)
        let runs = Self.runs(sessions, before: today)
        let result = PlanAdapter.adapt(sessions: sessions, runs: runs, request: Self.request(today: today, vdot: 48), previousVDOT: 45)
        let future = sessions.filter { $0.date >= today }
        #expect(result.changes.count == future.filter { $0.pace != nil }.count)
        for c in result.changes {
            #expect(c.kind == .changed && c.reason.contains("fitness number moved"))
            #expect(c.after!.pace!.fastSPerKm < c.before!.pace!.fastSPerKm, "faster on \(c.date)")
            #expect(c.after!.distanceM == c.before!.distanceM)
        }
        // Small moves (< 1.5) change nothing.
        let small = PlanAdapter.adapt(sessions: sessions, runs: runs, request: Self.request(today: today, vdot: 46), previousVDOT: 45)
        #expect(small.changes.isEmpty)
    }
}
