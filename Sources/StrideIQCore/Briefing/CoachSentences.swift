import Foundation

/// The sentences a coach says about the stored figures: the briefing's lead, today's pace, race predictions, the
/// load check. Home, the deterministic briefing, the model's facts and the offline coach all use these, so the
/// same figure reads the same everywhere. In the athlete's units; race distances keep their names ("10 km").
public enum CoachSentences {
    // MARK: the briefing

    /// The opening sentence: how fresh the athlete is (with the number), the week's fitness jump or dip when it
    /// is notable, and what that means for today's workout at its training pace. E.g. "You're carrying some
    /// fatigue (form −14) after a 9-point jump in fitness this week, so keep today's 8 km easy at
    /// 5:40–6:10/km." `nil` before the first activity (no load picture).
    public static func lead(
        _ picture: TrainingPicture, workout: WorkoutFact?, hasPlan: Bool, raceDistanceM: Double?, format f: Format
    ) -> String? {
        guard let load = picture.load else { return nil }
        let form = load.day.form
        let percent = LoadReading.formPercent(load.day)
        let fatigued = percent < LoadReading.someFatiguePercent
        let fresh = load.tsbContext == "Fresh"
        var s: String
        if load.tsbContext == "Fatigued" {
            s = "You're carrying a lot of fatigue (form \(LoadReading.signed(form)))"
        } else if fatigued {
            s = "You're carrying some fatigue (form \(LoadReading.signed(form)))"
        } else if fresh {
            s = "You're fresh (form \(LoadReading.signed(form)))"
        } else {
            s = "You're absorbing your training well (form \(LoadReading.signed(form)))"
        }
        if load.rampRate >= LoadReading.notableRamp {
            s += " after a \(Int(load.rampRate.rounded()))-point jump in fitness this week"
        } else if load.rampRate <= -LoadReading.notableRamp {
            s += " after a \(Int((-load.rampRate).rounded()))-point dip in fitness this week"
        }
        let easyPace = picture.fitness.flatMap { f.paceRange($0.paces.easy.fastSPerKm, $0.paces.easy.slowSPerKm) }
        guard let w = workout else {
            if !hasPlan, let easyPace {
                return s
                    + (fatigued ? ", so rest or jog easy today, at \(easyPace) or slower." : ". An easy run at \(easyPace) fits today.")
            }
            return s + (fatigued ? ", so make today a rest day or an easy jog." : ".")
        }
        switch w.type {
        case .rest: return s + (fatigued ? ", so today's rest day is well timed." : ". Today is a rest day.")
        case .crossTraining: return s + (fatigued ? ", so keep today's cross-training gentle." : ". Today is cross-training.")
        default: break
        }
        let distance = w.distanceM.map { f.shortDistance($0) + " " } ?? ""
        let pace = picture.pace(for: w.type, raceDistanceM: raceDistanceM).flatMap { f.paceRange($0.fastSPerKm, $0.slowSPerKm) }
        let at = pace.map { " at \($0)" } ?? ""
        if fatigued {
            switch w.type {
            case .easy, .strides: return s + ", so keep today's \(distance)easy\(at)."
            case .recovery: return s + ", so keep today's \(distance)recovery run truly easy\(at)."
            case .long: return s + ", so keep today's \(distance)long run relaxed\(at)."
            case .race: return s + ", so start today's \(distance)race\(at) and hold back for the first third."
            default:
                return s + ", so run today's \(distance)\(noun(w.type))\(at) and no faster, and cut it short if your legs stay heavy."
            }
        }
        if fresh && isHard(w.type) { return s + ", so today's \(distance)\(noun(w.type))\(at) is well timed." }
        return s + ". Today's \(distance)\(noun(w.type))" + (pace.map { ": \($0)." } ?? ".")
    }

    /// What the fitness level predicts for the goal race's distance, with the goal time beside it. E.g. "Your
    /// 10 km fitness points to about 46:30, against a 45:00 goal." `nil` without a goal race or a fitness level.
    public static func goalRacePrediction(_ picture: TrainingPicture, plan: PlanFact?) -> String? {
        guard let plan, let time = picture.predictedTime(distanceM: plan.raceDistanceM)?.vdot else { return nil }
        var s = "Your \(distanceName(plan.raceDistanceM)) fitness points to about \(raceTime(time))"
        if let goal = plan.goalTimeS { s += ", against a \(raceTime(Double(goal))) goal" }
        return s + "."
    }

