import Foundation
import Testing

@testable import StrideIQCore

@Suite("Home payload: day windows, week, race")
struct HomeBuilderTests {
    static func at(_ iso: String) -> Date { try! Date.ISO8601FormatStyle().parse(iso) }

    static func run(_ iso: String, km: Double, sport: Sport = .run, name: String = "Run") -> ActivityFact {
        ActivityFact(
            id: UUID(), name: name, sport: sport, startTime: at(iso), distanceM: km * 1000, movingTimeS: Int(km * 330), durationS: nil,
            avgHR: 150)
    }

    static func facts(now: String, zone: String, activities: [ActivityFact], workouts: [WorkoutFact] = [], plan: PlanFact? = nil)
        -> HomeFacts
    {
        HomeFacts(
            now: at(now), timeZone: TimeZone(identifier: zone)!, units: .metric, windowActivities: activities,
            latestRun: activities.filter { $0.sport == .run }.max { $0.startTime < $1.startTime },
            totalActivities: activities.count, plan: plan, weekWorkouts: workouts, todayCheckin: nil)
    }

    @Test func dayWindowsFollowTheAthletesZone() {
        // 2026-11-29 (a Sunday) 20:00 UTC is already Monday 2026-11-30 09:00 in Auckland.
        let window = HomeWindow(now: Self.at("2026-11-29T20:00:00Z"), timeZone: TimeZone(identifier: "Pacific/Auckland")!)
        #expect(window.today == LocalDate("2026-11-30"))
        #expect(window.monday == LocalDate("2026-11-30"))
        // Its week starts at Auckland midnight (11:00 UTC the day before), and covers yesterday (Sunday).
        #expect(window.activityRange.lowerBound == Self.at("2026-11-28T11:00:00Z"))

        // A run at 23:30 local on Sunday belongs to Sunday, not to Monday (as UTC would say).
        let home = HomeBuilder.build(
            Self.facts(
                now: "2026-11-30T15:00:00Z", zone: "America/New_York",
                activities: [Self.run("2026-11-30T04:30:00Z", km: 10)]))
        #expect(home.yesterday.hasActivity, "Sunday 23:30 in New York is yesterday on Monday")
        #expect(home.week.completedM == 0, "…and not part of the new week")
    }

    @Test func weekAcrossADSTChange() {
        // US DST starts Sunday 2026-03-08. The week Monday 03-02 … Sunday 03-08 has a 23-hour Sunday.
        let zone = "America/New_York"
        let window = HomeWindow(now: Self.at("2026-03-08T20:00:00Z"), timeZone: TimeZone(identifier: zone)!)
        #expect(window.monday == LocalDate("2026-03-02"))
        #expect(window.activityRange.upperBound == Self.at("2026-03-09T04:00:00Z"), "ends at EDT midnight (UTC−4)")
        #expect(window.activityRange.lowerBound == Self.at("2026-03-02T05:00:00Z"), "starts at Monday's EST midnight (UTC−5)")
        let activities = [
            Self.run("2026-03-02T05:30:00Z", km: 5),  // Monday 00:30 EST
            Self.run("2026-03-08T03:59:00Z", km: 8),  // Saturday 22:59 EST
            Self.run("2026-03-09T03:30:00Z", km: 12),  // Sunday 23:30 EDT
            Self.run("2026-03-08T06:30:00Z", km: 3, sport: .cycling, name: "Ride"),  // Sunday 01:30 EST
        ]
        let home = HomeBuilder.build(Self.facts(now: "2026-03-09T03:45:00Z", zone: zone, activities: activities))
        let byDay = Dictionary(uniqueKeysWithValues: home.week.days.map { ($0.date.description, $0) })
        #expect(byDay["2026-03-02"]?.distanceM == 5000)
        #expect(byDay["2026-03-07"]?.distanceM == 8000)
        #expect(byDay["2026-03-08"]?.distanceM == 12000)
        #expect(byDay["2026-03-08"]?.isToday == true)
        #expect(byDay["2026-03-08"]?.otherActivities.map(\.sport) == [.cycling], "other sports kept apart")
        #expect(home.week.completedM == 25000)
        #expect(home.week.otherSportSummary.first?.count == 1)
    }

