import Foundation

/// A workout already in a saved plan.
public struct PlannedSession: Sendable, Equatable {
    public var id: String
    public var date: LocalDate
    public var type: WorkoutType
    public var title: String
    public var distanceM: Double?
    public var durationS: Int?
    public var pace: PaceRange?
    /// Optional extras (when the stored plan has them): used in the before/after of a change.
    public var phase: TrainingPhase?
    public var why: String?

    public init(
        id: String, date: LocalDate, type: WorkoutType, title: String, distanceM: Double? = nil, durationS: Int? = nil,
        pace: PaceRange? = nil, phase: TrainingPhase? = nil, why: String? = nil
    ) {
        self.id = id
        self.date = date
        self.type = type
        self.title = title
        self.distanceM = distanceM
        self.durationS = durationS
        self.pace = pace
        self.phase = phase
        self.why = why
    }
}

/// A run the athlete did (the day is the athlete's local day).
public struct CompletedRun: Sendable, Equatable {
    public var date: LocalDate
    public var distanceM: Double
    public var durationS: Double

    public init(date: LocalDate, distanceM: Double, durationS: Double) {
        self.date = date
        self.distanceM = distanceM
        self.durationS = durationS
    }
}

public enum SessionOutcome: Sendable, Equatable {
    case done, partial, missed
    case swapped(to: LocalDate)
    case upcoming
}

public struct PlanChange: Sendable, Equatable, Codable {
    public enum Kind: String, Codable, Sendable { case added, removed, changed }

    public var kind: Kind
    public var sessionID: String?
    public var date: LocalDate
    public var before: GeneratedWorkout?
    public var after: GeneratedWorkout?
    public var reason: String

    public init(kind: Kind, sessionID: String?, date: LocalDate, before: GeneratedWorkout?, after: GeneratedWorkout?, reason: String) {
        self.kind = kind
        self.sessionID = sessionID
        self.date = date
        self.before = before
        self.after = after
        self.reason = reason
    }
}

public struct AdaptationResult: Sendable, Equatable {
    /// By session id.
    public var outcomes: [String: SessionOutcome]
    public var changes: [PlanChange]
    public var summary: [String]

    public init(outcomes: [String: SessionOutcome], changes: [PlanChange], summary: [String]) {
        self.outcomes = outcomes
        self.changes = changes
        self.summary = summary
    }
}

/// Matches sessions to runs and re-plans what is left when life happens.
///
/// - Outcomes: a run on the session's day of ≥ 80 % of its distance is `done` (any run when it has no distance),
///   less is `partial`; with no run that day, a run on another day of the same week (Monday–Sunday) where no session
///   was planned makes it `swapped`; otherwise a past session is `missed` and a session from today on `upcoming`.
/// - Missed training: when the last 7 days brought less than half of what was planned, the remaining weeks restart
///   from max(what was run, half of what was planned) and rise ≤ 10 % a week, never above the old plan.
/// - A race date that differs from the plan's race session re-builds the remaining weeks (phases re-sized, taper before
///   the new date).
/// - A VDOT ≥ 1.5 points from `previousVDOT` moves every remaining target pace.
public enum PlanAdapter {
    public static let doneShare = 0.8
    public static let vdotThreshold = 1.5

    public static func outcomes(sessions: [PlannedSession], runs: [CompletedRun], today: LocalDate) -> [String: SessionOutcome] {
        var byDay: [Int: Double] = [:]
        for run in runs { byDay[run.date.daysSinceEpoch, default: 0] += run.distanceM }
        let planned = Set(sessions.filter { $0.type != .rest }.map(\.date.daysSinceEpoch))
        var usedSwaps: Set<Int> = []
        var out: [String: SessionOutcome] = [:]
        for s in sessions.sorted(by: { $0.date < $1.date }) {
            let day = s.date.daysSinceEpoch
            if s.type == .rest {
                out[s.id] = s.date >= today ? .upcoming : .done
                continue
            }
            if let ran = byDay[day], ran > 0 {
                out[s.id] = (s.distanceM.map { ran >= doneShare * $0 } ?? true) ? .done : .partial
                continue
            }
            if s.date >= today {
                out[s.id] = .upcoming
                continue
            }
            let monday = day - s.date.weekdayIndexFromMonday
            let candidates = (monday...(monday + 6)).filter {
                $0 != day && !planned.contains($0) && !usedSwaps.contains($0) && (byDay[$0] ?? 0) > 0 && $0 < today.daysSinceEpoch + 1
            }
            if let swap = candidates.min(by: { abs($0 - day) < abs($1 - day) }) {
                usedSwaps.insert(swap)
                out[s.id] = .swapped(to: s.date.adding(days: swap - day))
            } else {
                out[s.id] = .missed
            }
        }
        return out
    }