    // MARK: the coach's answers

    /// The pace for today's workout, from the training paces (and the plan's own target beside it). `nil` when
    /// neither a fitness level nor a planned target exists.
    public static func todayPace(
        _ picture: TrainingPicture, workout: WorkoutFact?, raceDistanceM: Double?, format f: Format
    ) -> String? {
        let vdot = picture.fitness.map { String(format: "VDOT %.1f", $0.vdot) }
        guard let w = workout, w.type != .rest, w.type != .crossTraining else {
            guard let fitness = picture.fitness, let easy = f.paceRange(fitness.paces.easy.fastSPerKm, fitness.paces.easy.slowSPerKm)
            else { return nil }
            let what =
                workout?.type == .rest ? "today is a rest day" : workout == nil ? "nothing is planned today" : "today is cross-training"
            return "\(what); an easy run would be \(easy), the easy range of your training paces"
                + String(format: " (VDOT %.1f).", fitness.vdot)
        }
        let name = (w.distanceM.map { f.shortDistance($0) + " " } ?? "") + noun(w.type)
        let planned = f.paceRange(w.paceMinSPerKm, w.paceMaxSPerKm)
        guard let range = picture.pace(for: w.type, raceDistanceM: raceDistanceM),
            let pace = f.paceRange(range.fastSPerKm, range.slowSPerKm), let vdot
        else {
            guard let planned else { return nil }
            return
                "today's \(name) has a planned target of \(planned); there is no fitness level yet to check it against (it needs a race or a hard run with a distance and a time)."
        }
        var s = "today's \(name) is at \(pace), "
        s += w.type == .race ? "the pace your fitness level predicts for it (\(vdot))" : "from your training paces (\(vdot))"
        if let planned, planned != pace { s += "; the plan's own target is \(planned)" }
        return s + "."
    }

    /// One distance's prediction, by VDOT and by Riegel from the same performance. E.g. "about 46:30 (4:39/km)
    /// from your fitness level (VDOT 45.2, from your 10 km race on 2026-10-01); Riegel from the same run gives
    /// 46:50."
    public static func racePrediction(_ picture: TrainingPicture, distanceM: Double, format f: Format) -> String? {
        guard let fitness = picture.fitness, let (vdotTime, riegel) = picture.predictedTime(distanceM: distanceM) else { return nil }
        return "about \(raceTime(vdotTime)) (\(f.pace(vdotTime / distanceM * 1000))) from your fitness level "
            + String(format: "(VDOT %.1f, ", fitness.vdot) + "from \(performance(fitness.source))); "
            + "Riegel from the same run gives \(raceTime(riegel))."
    }

    /// The answer to "am I doing too much": a verdict, the figures against their thresholds, and what to do.
    public static func loadCheck(_ load: LoadStatus) -> String {
        let (verdict, reasons) = LoadReading.verdict(load)
        switch verdict {
        case .tooMuch:
            return "Yes, right now you are doing too much: " + reasons.joined(separator: "; ")
                + ". Ease off: easy running only for a few days, until your form is back above "
                + "\(LoadReading.signed(FitnessModel.fatiguedFormPercent)) % of your fitness."
        case .onTheEdge:
            return "You're on the edge: " + reasons.joined(separator: "; ")
                + ". Hold your volume steady this week rather than adding more."
        case .fine:
            var s = "No. Form is \(LoadReading.signed(load.day.form)), \(LoadReading.signed(LoadReading.formPercent(load.day))) % of "
            s +=
                "your fitness (\(Int(load.day.fitness.rounded()))); below \(LoadReading.signed(FitnessModel.fatiguedFormPercent)) % is the warning sign. "
            s +=
                "Fitness changed by \(LoadReading.signed(load.rampRate)) points in 7 days (above \(Int(LoadReading.steepRamp)) a week is steep)"
            if let ratio = load.acuteChronicRatio {
                s += String(format: ", and your acute:chronic load ratio is %.2f", ratio)
                s += " (\(LoadReading.safeACWR.lowerBound)–\(LoadReading.safeACWR.upperBound) is the safe band)"
            }
            return s + ". You have room to keep building."
        }
    }

