import Foundation

/// Builds single workouts: title, distance, duration, target pace and the one-sentence reason.
struct SessionContext {
    var distanceM: Double
    var vdot: Double
    var paces: TrainingPaces
    var profile: PlanBuilder.Profile
    var raceRange: PaceRange

    enum Quality { case hills, threshold, intervals, racePace, taperSharpener }

    enum Why {
        case easy, recoveryWeek, taper, shakeout, preRace

        var sentence: String {
            switch self {
            case .easy: return "Easy aerobic running builds the base without adding fatigue."
            case .recoveryWeek: return "A lighter week lets your body absorb the previous weeks of training."
            case .taper: return "Easy running keeps you loose while the taper lets fatigue drain away."
            case .shakeout: return "A short easy shakeout keeps the legs loose for tomorrow's race."
            case .preRace: return "Kept easy because the race is only days away."
            }
        }
    }

    func duration(_ distanceM: Double, _ pace: PaceRange) -> Int { Int((distanceM / 1000 * pace.midpoint).rounded()) }

    func easy(date: LocalDate, distanceM: Double, phase: TrainingPhase, why: Why) -> GeneratedWorkout {
        let title = why == .shakeout ? "Shakeout \(PlanBuilder.km(distanceM))" : "Easy \(PlanBuilder.km(distanceM))"
        return GeneratedWorkout(
            date: date, type: .easy, title: title, why: why.sentence, distanceM: distanceM,
            durationS: duration(distanceM, paces.easy), pace: paces.easy, isHard: false, phase: phase)
    }

    func strides(date: LocalDate, distanceM: Double, phase: TrainingPhase) -> GeneratedWorkout {
        GeneratedWorkout(
            date: date, type: .strides, title: "Easy \(PlanBuilder.km(distanceM)) + 6 × 20 s strides",
            why: "Short relaxed strides at the end of an easy run keep the legs quick without real fatigue.", distanceM: distanceM,
            durationS: duration(distanceM, paces.easy), pace: paces.easy, isHard: false, phase: phase)
    }

    func long(date: LocalDate, distanceM: Double, phase: TrainingPhase, recovery: Bool) -> GeneratedWorkout {
        let why: String
        switch phase {
        case _ where recovery: why = "A shorter long run keeps the habit while the week recovers."
        case .taper: why = "A shorter long run keeps endurance while the taper freshens you up."
        default: why = "The long run builds the endurance the race distance asks for."
        }
        return GeneratedWorkout(
            date: date, type: .long, title: "Long run \(PlanBuilder.km(distanceM))", why: why, distanceM: distanceM,
            durationS: duration(distanceM, paces.long), pace: paces.long, isHard: false, phase: phase)
    }

    func race(date: LocalDate, name: String?) -> GeneratedWorkout {
        let label = name ?? "Race: \(RaceDistances.displayName(distanceM))"
        return GeneratedWorkout(
            date: date, type: .race, title: label,
            why:
                "Race day: everything in the plan has been building to this run at \(PlanBuilder.formatPace((raceRange.fastSPerKm + raceRange.slowSPerKm) / 2)).",
            distanceM: distanceM, durationS: Int((distanceM / 1000 * raceRange.midpoint).rounded()), pace: raceRange, isHard: true,
            phase: .race)
    }

    /// A quality session of about `budgetM` at most (warm-up and cool-down included).
    func quality(_ kind: Quality, date: LocalDate, weekVolumeM v: Double, budgetM: Double, phase: TrainingPhase) -> GeneratedWorkout {
        let wucd = min(v < 30000 ? 2000.0 : v < 50000 ? 3000 : 4000, max(1000, budgetM / 2))
        let room = max(1000, budgetM - wucd)
        func clampMain(_ x: Double, _ lo: Double, _ hi: Double) -> Double { PlanBuilder.round100(min(max(min(x, hi), lo), room)) }
        let wuText = "\(PlanBuilder.km(wucd)) warm-up/cool-down"
        func session(_ type: WorkoutType, _ title: String, _ why: String, main: Double, mainPace: PaceRange, extra: Double = 0)
            -> GeneratedWorkout
        {
            let total = PlanBuilder.round100(wucd + main + extra)
            let seconds = Double(main) / 1000 * mainPace.midpoint + (wucd + extra) / 1000 * paces.easy.midpoint
            return GeneratedWorkout(
                date: date, type: type, title: title, why: why, distanceM: total, durationS: Int(seconds.rounded()), pace: mainPace,
                isHard: true,
                phase: phase)
        }
        switch kind {
        case .hills:
            let reps = min(max(Int(v / 6000), 6), 10)
            let main = min(Double(reps) * 400, room)
            return session(
                .hills, "Hills: \(reps) × 60–75 s uphill at interval effort, jog down (\(wuText))",
                "Hill repeats build strength and running economy before faster work starts.", main: main, mainPace: paces.interval)
        case .threshold:
            let main = clampMain(0.10 * v, 2000, 10000)
            let title =
                main >= 5000
                ? "Threshold: \(Int(main / 1600)) × 1.6 km at T pace, 60 s jog (\(wuText))"
                : "Threshold: \(PlanBuilder.km(main)) steady at T pace (\(wuText))"
            return session(
                .threshold, title, "Threshold running raises the pace you can hold for about an hour.", main: main,
                mainPace: paces.threshold)
        case .intervals:
            let main = clampMain(0.08 * v, 2000, 8000)
            let rep = main >= 5000 ? 1000.0 : main >= 3200 ? 800 : 400
            let reps = max(3, Int(main / rep))
            let jog = Double(reps - 1) * 200
            return session(
                .intervals, "Intervals: \(reps) × \(Int(rep)) m at I pace, equal-time jog (\(wuText))",
                "Intervals at VO2max pace raise your aerobic ceiling.", main: min(Double(reps) * rep, room), mainPace: paces.interval,
                extra: min(jog, max(0, room - Double(reps) * rep)))
        case .racePace, .taperSharpener:
            let sharpener = kind == .taperSharpener
            if profile.isMarathonLike {
                let main = clampMain((sharpener ? 0.10 : 0.20) * v, 3000, sharpener ? 8000 : 16000)
                return session(
                    .marathonPace, "Marathon pace: \(PlanBuilder.km(main)) at M pace (\(wuText))",
                    sharpener
                        ? "A short race-pace run keeps the rhythm while the taper cuts the volume."
                        : "Marathon-pace running teaches the rhythm and fuelling you will use on race day.",
                    main: main, mainPace: paces.marathon)
            }
            let pace = PlanBuilder.racePaceTraining(distanceM: distanceM, vdot: vdot, paces: paces)
            let main =
                profile.isShort
                ? clampMain((sharpener ? 0.05 : 0.08) * v, 2000, sharpener ? 3000 : 6000)
                : clampMain((sharpener ? 0.08 : 0.15) * v, 2000, sharpener ? 5000 : 10000)
            let title =
                profile.isShort
                ? "Race pace: \(max(2, Int(main / 1000))) × 1 km at race pace, 90 s jog (\(wuText))"
                : "Race pace: \(PlanBuilder.km(main)) at race pace (\(wuText))"
            return session(
                .tempo, title,
                sharpener
                    ? "A short race-pace session keeps the legs sharp while the taper cuts the volume."
                    : "Race-pace work teaches the rhythm you will hold on race day.",
                main: main, mainPace: pace)
        }
    }
}
