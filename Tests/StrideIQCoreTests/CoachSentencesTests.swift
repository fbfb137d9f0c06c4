import Foundation
import Testing

@testable import StrideIQCore

/// Stored figures for the sentence tests: a 10 km race at VDOT 45 with hand-set paces, and a load picture.
enum TrainingFixture {
    static let today = LocalDate("2026-12-02")!
    static let now = today.start(in: .gmt).addingTimeInterval(7 * 3600)

    static let paces = TrainingPaces(
        easy: PaceRange(fastSPerKm: 340, slowSPerKm: 370), long: PaceRange(fastSPerKm: 345, slowSPerKm: 375),
        recovery: PaceRange(fastSPerKm: 370, slowSPerKm: 390), marathon: PaceRange(fastSPerKm: 297, slowSPerKm: 303),
        threshold: PaceRange(fastSPerKm: 277, slowSPerKm: 283), interval: PaceRange(fastSPerKm: 253, slowSPerKm: 259),
        repetition: PaceRange(fastSPerKm: 237, slowSPerKm: 243))

    static let fitness = FitnessLevel(
        vdot: 45.0,
        source: PerformanceRef(activityID: UUID(), date: LocalDate("2026-10-01")!, kind: .race, distanceM: 10_000, timeS: 2_775),
        paces: paces,
        predictions: [
            RacePrediction(name: "5k", distanceM: 5_000, timeS: 1_342, riegelTimeS: 1_331),
            RacePrediction(name: "10k", distanceM: 10_000, timeS: 2_790, riegelTimeS: 2_810),
            RacePrediction(name: "half_marathon", distanceM: 21_097.5, timeS: 6_185, riegelTimeS: 6_240),
            RacePrediction(name: "marathon", distanceM: 42_195, timeS: 12_870, riegelTimeS: 13_010),
        ])

    static func load(form: Double, fitness: Double = 52, ramp: Double = 9, ratio: Double? = 1.2, on day: LocalDate = today)
        -> LoadStatus
    {
        let dayFigures = FitnessDay(date: day, load: 80, fitness: fitness, fatigue: fitness - form, form: form)
        return LoadStatus(
            day: dayFigures, rampRate: ramp, acuteChronicRatio: ratio,
            tsbContext: FitnessModel.tsbContext(form: form, fitness: fitness), loadTrend: "up")
    }

    static func analytics(
        load: LoadStatus?, fitness: FitnessLevel? = fitness, records: [PersonalRecord] = [], findings: [CorrelationFinding] = [],
        efficiency: EfficiencyTrend = EfficiencyTrend(
            points: [], slopePerWeek: nil, changePercent: nil, direction: "insufficient_data", pValue: nil, rSquared: nil,
            requiredPoints: 6)
    ) -> AthleteAnalytics {
        AthleteAnalytics(
            computedAt: now, heartRate: HeartRateProfile(maxHR: 190, maxHRSource: .profile, restingHR: 50, restingHRSource: .profile),
            thresholdPaceSPerKm: 280, thresholdPaceSource: .estimated, load: load, fitness: fitness, records: records,
            efficiency: efficiency,
            whatWorks: WhatWorksReport(
                minSampleSize: 20, pairs: findings.isEmpty ? 8 : 30, pairsNeeded: findings.isEmpty ? 12 : 0, falseDiscoveryRate: 0.1,
                findings: findings))
    }

    static func workout(_ type: WorkoutType, km: Double?, pace: (Int, Int)? = nil) -> WorkoutFact {
        WorkoutFact(
            id: UUID(), date: today, type: type, title: type.rawValue.capitalized, distanceM: km.map { $0 * 1000 },
            paceMinSPerKm: pace?.0, paceMaxSPerKm: pace?.1)
    }

    static let tenK = PlanFact(
        id: UUID(), name: "Autumn 10k", raceName: "City 10k", raceDate: today.adding(days: 12), raceDistanceM: 10_000,
        goalTimeS: 2_700, startDate: today.adding(days: -60), totalWeeks: 10, updatedAt: now)

    static func facts(
        units: Units = .metric, analytics: AthleteAnalytics?, workouts: [WorkoutFact] = [], plan: PlanFact? = nil
    ) -> HomeFacts {
        HomeFacts(
            now: now, timeZone: .gmt, units: units, windowActivities: [], latestRun: nil, totalActivities: 20, plan: plan,
            weekWorkouts: workouts, todayCheckin: nil, analytics: analytics)
    }
}

@Suite("Coach sentences from the stored figures")
struct CoachSentencesTests {
    typealias F = TrainingFixture