    /// Re-plans the sessions from `request.today` on (past sessions never change): after missed weeks volume returns
    /// gradually (no jump back to the plan's numbers); a changed race date re-sizes the phases; a VDOT that changed
    /// clearly (≥ 1.5 points vs `previousVDOT`) moves the paces. Each change has a reason.
    public static func adapt(sessions: [PlannedSession], runs: [CompletedRun], request: PlanRequest, previousVDOT: Double?)
        -> AdaptationResult
    {
        let today = request.today
        let outcomes = outcomes(sessions: sessions, runs: runs, today: today)
        var summary: [String] = []
        let future = sessions.filter { $0.date >= today && $0.type != .rest }.sorted { $0.date < $1.date }

        // Missed training.
        let weekAgo = today.daysSinceEpoch - 7
        let recent = runs.filter { (weekAgo..<today.daysSinceEpoch).contains($0.date.daysSinceEpoch) }.reduce(0) { $0 + $1.distanceM }
        let plannedRecent = sessions.filter { (weekAgo..<today.daysSinceEpoch).contains($0.date.daysSinceEpoch) && $0.type != .race }
            .reduce(0) { $0 + ($1.distanceM ?? 0) }
        let lastRun = runs.filter { $0.date < today }.map(\.date).max()
        let gapDays = lastRun.map { $0.days(until: today) - 1 } ?? 7
        let missed = plannedRecent > 0 && recent < 0.5 * plannedRecent
        let resume = max(recent, 0.5 * plannedRecent)
        let missedReason =
            "After \(gapDays) day\(gapDays == 1 ? "" : "s") with little running (\(PlanBuilder.km(recent)) of \(PlanBuilder.km(plannedRecent)) planned in the last 7 days), volume comes back gradually: ≤ 10 % a week, never above the old plan."
        if missed { summary.append(missedReason) }

        // Fitness.
        var vdotReason: String?
        if let new = request.vdot, let old = previousVDOT, abs(new - old) >= vdotThreshold {
            let paces = RunningFitness.trainingPaces(vdot: new)
            vdotReason =
                "Your fitness number moved from \(String(format: "%.1f", old)) to \(String(format: "%.1f", new)), so the target paces move (threshold now \(PlanBuilder.formatPace(paces.threshold.fastSPerKm))–\(PlanBuilder.formatPace(paces.threshold.slowSPerKm)))."
            summary.append(vdotReason!)
        }

        // Race date.
        let race = sessions.first { $0.type == .race }
        if race?.date != request.raceDate {
            let reason =
                race.map {
                    "The race moved from \($0.date) to \(request.raceDate): the remaining weeks are re-sized so the taper ends on the new date."
                } ?? "The plan had no race on \(request.raceDate): the remaining weeks are rebuilt towards it."
            summary.append(reason)
            var rebuilt = request
            if missed { rebuilt.currentWeeklyM = min(request.currentWeeklyM, resume) }
            let plan: GeneratedPlan
            do {
                plan = try PlanBuilder.build(rebuilt, enforceMinimum: false)
            } catch {
                summary.append("The plan could not be rebuilt: \(error)")
                return AdaptationResult(outcomes: outcomes, changes: [], summary: summary)
            }
            if plan.weeks.count < PlanBuilder.minimumWeeks(raceDistanceM: request.raceDistanceM) {
                summary.append(
                    "Only \(plan.weeks.count) weeks remain, fewer than the usual \(PlanBuilder.minimumWeeks(raceDistanceM: request.raceDistanceM)): the build is shortened."
                )
            }
            let changes = diff(old: future, new: plan.workouts.filter { $0.date >= today }) { _, _ in reason }
            return AdaptationResult(outcomes: outcomes, changes: changes, summary: summary)
        }

        // Otherwise adjust the remaining sessions in place.
        guard missed || vdotReason != nil else {
            return AdaptationResult(outcomes: outcomes, changes: [], summary: ["No change needed: the plan still fits."])
        }
        var factors: [Int: Double] = [:]  // by Monday day number
        if missed {
            let weeks = Dictionary(grouping: sessions.filter { $0.type != .race && $0.type != .rest }) {
                $0.date.daysSinceEpoch - $0.date.weekdayIndexFromMonday
            }
            // Each week may rise 10 % over the last rising week; the old plan's lighter weeks (recovery, taper) stay
            // lighter (80 % of that week) once two weeks have been rebuilt.
            var ceiling = resume / 1.10
            var rebuilt = 0
            var previousPlanned: Double?
            let todayMonday = today.daysSinceEpoch - today.weekdayIndexFromMonday
            for monday in weeks.keys.sorted() where monday >= todayMonday {
                let planned = weeks[monday]!.reduce(0) { $0 + ($1.distanceM ?? 0) }
                guard planned > 0 else { continue }
                let lighter = previousPlanned.map { planned < 0.9 * $0 } ?? false
                previousPlanned = planned
                let target: Double
                if lighter && rebuilt >= 2 {
                    target = min(planned, 0.8 * ceiling)
                } else {
                    target = min(planned, ceiling * 1.10)
                    ceiling = max(ceiling, target)
                    rebuilt += 1
                }
                factors[monday] = target / planned
            }
        }
        let newVDOT = vdotReason != nil ? request.vdot : nil
        var changes: [PlanChange] = []
        for s in future {
            var after = workout(from: s)
            let before = after
            var reasons: [String] = []
            if let f = factors[s.date.daysSinceEpoch - s.date.weekdayIndexFromMonday], f < 0.999, s.type != .race, let d = s.distanceM {
                let newD = max(2000, PlanBuilder.round100(d * f))
                if abs(newD - d) >= 100 {
                    after.distanceM = newD
                    after.durationS = s.durationS.map { Int((Double($0) * newD / d).rounded()) }
                    let oldKm = PlanBuilder.km(d)
                    after.title = s.title.contains(oldKm) ? s.title.replacingOccurrences(of: oldKm, with: PlanBuilder.km(newD)) : s.title
                    reasons.append(missedReason)
                }
            }
            if let v = newVDOT, s.pace != nil, let pace = pace(for: s.type, vdot: v, request: request), pace != s.pace {
                after.pace = pace
                if let d = after.distanceM, s.type != .race { after.durationS = Int((d / 1000 * pace.midpoint).rounded()) }
                reasons.append(vdotReason!)
            }
            if !reasons.isEmpty {
                changes.append(
                    PlanChange(
                        kind: .changed, sessionID: s.id, date: s.date, before: before, after: after, reason: reasons.joined(separator: " "))
                )
            }
        }
        return AdaptationResult(outcomes: outcomes, changes: changes, summary: summary)
    }

