import Foundation
import LLM
import StrideIQCore
import Testing

@testable import StrideIQ

/// The coach's context carries the stored training figures, and the offline coach answers the common questions
/// from them: today's pace, a race prediction, "am I doing too much".
@Suite("Coach: the training figures and the offline coach's answers")
struct CoachFiguresTests {
    /// Wednesday 2026-12-02, 07:00 UTC.
    static let now = LocalDate("2026-12-02")!.start(in: .gmt).addingTimeInterval(7 * 3600)
    static var today: LocalDate { LocalDate(now, in: .gmt) }

    static let paces = TrainingPaces(
        easy: PaceRange(fastSPerKm: 340, slowSPerKm: 370), long: PaceRange(fastSPerKm: 345, slowSPerKm: 375),
        recovery: PaceRange(fastSPerKm: 370, slowSPerKm: 390), marathon: PaceRange(fastSPerKm: 297, slowSPerKm: 303),
        threshold: PaceRange(fastSPerKm: 277, slowSPerKm: 283), interval: PaceRange(fastSPerKm: 253, slowSPerKm: 259),
        repetition: PaceRange(fastSPerKm: 237, slowSPerKm: 243))

    static func analytics(form: Double = -14, fitness: Double = 52, ramp: Double = 9, ratio: Double? = 1.42) -> AthleteAnalytics {
        AthleteAnalytics(
            computedAt: now, heartRate: HeartRateProfile(maxHR: 190, maxHRSource: .profile, restingHR: 50, restingHRSource: .estimated),
            thresholdPaceSPerKm: 280, thresholdPaceSource: .estimated,
            load: LoadStatus(
                day: FitnessDay(date: today, load: 90, fitness: fitness, fatigue: fitness - form, form: form), rampRate: ramp,
                acuteChronicRatio: ratio, tsbContext: FitnessModel.tsbContext(form: form, fitness: fitness), loadTrend: "up"),
            fitness: FitnessLevel(
                vdot: 45.0,
                source: PerformanceRef(
                    activityID: UUID(), date: LocalDate("2026-10-01")!, kind: .race, distanceM: 10_000, timeS: 2_775),
                paces: paces,
                predictions: [
                    RacePrediction(name: "5k", distanceM: 5_000, timeS: 1_342, riegelTimeS: 1_331),
                    RacePrediction(name: "10k", distanceM: 10_000, timeS: 2_790, riegelTimeS: 2_810),
                    RacePrediction(name: "half_marathon", distanceM: 21_097.5, timeS: 6_185, riegelTimeS: 6_240),
                    RacePrediction(name: "marathon", distanceM: 42_195, timeS: 12_870, riegelTimeS: 13_010),
                ]),
            records: [
                PersonalRecord(
                    category: "10k", distanceM: 10_000, timeS: 2_775, activityID: UUID(), date: LocalDate("2026-10-01")!,
                    source: .wholeActivity)
            ],
            efficiency: EfficiencyTrend(
                points: [], slopePerWeek: 0.0001, changePercent: 2.5, direction: "improving", pValue: 0.02, rSquared: 0.3,
                requiredPoints: 6),
            whatWorks: WhatWorksReport(minSampleSize: 20, pairs: 9, pairsNeeded: 11, falseDiscoveryRate: 0.1, findings: []))
    }

    static func input(_ analytics: AthleteAnalytics?, todays type: WorkoutType? = .easy, units: Units = .metric) -> CoachContextInput {
        CoachContextInput(
            now: now, timeZone: .gmt, units: units, displayName: "Sam", runs: [], plan: nil,
            weekWorkouts: type.map { [WorkoutFact(id: UUID(), date: today, type: $0, title: "Today", distanceM: 8_000)] } ?? [],
            nextWorkout: nil, checkins: [], analytics: analytics)
    }

    static func ask(_ question: String, _ context: CoachContext) async throws -> String {
        let request = ChatRequest(messages: [.system(context.systemPrompt), .user(question)], maxTokens: 1024, facts: context.facts)
        return try await OfflineProvider().complete(request, timeout: .seconds(1)).text
    }

    @Test func theContextCarriesEveryFigure() {
        let context = CoachContextBuilder.build(Self.input(Self.analytics()))
        for expected in [
            "Training load today: fitness 52.0, fatigue 66.0, form −14 (building); fitness +9.0 points in the last 7 days; acute:chronic load ratio 1.42; load trend up.",
            "Training paces: VDOT 45.0 (from your 10 km race on 2026-10-01): easy 5:40–6:10/km, long 5:45–6:15/km, recovery 6:10–6:30/km, marathon 4:57–5:03/km, threshold 4:37–4:43/km, interval 4:13–4:19/km, repetition 3:57–4:03/km.",
            "Personal records: 10 km 46:15 (2026-10-01).",
            "Efficiency trend: improving (+2.5 % speed per heartbeat over 0 comparable easy runs).",
            "What works: not enough check-ins yet to say what helps your runs: 11 more check-in and run pairs are needed.",
        ] {
            #expect(context.facts.contains(expected), "missing: \(expected)")
            #expect(context.systemPrompt.contains("- " + expected), "not in the prompt: \(expected)")
        }
        #expect(context.facts.filter { $0.hasPrefix("Race prediction for ") }.count == 4)
        #expect(context.systemPrompt.contains("## Training figures"))
        // Before the first recompute the prompt says there are none, and no figure fact is made up.
        let none = CoachContextBuilder.build(Self.input(nil))
        #expect(none.systemPrompt.contains("- none yet"))
        #expect(!none.facts.contains { $0.hasPrefix("Training") || $0.hasPrefix("Race prediction") || $0.hasPrefix("Pace for") })
    }