    /// Fitness, fatigue and form with the ramp and the ratio, as one line of figures.
    public static func loadFigures(_ load: LoadStatus) -> String {
        var s = String(format: "fitness %.1f, fatigue %.1f, form ", load.day.fitness, load.day.fatigue)
        s += "\(LoadReading.signed(load.day.form)) (\(load.tsbContext.lowercased())); "
        s += String(format: "fitness %@%.1f points in the last 7 days", load.rampRate < 0 ? "−" : "+", abs(load.rampRate))
        if let ratio = load.acuteChronicRatio { s += String(format: "; acute:chronic load ratio %.2f", ratio) }
        s += "; load trend \(load.loadTrend)"
        return s + "."
    }

    /// The training paces, each range in the athlete's units.
    public static func paces(_ fitness: FitnessLevel, format f: Format) -> String {
        let p = fitness.paces
        let parts = [
            ("easy", p.easy), ("long", p.long), ("recovery", p.recovery), ("marathon", p.marathon), ("threshold", p.threshold),
            ("interval", p.interval), ("repetition", p.repetition),
        ].compactMap { name, r in f.paceRange(r.fastSPerKm, r.slowSPerKm).map { "\(name) \($0)" } }
        return String(format: "VDOT %.1f (from ", fitness.vdot) + performance(fitness.source) + "): " + parts.joined(separator: ", ") + "."
    }

    /// The records, shortest distance first.
    public static func records(_ records: [PersonalRecord]) -> String? {
        guard !records.isEmpty else { return nil }
        return records.sorted { $0.distanceM < $1.distanceM }
            .map { "\(recordName($0)) \(raceTime($0.timeS)) (\($0.date))" }
            .joined(separator: ", ") + "."
    }

    /// The efficiency trend in a sentence, or `nil` while there are too few comparable easy runs.
    public static func efficiency(_ trend: EfficiencyTrend) -> String? {
        guard trend.direction != "insufficient_data", let change = trend.changePercent else { return nil }
        let runs = "\(trend.points.count) comparable easy run\(trend.points.count == 1 ? "" : "s")"
        return String(format: "%@ (%@%.1f %% speed per heartbeat over %@).", trend.direction, change < 0 ? "−" : "+", abs(change), runs)
    }

    /// What the check-ins say: the findings' own sentences, or how many more pairs are needed.
    public static func whatWorks(_ report: WhatWorksReport) -> [String] {
        if report.findings.isEmpty {
            if report.pairsNeeded > 0 {
                return [
                    "not enough check-ins yet to say what helps your runs: \(report.pairsNeeded) more check-in and run pairs are needed."
                ]
            }
            return ["no check-in input clearly goes with better or worse runs so far (\(report.pairs) pairs)."]
        }
        return report.findings.prefix(3).map(\.sentence)
    }

    // MARK: pieces

    /// "46:30", "3:12:05".
    public static func raceTime(_ seconds: Double) -> String {
        let t = Int(seconds.rounded())
        return t >= 3600
            ? String(format: "%d:%02d:%02d", t / 3600, t % 3600 / 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }

    /// "5 km", "10 km", "half marathon", "marathon", else "12.3 km".
    public static func distanceName(_ meters: Double) -> String { RaceDistances.displayName(meters) }

    static func recordName(_ r: PersonalRecord) -> String {
        switch r.category {
        case "mile": "mile"
        case _ where r.distanceM < 1000: "\(Int(r.distanceM.rounded())) m"
        default: distanceName(r.distanceM)
        }
    }

    static func performance(_ ref: PerformanceRef) -> String {
        let name = distanceName(ref.distanceM)
        return switch ref.kind {
        case .race: "your \(name) race on \(ref.date)"
        case .bestEffort: "your best \(name) effort on \(ref.date)"
        case .wholeRun: "your \(name) run on \(ref.date)"
        }
    }

    static func noun(_ type: WorkoutType) -> String {
        switch type {
        case .easy: "easy run"
        case .long: "long run"
        case .recovery: "recovery run"
        case .tempo: "tempo run"
        case .threshold: "threshold session"
        case .intervals: "interval session"
        case .hills: "hill session"
        case .fartlek: "fartlek"
        case .strides: "easy run with strides"
        case .marathonPace: "marathon-pace run"
        case .race: "race"
        case .rest: "rest day"
        case .crossTraining: "cross-training"
        }
    }

    static func isHard(_ type: WorkoutType) -> Bool {
        [.tempo, .threshold, .intervals, .hills, .fartlek, .marathonPace, .race].contains(type)
    }
}