    static func pace(for type: WorkoutType, vdot: Double, request: PlanRequest) -> PaceRange? {
        let paces = RunningFitness.trainingPaces(vdot: vdot)
        switch type {
        case .race: return PlanBuilder.raceRange(distanceM: request.raceDistanceM, goalTimeS: request.goalTimeS, vdot: vdot)
        case .tempo: return PlanBuilder.racePaceTraining(distanceM: request.raceDistanceM, vdot: vdot, paces: paces)
        default: return PlanBuilder.allowedRange(for: type, paces: paces)
        }
    }

    static let hardTypes: Set<WorkoutType> = [.hills, .threshold, .intervals, .tempo, .marathonPace, .fartlek, .race]

    static func workout(from s: PlannedSession) -> GeneratedWorkout {
        GeneratedWorkout(
            date: s.date, type: s.type, title: s.title, why: s.why ?? "", distanceM: s.distanceM, durationS: s.durationS, pace: s.pace,
            isHard: hardTypes.contains(s.type), phase: s.phase ?? (s.type == .race ? .race : .build))
    }

    /// Date-by-date differences between the remaining sessions and a rebuilt plan.
    static func diff(old: [PlannedSession], new: [GeneratedWorkout], reason: (PlannedSession?, GeneratedWorkout?) -> String) -> [PlanChange]
    {
        var oldByDay: [Int: PlannedSession] = [:]
        for s in old where oldByDay[s.date.daysSinceEpoch] == nil { oldByDay[s.date.daysSinceEpoch] = s }
        var newByDay: [Int: GeneratedWorkout] = [:]
        for w in new { newByDay[w.date.daysSinceEpoch] = w }
        var changes: [PlanChange] = []
        for day in Set(oldByDay.keys).union(newByDay.keys).sorted() {
            let o = oldByDay[day]
            let n = newByDay[day]
            switch (o, n) {
            case (let o?, let n?):
                let same =
                    o.type == n.type && abs((o.distanceM ?? 0) - (n.distanceM ?? 0)) < 100 && o.pace == n.pace && o.title == n.title
                if !same {
                    changes.append(
                        PlanChange(kind: .changed, sessionID: o.id, date: o.date, before: workout(from: o), after: n, reason: reason(o, n)))
                }
            case (let o?, nil):
                changes.append(
                    PlanChange(kind: .removed, sessionID: o.id, date: o.date, before: workout(from: o), after: nil, reason: reason(o, nil)))
            case (nil, let n?):
                changes.append(PlanChange(kind: .added, sessionID: nil, date: n.date, before: nil, after: n, reason: reason(nil, n)))
            case (nil, nil): break
            }
        }
        return changes
    }
}