    @Test func offlineCoachAnswersWhatPaceForTodaysWorkout() async throws {
        let easy = try await Self.ask("What pace should I run today's workout at?", CoachContextBuilder.build(Self.input(Self.analytics())))
        #expect(
            easy == """
                \(OfflineProvider.answerHeading)
                Pace for today's workout: today's 8 km easy run is at 5:40–6:10/km, from your training paces (VDOT 45.0).
                """)
        // The workout's type picks the range: a threshold session is at threshold pace, in the athlete's units.
        let threshold = try await Self.ask(
            "what pace for today's workout?", CoachContextBuilder.build(Self.input(Self.analytics(), todays: .threshold, units: .imperial)))
        #expect(threshold.contains("today's 5 mi threshold session is at 7:26–7:35/mi"), "\(threshold)")
        // Nothing planned: the easy range.
        let rest = try await Self.ask("What pace today?", CoachContextBuilder.build(Self.input(Self.analytics(), todays: nil)))
        #expect(rest.contains("nothing is planned today; an easy run would be 5:40–6:10/km"), "\(rest)")
    }

    @Test func offlineCoachAnswersWhatCanIRunA10k() async throws {
        let context = CoachContextBuilder.build(Self.input(Self.analytics()))
        let tenK = try await Self.ask("What can I run a 10 km in?", context)
        #expect(
            tenK == """
                \(OfflineProvider.answerHeading)
                Race prediction for 10 km: about 46:30 (4:39/km) from your fitness level (VDOT 45.0, from your 10 km race on 2026-10-01); Riegel from the same run gives 46:50.
                """)
        // "marathon" is the marathon, not the half.
        let marathon = try await Self.ask("Could I run a marathon?", context)
        #expect(marathon.contains("Race prediction for marathon: about 3:34:30") && !marathon.contains("half"), "\(marathon)")
        // No fitness level yet: it says what is missing instead of inventing a time.
        var noLevel = Self.analytics()
        noLevel.fitness = nil
        let none = try await Self.ask("What can I run a 10k in?", CoachContextBuilder.build(Self.input(noLevel)))
        #expect(none.contains("There is no race prediction yet"))
    }

    @Test func offlineCoachAnswersAmIDoingTooMuch() async throws {
        // A 9-point ramp and a ratio of 1.42: too much, with the reasons and their thresholds.
        let heavy = try await Self.ask("Am I doing too much?", CoachContextBuilder.build(Self.input(Self.analytics())))
        #expect(
            heavy == """
                \(OfflineProvider.answerHeading)
                Training load check: Yes, right now you are doing too much: fitness rose 9 points in 7 days, more than the 8 a week most runners absorb; your acute:chronic load ratio is 1.42, above the 0.8–1.3 band. Ease off: easy running only for a few days, until your form is back above −30 % of your fitness.
                Training load today: fitness 52.0, fatigue 66.0, form −14 (building); fitness +9.0 points in the last 7 days; acute:chronic load ratio 1.42; load trend up.
                """)
        let calm = try await Self.ask(
            "am i overtraining?", CoachContextBuilder.build(Self.input(Self.analytics(form: -3, ramp: 2, ratio: 1.05))))
        #expect(calm.contains("Training load check: No. Form is −3"), "\(calm)")
        #expect(calm.contains("1.05 (0.8–1.3 is the safe band)"))
    }

    @Test func suggestionsAskTheQuestionsTheFiguresAnswer() async throws {
        let suggestions = CoachSuggestions.build(Self.input(Self.analytics()))
        let tooMuch = try #require(suggestions.first { $0.title == "Am I doing too much?" })
        #expect(tooMuch.description == "Fitness rose 9 points in 7 days, more than the 8 a week most runners absorb.")
        let race = try #require(suggestions.first { $0.title == "What can I run a 10 km race in?" })
        // Each prompt is a question the offline coach answers from the figures.
        let context = CoachContextBuilder.build(Self.input(Self.analytics()))
        for prompt in [tooMuch.prompt, race.prompt] {
            #expect(try await Self.ask(prompt, context).hasPrefix(OfflineProvider.answerHeading), "\(prompt)")
        }
        // A calm load asks nothing about it; no fitness level, no prediction to ask for.
        var calm = Self.analytics(form: -3, ramp: 2, ratio: 1.0)
        calm.fitness = nil
        let none = CoachSuggestions.build(Self.input(calm))
        #expect(!none.contains { $0.title == "Am I doing too much?" || $0.title.hasPrefix("What can I run") })
    }
}