    @Test func weekStatusAgainstTheShareOfTheWeekPassed() {
        #expect(HomeBuilder.weekStatus(completed: 10, planned: 70, todayIndex: 0, hasPlan: true) == .onTrack)  // 1/7 expected
        #expect(HomeBuilder.weekStatus(completed: 5, planned: 70, todayIndex: 0, hasPlan: true) == .behind)
        #expect(HomeBuilder.weekStatus(completed: 40, planned: 70, todayIndex: 2, hasPlan: true) == .ahead)
        #expect(HomeBuilder.weekStatus(completed: 40, planned: 0, todayIndex: 2, hasPlan: true) == .noPlan)
        #expect(HomeBuilder.weekStatus(completed: 40, planned: 70, todayIndex: 2, hasPlan: false) == .noPlan)
    }

    @Test func todayRaceAndLastRun() {
        let plan = PlanFact(
            id: UUID(), name: "Plan", raceName: "City Half", raceDate: LocalDate("2026-12-20")!, raceDistanceM: 21097.5,
            goalTimeS: 5940, startDate: LocalDate("2026-09-28"), totalWeeks: 12, updatedAt: nil)
        let workout = WorkoutFact(
            id: UUID(), date: LocalDate("2026-11-29")!, type: .long, title: "Long run", distanceM: 18000,
            paceMinSPerKm: 320, paceMaxSPerKm: 350, phase: .peak)
        let facts = Self.facts(
            now: "2026-11-29T08:00:00Z", zone: "Europe/London",
            activities: [Self.run("2026-11-28T08:00:00Z", km: 8)], workouts: [workout], plan: plan)
        let home = HomeBuilder.build(facts)
        #expect(home.today.hasWorkout && home.today.title == "Long run")
        #expect(home.today.weekNumber == 9)
        #expect(home.today.paceGuidance == "Target 5:20–5:50/km")
        #expect(home.raceCountdown?.daysRemaining == 21)
        #expect(home.raceCountdown?.goalTime == "1:39:00")
        #expect(home.raceCountdown?.goalPace == "4:42/km")
        #expect(home.lastRun?.distanceM == 8000)
        #expect(home.checkinNeeded)
        #expect(BriefingWriter.Requirements(home: home).raceAssessment, "race within 21 days needs an assessment")
        let deterministic = BriefingWriter.deterministic(facts, home: home)
        #expect(deterministic.raceAssessment?.contains("21 days") == true)
        #expect(deterministic.coachNoticed.contains("8.0 km"))
        // A run older than 96 h is not `last_run`.
        let old = Self.facts(now: "2026-11-29T08:00:00Z", zone: "Europe/London", activities: [Self.run("2026-11-25T07:00:00Z", km: 8)])
        #expect(HomeBuilder.build(old).lastRun == nil)
        #expect(HomeBuilder.build(old).yesterday.daysSinceLast == 4)
    }

    @Test func fingerprintChangesWithTheData() {
        let base = Self.facts(now: "2026-11-29T08:00:00Z", zone: "UTC", activities: [Self.run("2026-11-28T08:00:00Z", km: 8)])
        let same = BriefingFingerprint.compute(facts: base)
        #expect(BriefingFingerprint.compute(facts: base) == same)
        var more = base
        more.totalActivities += 1
        #expect(BriefingFingerprint.compute(facts: more) != same)
        var checkedIn = base
        checkedIn.todayCheckin = CheckinFact(id: UUID(), sleepH: 7, sleepQuality: 4, readiness: 4, soreness: 1, updatedAt: nil)
        #expect(BriefingFingerprint.compute(facts: checkedIn) != same)
        var nextDay = base
        nextDay.now = nextDay.now.addingTimeInterval(86400)
        #expect(BriefingFingerprint.compute(facts: nextDay) != same)
    }

