import Foundation

/// Writes briefings: the prompt for a model, the contract its answer must meet, and the deterministic
/// briefing used when no model answers (marked `deterministic`, interim).
public enum BriefingWriter {
    /// A race this close gets a `race_assessment`.
    public static let raceAssessmentWithinDays = 21
    public static let maxFieldLength = 600

    /// Plain facts, one per line, in the athlete's units; the model and the deterministic writer both use them.
    public static func facts(_ facts: HomeFacts, home: HomePayload) -> [String] {
        let f = Format(units: facts.units)
        var lines: [String] = ["Today is \(facts.today) (\(facts.timeZone.identifier))."]
        if home.today.hasWorkout, let title = home.today.title {
            var line = "Planned today: \(title)"
            if let d = home.today.distanceM { line += ", \(f.distance(d))" }
            if let pace = home.today.paceGuidance { line += " (\(pace))" }
            lines.append(line + ".")
        } else {
            lines.append("No workout is planned today.")
        }
        lines.append("This week: " + home.week.trajectorySentence)
        if let last = facts.latestRun {
            var line = "Most recent run: \(last.name) on \(LocalDate(last.startTime, in: facts.timeZone))"
            if let d = last.distanceM { line += ", \(f.distance(d))" }
            if let p = last.paceSPerKm { line += " at \(f.pace(p))" }
            if let hr = last.avgHR { line += ", average heart rate \(hr)" }
            lines.append(line + ".")
        } else {
            lines.append("No runs recorded yet.")
        }
        if let c = home.todayCheckin {
            var parts: [String] = []
            if let h = c.sleepH { parts.append(String(format: "slept %.1f h", h)) }
            if let s = c.sleepLabel { parts.append("sleep \(s.lowercased())") }
            if let r = c.readinessLabel { parts.append("readiness \(r.lowercased())") }
            if let s = c.sorenessLabel { parts.append("soreness \(s.lowercased())") }
            if !parts.isEmpty { lines.append("Today's check-in: " + parts.joined(separator: ", ") + ".") }
        }
        if let race = home.raceCountdown {
            var line = "Goal race: \(race.raceName) on \(race.raceDate), in \(race.daysRemaining) days, \(f.distance(race.distanceM))"
            if let t = race.goalTime { line += ", goal time \(t)" }
            lines.append(line + ".")
        }
        return lines + trainingFacts(facts, home: home)
    }

    /// The stored figures as facts: form, fitness, fatigue, ramp and ratio, the training paces, today's pace, the
    /// goal race's prediction and what the coach noticed. Empty before the analytics job's first run.
    public static func trainingFacts(_ facts: HomeFacts, home: HomePayload) -> [String] {
        let f = Format(units: facts.units)
        let picture = facts.picture
        var lines: [String] = []
        if let load = picture.load {
            lines.append("Training load today: " + CoachSentences.loadFigures(load))
            lines.append("Load check: " + CoachSentences.loadCheck(load))
        }
        if let fitness = picture.fitness { lines.append("Training paces: " + CoachSentences.paces(fitness, format: f)) }
        let raceDistance = facts.plan?.raceDistanceM
        if let pace = CoachSentences.todayPace(picture, workout: facts.todayWorkout, raceDistanceM: raceDistance, format: f) {
            lines.append("Pace for today: " + pace)
        }
        if home.raceCountdown != nil, let prediction = CoachSentences.goalRacePrediction(picture, plan: facts.plan) {
            lines.append("Goal race prediction: " + prediction)
        }
        if let noticed = home.coachNoticed { lines.append("Coach noticed: " + noticed.text) }
        return lines
    }

    /// Which optional fields the answer must contain.
    public struct Requirements: Sendable, Equatable {
        public var checkinReaction: Bool
        public var raceAssessment: Bool
        public init(home: HomePayload) {
            checkinReaction = home.todayCheckin != nil
            raceAssessment = (home.raceCountdown?.daysRemaining).map { $0 <= raceAssessmentWithinDays } ?? false
        }
    }

    public static func systemPrompt(requirements: Requirements) -> String {
        var fields = [
            "morning_voice (2-3 sentences, includes one number from the facts)", "coach_noticed", "today_context", "week_assessment",
            "workout_why",
        ]
        if requirements.checkinReaction { fields.append("checkin_reaction") }
        if requirements.raceAssessment { fields.append("race_assessment") }
        return """
            You are a running coach writing a short morning briefing for one athlete. Use only the facts given; \
            do not invent numbers. Talk like a coach, not a log: when the facts give them, say how fresh or \
            fatigued the athlete is with the form number, mention a fitness ramp of \(Int(LoadReading.notableRamp)) \
            points or more, give today's workout its pace range from the training paces, and cite the goal race's \
            predicted time. Answer with one JSON object and nothing else, with these string fields, each \
            1-3 plain sentences: \(fields.joined(separator: ", ")).
            """
    }

    public enum ContractError: Error, Equatable, CustomStringConvertible {
        case notJSON
        case missing(String)
        case tooLong(String)
        public var description: String {
            switch self {
            case .notJSON: "the answer is not a JSON object"
            case .missing(let f): "the answer has no usable \(f)"
            case .tooLong(let f): "\(f) is longer than \(maxFieldLength) characters"
            }
        }
    }

