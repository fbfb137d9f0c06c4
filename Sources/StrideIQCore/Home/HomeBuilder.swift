import Foundation

/// Computes the deterministic home payload from its facts. Pure: same facts, same payload.
public enum HomeBuilder {
    /// A run newer than this is `last_run`.
    public static let lastRunWindow: TimeInterval = 96 * 3600
    static let dayAbbrevs = ["M", "T", "W", "T", "F", "S", "S"]

    public static func build(_ facts: HomeFacts) -> HomePayload {
        let window = HomeWindow(now: facts.now, timeZone: facts.timeZone)
        let format = Format(units: facts.units)
        // Each activity's local day is computed once (Calendar work is the costly part of this function).
        let byDay = Dictionary(grouping: facts.windowActivities) { localDate($0, facts.timeZone) }
        let picture = facts.picture
        var week = weekProgress(facts, window, format, byDay)
        week.tsbContext = picture.load?.tsbContext
        week.loadTrend = picture.load?.loadTrend
        return HomePayload(
            today: todayWorkout(facts, window, format),
            yesterday: yesterday(facts, window, format, byDay),
            week: week,
            raceCountdown: raceCountdown(facts, window, format),
            checkinNeeded: facts.todayCheckin == nil,
            todayCheckin: facts.todayCheckin.map(todayCheckin),
            lastRun: lastRun(facts, format),
            hasAnyActivities: facts.totalActivities > 0,
            totalActivities: facts.totalActivities,
            stravaConnected: false, garminConnected: false,
            coachNoticed: coachNoticed(picture),
            hasCorrelations: !(picture.whatWorks?.findings.isEmpty ?? true))
    }

    /// A record set within this many days is news.
    public static let recentRecordDays = 7

    /// What the coach noticed in the stored figures, first that applies:
    /// 1. the strongest what-works finding (`fingerprint`, its own sentence with ρ and n);
    /// 2. a personal record set in the last `recentRecordDays` days (`signal`);
    /// 3. a load past or near its limits (`LoadReading.verdict`), or a fresh athlete with fitness to use (`signal`);
    /// 4. an efficiency trend that is improving or declining (`signal`).
    static func coachNoticed(_ picture: TrainingPicture) -> CoachNoticed? {
        if let finding = picture.whatWorks?.findings.first {
            let input = finding.input.replacingOccurrences(of: "_", with: " ")
            return CoachNoticed(
                text: finding.sentence, source: "fingerprint",
                askCoachQuery: "What does my \(input) tell you about my runs, and how should I use it?")
        }
        if let record = picture.recentRecords(days: recentRecordDays).first {
            let name = CoachSentences.recordName(record)
            return CoachNoticed(
                text: "New \(name) record: \(CoachSentences.raceTime(record.timeS)) on \(record.date).", source: "signal",
                askCoachQuery: "I just set a \(name) record. What does it say about my fitness?")
        }
        if let load = picture.load {
            let (verdict, reasons) = LoadReading.verdict(load)
            if verdict != .fine, let first = reasons.first {
                return CoachNoticed(
                    text: "Watch the load: \(first).", source: "signal", askCoachQuery: "Am I doing too much?")
            }
            if load.tsbContext == "Fresh", load.day.fitness >= FitnessModel.formReferenceFloor {
                return CoachNoticed(
                    text: "You're fresh (form \(LoadReading.signed(load.day.form))) with fitness \(Int(load.day.fitness.rounded())): "
                        + "a good window for a hard session or a race.",
                    source: "signal", askCoachQuery: "I'm fresh. What hard session or race effort fits now?")
            }
        }
        if let trend = picture.efficiency, trend.direction == "improving" || trend.direction == "declining",
            let text = CoachSentences.efficiency(trend)
        {
            return CoachNoticed(
                text: "Your easy-run efficiency is " + text, source: "signal",
                askCoachQuery: "My easy-run efficiency is \(trend.direction). What does that mean for my training?")
        }
        return nil
    }

    static func localDate(_ activity: ActivityFact, _ zone: TimeZone) -> LocalDate { LocalDate(activity.startTime, in: zone) }

    static func planWeek(_ plan: PlanFact?, on day: LocalDate) -> Int? {
        guard let start = plan?.startDate, day >= start else { return nil }
        return start.days(until: day) / 7 + 1
    }

    static func todayWorkout(_ facts: HomeFacts, _ window: HomeWindow, _ format: Format) -> TodayWorkout {
        guard let w = facts.weekWorkouts.first(where: { $0.date == window.today }) else {
            return TodayWorkout(hasWorkout: false)
        }
        let week = w.weekNumber ?? planWeek(facts.plan, on: window.today)
        var why: [String] = []
        if let week, let total = facts.plan?.totalWeeks { why.append("Week \(week) of \(total).") }
        if let phase = w.phase { why.append("\(phase.rawValue.capitalized) phase.") }
        why.append(WorkoutPurpose.sentence(for: w.type))
        return TodayWorkout(
            hasWorkout: true, workoutID: w.id, workoutType: w.type, title: w.title, distanceM: w.distanceM,
            paceGuidance: w.coachNotes ?? format.paceRange(w.paceMinSPerKm, w.paceMaxSPerKm).map { "Target \($0)" },
            whyContext: why.joined(separator: " "), whySource: "plan", weekNumber: week, phase: w.phase)
    }