    @Test func contractValidation() throws {
        let home = HomeBuilder.build(Self.facts(now: "2026-11-29T08:00:00Z", zone: "UTC", activities: []))
        let req = BriefingWriter.Requirements(home: home)
        let ok = try BriefingWriter.validate(
            answer:
                "```json\n{\"morning_voice\":\"a 5 km day\",\"coach_noticed\":\"b\",\"today_context\":\"c\",\"week_assessment\":\"d\"}\n```",
            requirements: req)
        #expect(ok.morningVoice == "a 5 km day")
        #expect(throws: BriefingWriter.ContractError.missing("coach_noticed")) {
            try BriefingWriter.validate(
                answer: #"{"morning_voice":"a","coach_noticed":"  ","today_context":"c","week_assessment":"d"}"#, requirements: req)
        }
        #expect(throws: BriefingWriter.ContractError.notJSON) {
            try BriefingWriter.validate(answer: "Sure! Here is your briefing", requirements: req)
        }
        let long = String(repeating: "x", count: 601)
        #expect(throws: BriefingWriter.ContractError.tooLong("today_context")) {
            try BriefingWriter.validate(
                answer: #"{"morning_voice":"a","coach_noticed":"b","today_context":"\#(long)","week_assessment":"d"}"#, requirements: req)
        }
    }
}

@Suite("Formatting never traps")
struct FormatTests {
    @Test func absurdValuesAreSafe() {
        let f = Format(units: .metric)
        #expect(f.pace(.infinity) == "–")
        #expect(f.pace(.nan) == "–")
        #expect(f.pace(300) == "5:00/km")
        #expect(Format(units: .imperial).pace(300) == "8:03/mi")
        let tiny = ActivityFact(
            id: UUID(), name: "x", sport: .run, startTime: Date(), distanceM: 1e-300, movingTimeS: 3600, durationS: nil, avgHR: nil)
        #expect(tiny.paceSPerKm == nil)
        let home = HomeBuilder.build(
            HomeFacts(
                now: Date(), timeZone: .gmt, units: .metric, windowActivities: [tiny], latestRun: tiny,
                totalActivities: 1, plan: nil, weekWorkouts: [], todayCheckin: nil))
        #expect(home.lastRun?.pacePerKm == nil)
    }
}

@Suite("Home: the stored training figures")
struct HomeFiguresTests {
    typealias F = TrainingFixture

    static func finding(_ sentence: String) -> CorrelationFinding {
        CorrelationFinding(
            input: "sleep_hours", output: "efficiency", rho: 0.52, n: 34, pValue: 0.002, qValue: 0.01, higherInputIsBetter: true,
            sentence: sentence)
    }

    @Test func lastRunPaceIsSecondsPerKmWithADisplayBeside() {
        // 10 km in 50:03 of moving time (elapsed 52:00): 300.3 s/km, shown as 5:00/km.
        let run = ActivityFact(
            id: UUID(), name: "Easy", sport: .run, startTime: F.now.addingTimeInterval(-3600), distanceM: 10_000, movingTimeS: 3_003,
            durationS: 3_120, avgHR: 140)
        var facts = F.facts(analytics: nil)
        facts.latestRun = run
        let home = HomeBuilder.build(facts)
        #expect(home.lastRun?.pacePerKm == 300.3)
        #expect(home.lastRun?.paceDisplay == "5:00/km")
        facts.units = .imperial
        #expect(HomeBuilder.build(facts).lastRun?.paceDisplay == "8:03/mi")
        #expect(HomeBuilder.build(facts).lastRun?.pacePerKm == 300.3, "seconds per km whatever the units")
    }