    /// Parses and checks a model's answer: required fields present, non-empty, bounded. Tolerates a fenced
    /// code block around the JSON (models add them).
    public static func validate(answer: String, requirements: Requirements) throws(ContractError) -> BriefingPayload {
        var text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("```") {
            text = text.drop(while: { $0 != "\n" }).dropFirst().description
            if let end = text.range(of: "```", options: .backwards) { text = String(text[..<end.lowerBound]) }
        }
        guard let data = text.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { throw .notJSON }
        func field(_ key: String, required: Bool) throws(ContractError) -> String? {
            let value = (object[key] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let value, !value.isEmpty else {
                if required { throw .missing(key) }
                return nil
            }
            guard value.count <= maxFieldLength else { throw .tooLong(key) }
            return value
        }
        return BriefingPayload(
            morningVoice: try field("morning_voice", required: true)!,
            coachNoticed: try field("coach_noticed", required: true)!,
            todayContext: try field("today_context", required: true)!,
            weekAssessment: try field("week_assessment", required: true)!,
            checkinReaction: try field("checkin_reaction", required: requirements.checkinReaction),
            raceAssessment: try field("race_assessment", required: requirements.raceAssessment),
            workoutWhy: try field("workout_why", required: false))
    }

    /// The briefing written from the same facts without a model. Plain and true; never pretends to be one.
    public static func deterministic(_ facts: HomeFacts, home: HomePayload) -> BriefingPayload {
        let f = Format(units: facts.units)
        let req = Requirements(home: home)
        let week = home.week
        let picture = facts.picture
        var voice = "\(f.distance(week.completedM)) run so far this week"
        if week.plannedM > 0 { voice += " of \(f.distance(week.plannedM)) planned" }
        voice += "."
        if home.today.hasWorkout, let title = home.today.title { voice += " Today: \(title.lowercased())." }
        // A coach leads with how the athlete is, what it means for today, and where the fitness points.
        if let lead = CoachSentences.lead(
            picture, workout: facts.todayWorkout, hasPlan: facts.plan != nil, raceDistanceM: facts.plan?.raceDistanceM, format: f)
        {
            voice = lead
            if home.raceCountdown != nil, let prediction = CoachSentences.goalRacePrediction(picture, plan: facts.plan) {
                voice += " " + prediction
            }
        }

        var noticed = "No runs recorded yet — log your first one to get started."
        if let last = facts.latestRun {
            let day = LocalDate(last.startTime, in: facts.timeZone)
            let ago = day.days(until: facts.today)
            noticed = "Your last run, \(last.name.lowercased())"
            noticed += ago == 0 ? " today" : ago == 1 ? " yesterday" : " \(ago) days ago"
            if let d = last.distanceM { noticed += ", covered \(f.distance(d))" }
            if let p = last.paceSPerKm { noticed += " at \(f.pace(p))" }
            noticed += "."
        }
        if let coach = home.coachNoticed { noticed = coach.text }

        var today = "Nothing is planned today: rest, or an easy walk."
        if home.today.hasWorkout, let title = home.today.title {
            today = "Today's session is \(title.lowercased())"
            if let d = home.today.distanceM { today += ", \(f.distance(d))" }
            today += "."
            if let pace = CoachSentences.todayPace(
                picture, workout: facts.todayWorkout, raceDistanceM: facts.plan?.raceDistanceM, format: f)
            {
                today += " " + pace.firstCapitalised
            } else if let pace = home.today.paceGuidance {
                today += " " + pace.sentence
            }
        }
        var weekText = week.trajectorySentence
        if let load = picture.load {
            let (verdict, reasons) = LoadReading.verdict(load)
            if let reason = reasons.first {
                weekText += verdict == .tooMuch ? " This is more than you can absorb: \(reason)." : " Hold steady: \(reason)."
            }
        }

        var checkin: String?
        if req.checkinReaction, let c = home.todayCheckin {
            var parts: [String] = []
            if let h = c.sleepH { parts.append(String(format: "%.1f h of sleep", h)) }
            if let r = c.readinessLabel { parts.append("readiness \(r.lowercased())") }
            checkin = parts.isEmpty ? "Thanks for checking in today." : "Noted: " + parts.joined(separator: ", ") + "."
        }

        var race: String?
        if req.raceAssessment, let r = home.raceCountdown {
            var text =
                "\(r.raceName) is \(r.daysRemaining) day\(r.daysRemaining == 1 ? "" : "s") away; keep the key sessions and protect recovery."
            if let prediction = CoachSentences.goalRacePrediction(picture, plan: facts.plan) { text += " " + prediction }
            race = text
        }
        return BriefingPayload(
            morningVoice: voice, coachNoticed: noticed, todayContext: today,
            weekAssessment: weekText, checkinReaction: checkin, raceAssessment: race,
            workoutWhy: home.today.whyContext)
    }
}

extension String {
    /// The first letter upper-cased ("today's run" → "Today's run").
    var firstCapitalised: String { prefix(1).uppercased() + dropFirst() }

    /// Ends with a full stop unless it already ends with punctuation.
    var sentence: String {
        guard let last = last else { return self }
        return ".!?".contains(last) ? self : self + "."
    }
}