    static func yesterday(
        _ facts: HomeFacts, _ window: HomeWindow, _ format: Format,
        _ byDay: [LocalDate: [ActivityFact]]
    ) -> YesterdayInsight {
        let day = window.today.adding(days: -1)
        let runs = (byDay[day] ?? []).filter { $0.sport == .run }
        if let longest = runs.max(by: { ($0.distanceM ?? 0) < ($1.distanceM ?? 0) }) {
            let total = runs.compactMap(\.distanceM).reduce(0, +)
            var insight = "\(format.distance(total)) yesterday"
            if let pace = longest.paceSPerKm { insight += " at \(format.pace(pace))" }
            if let hr = longest.avgHR { insight += ", average heart rate \(hr)" }
            return YesterdayInsight(
                hasActivity: true, activityName: longest.name, activityID: longest.id,
                distanceM: total, paceSPerKm: longest.paceSPerKm.map { ($0 * 10).rounded() / 10 },
                insight: insight + ".")
        }
        guard let last = facts.latestRun else { return YesterdayInsight(hasActivity: false) }
        let lastDay = localDate(last, facts.timeZone)
        return YesterdayInsight(
            hasActivity: false, lastActivityDate: lastDay, lastActivityName: last.name,
            lastActivityID: last.id, daysSinceLast: lastDay.days(until: window.today))
    }

    static func weekProgress(
        _ facts: HomeFacts, _ window: HomeWindow, _ format: Format,
        _ byDay: [LocalDate: [ActivityFact]]
    ) -> WeekProgress {
        var days: [WeekDay] = []
        var completed = 0.0
        var others: [Sport: OtherSportSummary] = [:]
        for index in 0..<7 {
            let date = window.monday.adding(days: index)
            let activities = (byDay[date] ?? []).sorted { $0.startTime < $1.startTime }
            let runs = activities.filter { $0.sport == .run }
            let nonRuns = activities.filter { $0.sport != .run }
            let distance = runs.compactMap(\.distanceM).reduce(0, +)
            completed += distance
            for a in nonRuns {
                var s = others[a.sport] ?? OtherSportSummary(sport: a.sport, count: 0, distanceM: 0, durationS: 0)
                s.count += 1
                s.distanceM += a.distanceM ?? 0
                s.durationS += a.durationS ?? a.movingTimeS ?? 0
                others[a.sport] = s
            }
            let planned = facts.weekWorkouts.first { $0.date == date }
            days.append(
                WeekDay(
                    date: date, dayAbbrev: dayAbbrevs[index], workoutType: planned?.type, distanceM: distance,
                    plannedDistanceM: planned?.distanceM, completed: !runs.isEmpty, isToday: date == window.today,
                    activityID: runs.max(by: { ($0.distanceM ?? 0) < ($1.distanceM ?? 0) })?.id, workoutID: planned?.id,
                    runCount: runs.count,
                    otherActivities: nonRuns.map {
                        OtherActivityRef(
                            activityID: $0.id, sport: $0.sport, distanceM: $0.distanceM, durationS: $0.durationS, name: $0.name)
                    }))
        }
        let planned = facts.weekWorkouts.compactMap(\.distanceM).reduce(0, +)
        let status = weekStatus(
            completed: completed, planned: planned, todayIndex: window.today.weekdayIndexFromMonday, hasPlan: facts.plan != nil)
        let remaining = max(0, planned - completed)
        let sentence: String =
            switch status {
            case .noPlan: "\(format.distance(completed)) run this week."
            case .ahead: "\(format.distance(completed)) of \(format.distance(planned)) done — ahead of plan for this point of the week."
            case .onTrack:
                "\(format.distance(completed)) of \(format.distance(planned)) done; \(format.distance(remaining)) to go this week."
            case .behind:
                "\(format.distance(completed)) of \(format.distance(planned)) done; \(format.distance(remaining)) still planned this week."
            }
        return WeekProgress(
            weekNumber: planWeek(facts.plan, on: window.today), totalWeeks: facts.plan?.totalWeeks,
            phase: facts.weekWorkouts.compactMap(\.phase).first,
            completedM: completed.rounded(), plannedM: planned.rounded(),
            progressPct: planned > 0 ? (completed / planned * 1000).rounded() / 10 : nil,
            days: days, status: status, trajectorySentence: sentence,
            otherSportSummary: others.values.sorted { $0.sport.rawValue < $1.sport.rawValue })
    }

    /// Completed vs planned, against the share of the week that has passed (Monday counts as 1/7).
    public static func weekStatus(completed: Double, planned: Double, todayIndex: Int, hasPlan: Bool) -> WeekStatus {
        guard hasPlan, planned > 0 else { return .noPlan }
        let expected = Double(todayIndex + 1) / 7
        let ratio = (completed / planned) / expected
        return ratio >= 1.1 ? .ahead : ratio >= 0.8 ? .onTrack : .behind
    }