    @Test func leadCitesFormRampAndTodaysPace() {
        let picture = TrainingPicture(analytics: F.analytics(load: F.load(form: -14)), today: F.today)
        let lead = CoachSentences.lead(
            picture, workout: F.workout(.easy, km: 8), hasPlan: true, raceDistanceM: nil, format: Format(units: .metric))
        #expect(
            lead
                == "You're carrying some fatigue (form −14) after a 9-point jump in fitness this week, so keep today's 8 km easy at 5:40–6:10/km."
        )
    }

    @Test func leadInMilesForAnImperialAthlete() {
        let picture = TrainingPicture(analytics: F.analytics(load: F.load(form: -14)), today: F.today)
        let lead = CoachSentences.lead(
            picture, workout: F.workout(.easy, km: 8.04672), hasPlan: true, raceDistanceM: nil, format: Format(units: .imperial))
        // 340–370 s/km is 9:07–9:55 per mile; 8.04672 km is 5 mi.
        #expect(lead?.hasSuffix("so keep today's 5 mi easy at 9:07–9:55/mi.") == true, "\(lead ?? "nil")")
    }

    @Test func leadForAFreshAthleteBeforeAHardSession() {
        let picture = TrainingPicture(analytics: F.analytics(load: F.load(form: 6, ramp: -6)), today: F.today)
        let lead = CoachSentences.lead(
            picture, workout: F.workout(.threshold, km: 10), hasPlan: true, raceDistanceM: nil, format: Format(units: .metric))
        #expect(
            lead
                == "You're fresh (form +6) after a 6-point dip in fitness this week, so today's 10 km threshold session at 4:37–4:43/km is well timed."
        )
    }

    @Test func leadForHeavyFatigueWithNothingPlanned() {
        let picture = TrainingPicture(analytics: F.analytics(load: F.load(form: -20, fitness: 40, ramp: 2)), today: F.today)
        let lead = CoachSentences.lead(picture, workout: nil, hasPlan: false, raceDistanceM: nil, format: Format(units: .metric))
        #expect(lead == "You're carrying a lot of fatigue (form −20), so rest or jog easy today, at 5:40–6:10/km or slower.")
    }

    @Test func raceDayIsAtThePredictedPace() {
        let picture = TrainingPicture(analytics: F.analytics(load: F.load(form: -14, ramp: 2)), today: F.today)
        let f = Format(units: .metric)
        // The stored 10 km prediction is 46:30: 279 s/km, ± 2 s.
        #expect(
            CoachSentences.lead(picture, workout: F.workout(.race, km: 10), hasPlan: true, raceDistanceM: 10_000, format: f)
                == "You're carrying some fatigue (form −14), so start today's 10 km race at 4:37–4:41/km and hold back for the first third."
        )
        #expect(
            CoachSentences.todayPace(picture, workout: F.workout(.race, km: 10), raceDistanceM: 10_000, format: f)
                == "today's 10 km race is at 4:37–4:41/km, the pace your fitness level predicts for it (VDOT 45.0).")
    }

    @Test func noLeadBeforeTheFirstActivity() {
        let picture = TrainingPicture(analytics: nil, today: F.today)
        #expect(CoachSentences.lead(picture, workout: nil, hasPlan: false, raceDistanceM: nil, format: Format(units: .metric)) == nil)
    }

    @Test func goalRacePredictionBesideTheGoal() {
        let picture = TrainingPicture(analytics: F.analytics(load: nil), today: F.today)
        #expect(
            CoachSentences.goalRacePrediction(picture, plan: F.tenK) == "Your 10 km fitness points to about 46:30, against a 45:00 goal.")
        // A distance the stored predictions do not cover comes from the same VDOT (and Riegel from the same race).
        var tenMile = F.tenK
        tenMile.raceDistanceM = 16_093.44
        tenMile.goalTimeS = nil
        let time = RunningFitness.raceTime(vdot: 45, distanceM: 16_093.44)
        #expect(
            CoachSentences.goalRacePrediction(picture, plan: tenMile)
                == "Your 10 mile fitness points to about \(CoachSentences.raceTime(time)).")
    }

    @Test func deterministicBriefingReadsLikeACoach() {
        let facts = F.facts(analytics: F.analytics(load: F.load(form: -14)), workouts: [F.workout(.easy, km: 8)], plan: F.tenK)
        let home = HomeBuilder.build(facts)
        let briefing = BriefingWriter.deterministic(facts, home: home)
        #expect(
            briefing.morningVoice
                == "You're carrying some fatigue (form −14) after a 9-point jump in fitness this week, so keep today's 8 km easy at 5:40–6:10/km. Your 10 km fitness points to about 46:30, against a 45:00 goal."
        )
        #expect(
            briefing.todayContext
                == "Today's session is easy, 8.0 km. Today's 8 km easy run is at 5:40–6:10/km, from your training paces (VDOT 45.0).")
        #expect(
            briefing.raceAssessment
                == "City 10k is 12 days away; keep the key sessions and protect recovery. Your 10 km fitness points to about 46:30, against a 45:00 goal."
        )
        // A ramp of 9 points is past the steep mark: the week's assessment says so, with the number.
        #expect(briefing.weekAssessment.contains("fitness rose 9 points in 7 days, more than the 8 a week most runners absorb"))
    }

    @Test func deterministicBriefingWithoutFiguresIsTheLog() {
        let facts = F.facts(analytics: nil, workouts: [F.workout(.easy, km: 8)])
        let briefing = BriefingWriter.deterministic(facts, home: HomeBuilder.build(facts))
        #expect(briefing.morningVoice == "0.0 km run so far this week of 8.0 km planned. Today: easy.")
    }

    @Test func promptFactsCiteFormRampPacesAndPrediction() {
        let facts = F.facts(analytics: F.analytics(load: F.load(form: -14)), workouts: [F.workout(.easy, km: 8)], plan: F.tenK)
        let lines = BriefingWriter.facts(facts, home: HomeBuilder.build(facts))
        #expect(
            lines.contains(
                "Training load today: fitness 52.0, fatigue 66.0, form −14 (building); fitness +9.0 points in the last 7 days; acute:chronic load ratio 1.20; load trend up."
            ))
        #expect(lines.contains { $0.hasPrefix("Training paces: VDOT 45.0 (from your 10 km race on 2026-10-01): easy 5:40–6:10/km") })
        #expect(lines.contains("Pace for today: today's 8 km easy run is at 5:40–6:10/km, from your training paces (VDOT 45.0)."))
        #expect(lines.contains("Goal race prediction: Your 10 km fitness points to about 46:30, against a 45:00 goal."))
        let prompt = BriefingWriter.systemPrompt(requirements: .init(home: HomeBuilder.build(facts)))
        #expect(prompt.contains("with the form number") && prompt.contains("predicted time"))
    }

    @Test func loadVerdictThresholds() {
        #expect(LoadReading.verdict(F.load(form: -5, ramp: 3, ratio: 1.0)).verdict == .fine)
        #expect(LoadReading.verdict(F.load(form: -5, ramp: 6, ratio: 1.0)).verdict == .onTheEdge)
        #expect(LoadReading.verdict(F.load(form: -5, ramp: 3, ratio: 1.4)).verdict == .onTheEdge)
        #expect(LoadReading.verdict(F.load(form: -5, ramp: 3, ratio: 1.6)).verdict == .tooMuch)
        #expect(LoadReading.verdict(F.load(form: -5, ramp: 9, ratio: 1.0)).verdict == .tooMuch)
        // −20 on a fitness of 50 is −40 %: past the −30 % where fatigue runs ahead of fitness.
        #expect(LoadReading.verdict(F.load(form: -20, fitness: 50, ramp: 3, ratio: 1.0)).verdict == .tooMuch)
        #expect(
            CoachSentences.loadCheck(F.load(form: -5, fitness: 50, ramp: 3, ratio: 1.0))
                == "No. Form is −5, −10 % of your fitness (50); below −30 % is the warning sign. Fitness changed by +3 points in 7 days (above 8 a week is steep), and your acute:chronic load ratio is 1.00 (0.8–1.3 is the safe band). You have room to keep building."
        )
    }

    @Test func storedLoadIsCarriedToToday() {
        let stored = F.load(form: -14, ramp: 9, ratio: 1.2, on: F.today.adding(days: -3))
        // The same day: as stored.
        #expect(LoadReading.onDay(stored, stored.day.date) == stored)
        // Three rest days later: fitness and fatigue decay in closed form; the weekly figures stay as stored.
        let later = LoadReading.onDay(stored, F.today)
        #expect(later.day == FitnessModel.project(stored.day, to: F.today))
        #expect(later.rampRate == 9 && later.acuteChronicRatio == 1.2 && later.loadTrend == "up")
        #expect(later.tsbContext == FitnessModel.tsbContext(form: later.day.form, fitness: later.day.fitness))
        // Ten rest days later: the last 7 days are empty, so the ratio is 0 and the ramp is the projected change.
        let tenDays = LoadReading.onDay(stored, stored.day.date.adding(days: 10))
        #expect(tenDays.acuteChronicRatio == 0)
        #expect(tenDays.loadTrend == "down")
        let weekAgo = FitnessModel.project(stored.day, to: stored.day.date.adding(days: 3))
        #expect(abs(tenDays.rampRate - (tenDays.day.fitness - weekAgo.fitness)) < 1e-9)
        #expect(tenDays.rampRate < 0)
        // A month later there is no ratio (no load in 28 days) and nothing to compare the trend with.
        let month = LoadReading.onDay(stored, stored.day.date.adding(days: 30))
        #expect(month.acuteChronicRatio == nil && month.loadTrend == "stable")
    }
}