    @Test func weekCarriesTheStoredLoadContextAndTrend() {
        let none = HomeBuilder.build(F.facts(analytics: nil))
        #expect(none.week.tsbContext == nil && none.week.loadTrend == nil)
        #expect(!none.stravaConnected && !none.garminConnected && !none.hasCorrelations && none.coachNoticed == nil)

        let fatigued = HomeBuilder.build(F.facts(analytics: F.analytics(load: F.load(form: -20, fitness: 40, ramp: 2))))
        #expect(fatigued.week.tsbContext == "Fatigued")
        #expect(fatigued.week.loadTrend == "up")
        // Stored five weeks ago: carried to today it is neither fatigued nor trending up any more.
        let old = F.load(form: -20, fitness: 40, ramp: 2, on: F.today.adding(days: -35))
        let carried = HomeBuilder.build(F.facts(analytics: F.analytics(load: old)))
        #expect(carried.week.tsbContext == "Fresh")
        #expect(carried.week.loadTrend == "stable")
    }

    @Test func coachNoticedTakesTheFirstThatApplies() {
        let record = PersonalRecord(
            category: "5k", distanceM: 5_000, timeS: 1_290, activityID: UUID(), date: F.today.adding(days: -2), source: .wholeActivity)
        let improving = EfficiencyTrend(
            points: [], slopePerWeek: 0.0002, changePercent: 3.4, direction: "improving", pValue: 0.01, rSquared: 0.4, requiredPoints: 6)
        let calm = F.load(form: -3, ramp: 1, ratio: 1.0)

        // 1. A what-works finding wins over everything.
        let withFinding = HomeBuilder.build(
            F.facts(
                analytics: F.analytics(
                    load: F.load(form: -20, fitness: 40), records: [record],
                    findings: [Self.finding("After more sleep your easy runs were more efficient (ρ = 0.52, n = 34).")])))
        #expect(withFinding.hasCorrelations)
        #expect(withFinding.coachNoticed?.source == "fingerprint")
        #expect(withFinding.coachNoticed?.text == "After more sleep your easy runs were more efficient (ρ = 0.52, n = 34).")
        #expect(withFinding.coachNoticed?.askCoachQuery.isEmpty == false)

        // 2. Then a record of the last 7 days.
        let withRecord = HomeBuilder.build(F.facts(analytics: F.analytics(load: F.load(form: -20, fitness: 40), records: [record])))
        #expect(
            withRecord.coachNoticed
                == CoachNoticed(
                    text: "New 5 km record: 21:30 on 2026-11-30.", source: "signal",
                    askCoachQuery: "I just set a 5 km record. What does it say about my fitness?"))
        #expect(!withRecord.hasCorrelations)

        // 3. Then the load, when it is past or near a limit.
        let heavy = HomeBuilder.build(F.facts(analytics: F.analytics(load: F.load(form: -20, fitness: 40, ramp: 2, ratio: 1.0))))
        #expect(heavy.coachNoticed?.source == "signal")
        #expect(heavy.coachNoticed?.text.hasPrefix("Watch the load: form −20 is −50 % of your fitness (40)") == true)
        #expect(heavy.coachNoticed?.askCoachQuery == "Am I doing too much?")

        // 4. Then the efficiency trend; a calm load and a steady trend notice nothing.
        let trend = HomeBuilder.build(F.facts(analytics: F.analytics(load: calm, efficiency: improving)))
        #expect(
            trend.coachNoticed?.text == "Your easy-run efficiency is improving (+3.4 % speed per heartbeat over 0 comparable easy runs).")
        #expect(HomeBuilder.build(F.facts(analytics: F.analytics(load: calm))).coachNoticed == nil)
    }

    @Test func theFingerprintFollowsTheFiguresTheBriefingCites() {
        let base = F.facts(analytics: F.analytics(load: F.load(form: -14)))
        var same = base
        same.analytics?.computedAt = F.now.addingTimeInterval(600)
        #expect(BriefingFingerprint.compute(facts: base) == BriefingFingerprint.compute(facts: same), "a recompute that changes nothing")
        var changed = base
        changed.analytics?.load = F.load(form: -18)
        #expect(BriefingFingerprint.compute(facts: base) != BriefingFingerprint.compute(facts: changed))
    }
}