    static func raceCountdown(_ facts: HomeFacts, _ window: HomeWindow, _ format: Format) -> RaceCountdown? {
        guard let plan = facts.plan else { return nil }
        let days = window.today.days(until: plan.raceDate)
        guard days >= 0 else { return nil }
        return RaceCountdown(
            raceName: plan.raceName ?? plan.name, raceDate: plan.raceDate, daysRemaining: days,
            distanceM: plan.raceDistanceM, goalTime: plan.goalTimeS.map(Format.duration),
            goalPace: plan.goalTimeS.map { format.pace(Double($0) / (plan.raceDistanceM / 1000)) })
    }

    static func todayCheckin(_ c: CheckinFact) -> TodayCheckin {
        let readiness = [5: "High", 4: "Good", 3: "Neutral", 2: "Low", 1: "Poor"]
        let sleep = [5: "Great", 4: "Good", 3: "OK", 2: "Poor", 1: "Awful"]
        let soreness = [1: "None", 2: "Mild", 3: "Moderate", 4: "Sore", 5: "Very sore"]
        var sleepLabel = c.sleepQuality.flatMap { sleep[$0] }
        if sleepLabel == nil, let h = c.sleepH { sleepLabel = h >= 8 ? "Great" : h >= 7 ? "Good" : h >= 5 ? "OK" : "Poor" }
        return TodayCheckin(
            readinessLabel: c.readiness.flatMap { readiness[$0] }, sleepLabel: sleepLabel, sleepH: c.sleepH,
            sorenessLabel: c.soreness.flatMap { soreness[$0] })
    }

    static func lastRun(_ facts: HomeFacts, _ format: Format) -> LastRun? {
        guard let run = facts.latestRun, facts.now.timeIntervalSince(run.startTime) <= lastRunWindow else { return nil }
        return LastRun(
            activityID: run.id, name: run.name, startTime: run.startTime, distanceM: run.distanceM,
            movingTimeS: run.movingTimeS, averageHR: run.avgHR, pacePerKm: run.paceSPerKm.map { ($0 * 10).rounded() / 10 },
            paceDisplay: run.paceSPerKm.map { format.pace($0) })
    }
}

/// One line on why a workout type is in the plan.
enum WorkoutPurpose {
    static func sentence(for type: WorkoutType) -> String {
        switch type {
        case .easy: "Easy running builds aerobic base with little fatigue."
        case .long: "The long run builds endurance for race day."
        case .recovery: "A recovery run keeps you moving while you absorb recent work."
        case .tempo, .threshold: "Sustained hard running raises the pace you can hold."
        case .intervals: "Intervals sharpen speed and running economy."
        case .hills: "Hills build strength and form."
        case .fartlek: "Unstructured speed play keeps the legs sharp."
        case .strides: "Short strides practise fast, relaxed form."
        case .marathonPace: "Running at goal pace teaches race rhythm."
        case .race: "Race day: trust the training."
        case .rest: "Rest is when adaptation happens."
        case .crossTraining: "Cross-training adds fitness without running impact."
        }
    }
}

/// Numbers as athletes read them, in their units.
public struct Format: Sendable {
    public let units: Units
    public init(units: Units) { self.units = units }

    public func distance(_ meters: Double) -> String {
        guard meters.isFinite else { return "–" }
        return switch units {
        case .metric: String(format: "%.1f km", meters / 1000)
        case .imperial: String(format: "%.1f mi", meters / 1609.344)
        }
    }

    /// A distance as a coach says it: "8 km", "8.5 km", "5 mi" (whole when within 0.05 of a whole number).
    public func shortDistance(_ meters: Double) -> String {
        guard meters.isFinite else { return "–" }
        let value = units == .metric ? meters / 1000 : meters / 1609.344
        let unit = units == .metric ? "km" : "mi"
        return abs(value - value.rounded()) < 0.05 ? "\(Int(value.rounded())) \(unit)" : String(format: "%.1f %@", value, unit)
    }

    /// Pace from seconds per km, as M:SS/km or M:SS/mi.
    public func pace(_ sPerKm: Double) -> String {
        guard sPerKm.isFinite, sPerKm > 0, sPerKm < 1e7 else { return "–" }
        let perUnit = units == .metric ? sPerKm : sPerKm * 1.609344
        let total = Int(perUnit.rounded())
        return String(format: "%d:%02d/%@", total / 60, total % 60, units == .metric ? "km" : "mi")
    }

    public func paceRange(_ low: Int?, _ high: Int?) -> String? {
        switch (low, high) {
        case (let l?, let h?): l == h ? pace(Double(l)) : "\(pace(Double(l)).split(separator: "/")[0])–\(pace(Double(h)))"
        case (let l?, nil): pace(Double(l))
        case (nil, let h?): pace(Double(h))
        default: nil
        }
    }

    /// H:MM:SS.
    public static func duration(_ seconds: Int) -> String {
        String(format: "%d:%02d:%02d", seconds / 3600, seconds % 3600 / 60, seconds % 60)
    }
}
