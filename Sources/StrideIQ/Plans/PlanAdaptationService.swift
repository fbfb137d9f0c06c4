import Fluent
import Foundation
import SQLKit
import StrideIQCore
import Vapor

/// Plan adaptation on a database and plain values: workout outcomes, adaptation proposals (made by the athlete
/// or the nightly job, accepted or rejected by the athlete) and the plan's change history.
///
/// An adaptation re-plans the remaining workouts with `PlanAdapter` from a `PlanRequest` rebuilt from the
/// plan: its race, the days per week and long-run day its workouts use, the current volume of the last
/// 8 weeks of runs, and the fitness number the generator would use (the goal time's VDOT, else the best run
/// of the last 12 weeks). The VDOT the plan was built with is read back from its workouts' target paces.
struct PlanAdaptationService: Sendable {
    /// Fires the briefing refresh when an accepted proposal changes the plan; nil where nothing is applied
    /// (the nightly job only proposes).
    let trigger: BriefingTrigger?
    let now: @Sendable () -> Date

    static let volumeWeeks = 8
    static let fitnessWeeks = 12
    static let fitnessMinRunM = 3000.0
    /// A start for an athlete with no recent runs (as the generator's).
    static let defaultWeeklyM = 15000.0

    // MARK: outcomes

    func outcomes(of plan: TrainingPlan, athlete: Athlete, on db: any Database) async throws -> PlanOutcomesDTO {
        let today = LocalDate(now(), in: athlete.timeZone)
        let workouts = try await plan.$workouts.get(on: db)
        let runs = try await Self.runs(athleteID: athlete.requireID(), from: Self.firstDay(workouts, today: today), on: db)
        let sessions = workouts.compactMap(Self.session)
        let outcomes = PlanAdapter.outcomes(sessions: sessions, runs: runs, today: today)
        let rows = workouts.compactMap { w -> WorkoutOutcomeDTO? in
            guard let id = w.id, let date = LocalDate(w.scheduledDate) else { return nil }
            let outcome = outcomes[id.uuidString] ?? (date < today ? .missed : .upcoming)
            return WorkoutOutcomeDTO(workoutID: id, date: date, outcome: outcome.kind, swappedTo: outcome.swappedTo)
        }
        return PlanOutcomesDTO(workouts: rows.sorted { $0.date < $1.date })
    }

    // MARK: adapt

    /// Re-plans the plan and stores the changes as a pending proposal (superseding any older pending one), in
    /// one transaction with the reads it is built from. With nothing to change, nothing is stored (and an older
    /// pending proposal is superseded: the plan is already what it should be). `skipIfSameAsPending` (the
    /// nightly run) leaves an identical pending proposal alone rather than repeating it.
    func adapt(
        _ plan: TrainingPlan, athlete: Athlete, source: ProposalSource, skipIfSameAsPending: Bool = false,
        on db: any Database
    ) async throws -> PlanProposalDTO {
        let now = now()
        let today = LocalDate(now, in: athlete.timeZone)
        let athleteID = try athlete.requireID()
        let planID = try plan.requireID()
        return try await db.write(athlete: athleteID) { tx in
            guard let plan = try await TrainingPlan.find(planID, on: tx) else { throw APIError.notFound("Plan") }
            let workouts = try await plan.$workouts.get(on: tx)
            let runs = try await Self.runs(athleteID: athleteID, from: Self.firstDay(workouts, today: today), on: tx)
            let proposal = Self.propose(plan: plan, workouts: workouts, runs: runs, today: today)
            let pending = try await PlanProposal.query(on: tx)
                .filter(\.$plan.$id == planID).filter(\.$status == .pending).all()
            let changesJSON = try Self.json(proposal.changes)
            let fingerprint = Self.fingerprint(plan: plan, workouts: workouts)
            if skipIfSameAsPending,
                let same = pending.first(where: { $0.fingerprint == fingerprint && $0.changes == changesJSON })
            {
                return try PlanProposalDTO(same)
            }
            for old in pending {
                old.status = .superseded
                old.decidedAt = now
                try await old.save(on: tx)
            }
            guard !proposal.changes.isEmpty else {
                return PlanProposalDTO(
                    id: nil, planID: planID, status: .noChanges, createdAt: nil, decidedAt: nil, source: source,
                    summary: proposal.summary, changes: [])
            }
            let row = PlanProposal()
            row.$plan.id = planID
            row.$athlete.id = athleteID
            row.status = .pending
            row.source = source
            row.summary = try Self.json(proposal.summary)
            row.changes = changesJSON
            row.fingerprint = fingerprint
            row.createdAt = now
            try await row.create(on: tx)
            return try PlanProposalDTO(row)
        }
    }

    /// The `PlanAdapter` result for a plan, as the API's change list (a change's `before` is the stored workout).
    static func propose(plan: TrainingPlan, workouts: [PlannedWorkout], runs: [CompletedRun], today: LocalDate)
        -> (summary: [String], changes: [PlanChangeDTO])
    {
        guard let request = request(for: plan, workouts: workouts, runs: runs, today: today) else {
            return (["The plan's race date or distance cannot be read; nothing to adapt."], [])
        }
        let sessions = workouts.compactMap(session)
        let result = PlanAdapter.adapt(
            sessions: sessions, runs: runs, request: request, previousVDOT: planVDOT(workouts))
        let byID = Dictionary(workouts.compactMap { w in w.id.map { ($0.uuidString, w) } }, uniquingKeysWith: { a, _ in a })
        let changes = result.changes.compactMap { change -> PlanChangeDTO? in
            let workout = change.sessionID.flatMap { byID[$0] }
            let kind = PlanChangeKind(change.kind)
            // A change of a workout must name one of this plan's workouts; an addition names none.
            if kind != .added && workout == nil { return nil }
            return PlanChangeDTO(
                kind: kind, workoutID: kind == .added ? nil : workout?.id, date: change.date,
                before: kind == .added ? nil : workout.flatMap(PlanWorkoutSnapshot.init) ?? change.before.map(PlanWorkoutSnapshot.init),
                after: kind == .removed ? nil : change.after.map(PlanWorkoutSnapshot.init), reason: change.reason)
        }
        .filter { $0.kind == .removed || $0.after != nil }
        return (result.summary, occupyingFreeDays(changes, workouts: workouts))
    }

    /// An addition on a day that already holds a workout no change touches (a rest day, say: the adapter leaves
    /// those out) becomes a change of that workout, so the plan keeps one workout per day.
    static func occupyingFreeDays(_ changes: [PlanChangeDTO], workouts: [PlannedWorkout]) -> [PlanChangeDTO] {
        let touched = Set(changes.compactMap(\.workoutID))
        var untouched: [String: PlannedWorkout] = [:]
        for w in workouts where w.id.map({ !touched.contains($0) }) ?? false { untouched[w.scheduledDate] = w }
        return changes.map { change in
            guard change.kind == .added, let w = untouched[change.date.description] else { return change }
            untouched[change.date.description] = nil
            return PlanChangeDTO(
                kind: .changed, workoutID: w.id, date: change.date, before: PlanWorkoutSnapshot(w), after: change.after,
                reason: change.reason)
        }
    }

    // MARK: proposals

    func proposals(of plan: TrainingPlan, on db: any Database) async throws -> [PlanProposalDTO] {
        try await PlanProposal.query(on: db)
            .filter(\.$plan.$id == plan.requireID())
            .sort(\.$createdAt, .descending).sort(\.$id, .descending)
            .all()
            .map(PlanProposalDTO.init)
    }

    /// Applies every change of a pending proposal in one transaction: the workouts, one history entry per
    /// change, the proposal marked accepted, the briefing refresh. 409 `proposal_not_pending` for a decided
    /// one, 409 `proposal_stale` when the plan changed since the proposal was made.
    func accept(_ proposalID: UUID, of plan: TrainingPlan, athlete: Athlete, on db: any Database) async throws -> TrainingPlan {
        let now = now()
        let athleteID = try athlete.requireID()
        let planID = try plan.requireID()
        let trigger = trigger
        do {
            return try await db.write(athlete: athleteID) { tx in
                let proposal = try await Self.pendingProposal(proposalID, planID: planID, on: tx)
                guard let plan = try await TrainingPlan.find(planID, on: tx) else { throw APIError.notFound("Plan") }
                let workouts = try await plan.$workouts.get(on: tx)
                guard Self.fingerprint(plan: plan, workouts: workouts) == proposal.fingerprint else { throw Self.stale }
                let changes = try PlanProposalDTO(proposal).changes
                try await Self.apply(changes, to: plan, workouts: workouts, proposalID: proposalID, at: now, on: tx)
                // A race moved to the plan's race date moves the plan's end (and its length) with it.
                if let race = LocalDate(plan.goalRaceDate), plan.planEndDate != plan.goalRaceDate,
                    changes.contains(where: { $0.after?.workoutType == .race && $0.after?.date == race })
                {
                    plan.planEndDate = plan.goalRaceDate
                    if let weeks = Self.weekNumber(of: race, plan: plan), Limits.Plan.totalWeeks.contains(weeks) { plan.totalWeeks = weeks }
                    try await plan.save(on: tx)
                }
                proposal.status = .accepted
                proposal.decidedAt = now
                try await proposal.save(on: tx)
                try await PlanService.touch(plan, on: tx)
                try await trigger?.fire("plan_changed", athlete: athlete, on: tx)
                return plan
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Two workouts on one day: the plan no longer fits the proposal.
            throw Self.stale
        }
    }

    func reject(_ proposalID: UUID, of plan: TrainingPlan, athlete: Athlete, on db: any Database) async throws -> PlanProposalDTO {
        let now = now()
        let planID = try plan.requireID()
        return try await db.write(athlete: athlete.requireID()) { tx in
            let proposal = try await Self.pendingProposal(proposalID, planID: planID, on: tx)
            proposal.status = .rejected
            proposal.decidedAt = now
            try await proposal.save(on: tx)
            return try PlanProposalDTO(proposal)
        }
    }

    private static let stale = APIError(
        .conflict, code: .proposalStale,
        detail: "The plan's workouts changed since this proposal was made; ask for a new adaptation")

    /// The plan's proposal, pending (404 for none of this plan's, 409 `proposal_not_pending` once decided).
    private static func pendingProposal(_ id: UUID, planID: UUID, on db: any Database) async throws -> PlanProposal {
        guard
            let proposal = try await PlanProposal.query(on: db)
                .filter(\.$id == id).filter(\.$plan.$id == planID).first()
        else { throw APIError.notFound("Proposal") }
        guard proposal.status == .pending else {
            throw APIError(
                .conflict, code: .proposalNotPending, detail: "This proposal is already \(proposal.status.rawValue)")
        }
        return proposal
    }

    /// Removals first, then moved workouts parked on a placeholder day (so moves between each other's days
    /// never meet the one-workout-per-day index), then the changes, then the additions.
    private static func apply(
        _ changes: [PlanChangeDTO], to plan: TrainingPlan, workouts: [PlannedWorkout], proposalID: UUID, at now: Date,
        on tx: any Database
    ) async throws {
        let byID = Dictionary(workouts.compactMap { w in w.id.map { ($0, w) } }, uniquingKeysWith: { a, _ in a })
        func workout(_ change: PlanChangeDTO) throws -> PlannedWorkout {
            guard let id = change.workoutID, let w = byID[id] else { throw stale }
            return w
        }
        for change in changes where change.kind == .removed {
            try await workout(change).delete(on: tx)
        }
        for change in changes where change.kind == .changed {
            let w = try workout(change)
            if let after = change.after, after.date.description != w.scheduledDate {
                w.scheduledDate = "~" + (w.id?.uuidString ?? UUID().uuidString)
                try await w.save(on: tx)
            }
        }
        for change in changes where change.kind == .changed {
            guard let after = change.after else { continue }
            let w = try workout(change)
            set(w, to: after, plan: plan)
            try await w.save(on: tx)
        }
        var added: [UUID] = []
        for change in changes where change.kind == .added {
            guard let after = change.after else { continue }
            let w = PlannedWorkout()
            w.$plan.id = try plan.requireID()
            w.$athlete.id = plan.$athlete.id
            set(w, to: after, plan: plan)
            try await w.create(on: tx)
            added.append(try w.requireID())
        }
        var addedIDs = added.makeIterator()
        for change in changes {
            let id = change.kind == .added ? addedIDs.next() : change.workoutID
            try await log(
                source: .adaptation, kind: change.kind, planID: plan.requireID(), athleteID: plan.$athlete.id, workoutID: id,
                date: change.date, before: change.before, after: change.after, reason: change.reason, proposalID: proposalID,
                at: now, on: tx)
        }
    }

    private static func set(_ w: PlannedWorkout, to s: PlanWorkoutSnapshot, plan: TrainingPlan) {
        if w.$scheduledDate.value != s.date.description || w.weekNumber == nil {
            w.weekNumber = weekNumber(of: s.date, plan: plan) ?? w.weekNumber
        }
        w.scheduledDate = s.date.description
        w.workoutType = s.workoutType
        w.title = s.title
        w.workoutDescription = s.why
        w.phase = s.phase
        w.targetDistanceM = s.distanceM
        w.targetDurationS = s.durationS
        w.targetPaceMinSPerKm = s.paceFastSPerKm
        w.targetPaceMaxSPerKm = s.paceSlowSPerKm
    }

    /// Week 1 is the week (Monday to Sunday) of the plan's start date.
    private static func weekNumber(of date: LocalDate, plan: TrainingPlan) -> Int? {
        guard let start = plan.planStartDate.flatMap(LocalDate.init) else { return nil }
        let monday = start.adding(days: -start.weekdayIndexFromMonday)
        let days = monday.days(until: date)
        return days < 0 ? nil : days / 7 + 1
    }

    // MARK: history

    func history(of plan: TrainingPlan, on db: any Database) async throws -> [PlanHistoryEntryDTO] {
        try await PlanHistoryEntry.query(on: db)
            .filter(\.$plan.$id == plan.requireID())
            .sort(\.$at, .descending).sort(\.$id, .descending)
            .all()
            .map(PlanHistoryEntryDTO.init)
    }

    /// One history entry; call it inside the transaction of the change it records.
    static func log(
        source: PlanHistorySource, kind: PlanChangeKind, planID: UUID, athleteID: UUID, workoutID: UUID?, date: LocalDate,
        before: PlanWorkoutSnapshot?, after: PlanWorkoutSnapshot?, reason: String?, proposalID: UUID? = nil, at: Date,
        on db: any Database
    ) async throws {
        let entry = PlanHistoryEntry()
        entry.$plan.id = planID
        entry.$athlete.id = athleteID
        entry.at = at
        entry.source = source
        entry.kind = kind
        entry.workoutID = workoutID
        entry.date = date.description
        entry.before = try before.map(json)
        entry.after = try after.map(json)
        entry.reason = reason
        entry.proposalID = proposalID
        try await entry.create(on: db)
    }

    /// Logs a manual workout edit (`PlanService`), inside its transaction: an added, changed or removed
    /// workout, nothing when the edit changed none of the logged fields.
    static func logEdit(before: PlanWorkoutSnapshot?, after workout: PlannedWorkout?, removed: Bool, on db: any Database) async throws {
        let after = removed ? nil : workout.flatMap(PlanWorkoutSnapshot.init)
        guard before != after, let workout, let date = after?.date ?? before?.date else { return }
        let kind: PlanChangeKind = removed ? .removed : before == nil ? .added : .changed
        try await log(
            source: .edit, kind: kind, planID: workout.$plan.id, athleteID: workout.$athlete.id, workoutID: workout.id,
            date: date, before: before, after: after, reason: nil, at: Date(), on: db)
    }

    // MARK: nightly

    /// The nightly job for one athlete: adapts the active plan and stores a `nightly` proposal when something
    /// should change (never applies it). Returns the job result for the metrics.
    func runNightly(athleteID: UUID, on db: any Database) async throws -> String {
        guard let athlete = try await Athlete.find(athleteID, on: db) else { return "no_athlete" }
        guard
            let plan = try await TrainingPlan.query(on: db)
                .filter(\.$athlete.$id == athleteID).filter(\.$status == .active).first()
        else { return "no_plan" }
        let proposal = try await adapt(plan, athlete: athlete, source: .nightly, skipIfSameAsPending: true, on: db)
        return proposal.status == .noChanges ? "no_changes" : "proposed"
    }

    /// How long after an athlete's last `plan_adapt` job the scheduler enqueues the next one: a day, less a
    /// margin so the run does not drift later by one scheduler tick every day.
    static let nightlyGap: TimeInterval = 23 * 3600

    /// Enqueues a `plan_adapt` job for every athlete with an active plan whose last one is older than
    /// `nightlyGap` (the scheduler's tick). Returns the number enqueued.
    static func enqueueNightly(queue: JobQueue, now: Date, on db: any Database) async throws -> Int {
        let rows = try await (db as! any SQLDatabase).raw(
            """
            SELECT DISTINCT p.athlete_id FROM training_plans p
            WHERE p.status = \(bind: PlanStatus.active.rawValue)
              AND NOT EXISTS (
                  SELECT 1 FROM jobs j
                  WHERE j.kind = \(bind: JobQueue.Kind.planAdapt.rawValue) AND j.athlete_id = p.athlete_id
                    AND j.created_at > \(bind: now.addingTimeInterval(-nightlyGap)))
            """
        ).all()
        for row in rows {
            try await queue.enqueue(
                .planAdapt, athleteID: try row.decode(column: "athlete_id", as: UUID.self), priority: .scheduled,
                reason: "nightly", on: db)
        }
        return rows.count
    }

    // MARK: inputs

    /// Where the runs an adaptation reads start: the plan's first workout or the fitness window, whichever is
    /// earlier.
    static func firstDay(_ workouts: [PlannedWorkout], today: LocalDate) -> LocalDate {
        let first = workouts.compactMap { LocalDate($0.scheduledDate) }.min() ?? today
        return min(first, today.adding(days: -7 * fitnessWeeks))
    }

    /// The athlete's runs with a distance from `from` on, each on its local day.
    static func runs(athleteID: UUID, from: LocalDate, on db: any Database) async throws -> [CompletedRun] {
        // A day early in UTC covers every offset; the local day decides.
        let since = from.adding(days: -1).start(in: TimeZone(identifier: "UTC")!)
        let rows = try await Activity.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$sport == .run)
            .filter(\.$startTime >= since)
            .sort(\.$startTime)
            .all()
        return rows.compactMap { a in
            guard let distance = a.distanceM, distance > 0, let zone = TimeZone(secondsFromGMT: a.utcOffsetS) else { return nil }
            let date = LocalDate(a.startTime, in: zone)
            guard date >= from else { return nil }
            let seconds = a.movingTimeS ?? a.durationS ?? 0
            return CompletedRun(date: date, distanceM: distance, durationS: Double(seconds))
        }
    }

    static func session(_ w: PlannedWorkout) -> PlannedSession? {
        guard let id = w.id, let date = LocalDate(w.scheduledDate) else { return nil }
        var pace: PaceRange?
        if let fast = w.targetPaceMinSPerKm, let slow = w.targetPaceMaxSPerKm { pace = PaceRange(fastSPerKm: fast, slowSPerKm: slow) }
        return PlannedSession(
            id: id.uuidString, date: date, type: w.workoutType, title: w.title, distanceM: w.targetDistanceM,
            durationS: w.targetDurationS, pace: pace, phase: w.phase, why: w.workoutDescription)
    }

    /// The generator's request, rebuilt from the plan (nil when its race cannot be read).
    static func request(for plan: TrainingPlan, workouts: [PlannedWorkout], runs: [CompletedRun], today: LocalDate) -> PlanRequest? {
        guard let raceDate = LocalDate(plan.goalRaceDate) else { return nil }
        let running = workouts.filter { ![.rest, .crossTraining].contains($0.workoutType) }
            .compactMap { w in LocalDate(w.scheduledDate).map { (w, $0) } }
        // Days per week: the most common count of running days in the plan's weeks (ties: the larger).
        var perWeek: [LocalDate: Int] = [:]
        for (_, date) in running { perWeek[date.adding(days: -date.weekdayIndexFromMonday), default: 0] += 1 }
        var weekCounts: [Int: Int] = [:]
        for count in perWeek.values { weekCounts[count, default: 0] += 1 }
        let daysPerWeek = min(7, max(3, weekCounts.max { ($0.value, $0.key) < ($1.value, $1.key) }?.key ?? 5))
        // The long-run day: where the plan's long runs mostly are.
        var longDays: [Int: Int] = [:]
        for (w, date) in running where w.workoutType == .long { longDays[date.weekdayIndexFromMonday, default: 0] += 1 }
        let longRunWeekday = longDays.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? 6
        // Days the plan never runs on stay free, when that leaves enough days.
        let used = Set(running.map(\.1.weekdayIndexFromMonday))
        // The race day is never unavailable (a race moved to a day the plan did not use).
        var unavailable = Set(0..<7).subtracting(used).subtracting([raceDate.weekdayIndexFromMonday])
        if 7 - unavailable.count < daysPerWeek || unavailable.contains(longRunWeekday) { unavailable = [] }

        let recent = runs.filter { $0.date < today && $0.date >= today.adding(days: -7 * volumeWeeks) }
        let weekly = recent.isEmpty ? defaultWeeklyM : recent.reduce(0) { $0 + $1.distanceM } / Double(volumeWeeks)
        return PlanRequest(
            raceName: plan.goalRaceName, raceDate: raceDate, raceDistanceM: plan.goalRaceDistanceM, goalTimeS: plan.goalTimeSeconds,
            daysPerWeek: daysPerWeek, longRunWeekday: longRunWeekday, unavailableWeekdays: unavailable, currentWeeklyM: weekly,
            vdot: fitness(plan: plan, runs: runs, today: today), today: today)
    }

    /// The generator's fitness number: the goal time's VDOT, else the best run (≥ 3 km) of the last 12 weeks,
    /// else nil (the builder's default).
    static func fitness(plan: TrainingPlan, runs: [CompletedRun], today: LocalDate) -> Double? {
        if let goal = plan.goalTimeSeconds, goal > 0 {
            return RunningFitness.vdot(distanceM: plan.goalRaceDistanceM, timeS: Double(goal))
        }
        return runs.filter { $0.date <= today && $0.date >= today.adding(days: -7 * fitnessWeeks) }
            .filter { $0.distanceM >= fitnessMinRunM && $0.durationS > 0 }
            .map { RunningFitness.vdot(distanceM: $0.distanceM, timeS: $0.durationS) }
            .max()
    }

    /// The VDOT whose training paces best match the plan's target paces (each paced workout against the range
    /// the generator gives its type), to 0.1; nil for a plan with no such paces.
    static func planVDOT(_ workouts: [PlannedWorkout]) -> Double? {
        let paced = workouts.compactMap { w -> (WorkoutType, Int, Int)? in
            guard let fast = w.targetPaceMinSPerKm, let slow = w.targetPaceMaxSPerKm, range(w.workoutType, in: nil) != nil
            else { return nil }
            return (w.workoutType, fast, slow)
        }
        guard !paced.isEmpty else { return nil }
        var best: (vdot: Double, error: Int)?
        for tenth in 200...850 {
            let vdot = Double(tenth) / 10
            let paces = RunningFitness.trainingPaces(vdot: vdot)
            let error = paced.reduce(0) { sum, w in
                guard let r = range(w.0, in: paces) else { return sum }
                return sum + abs(r.fastSPerKm - w.1) + abs(r.slowSPerKm - w.2)
            }
            if best == nil || error < best!.error { best = (vdot, error) }
        }
        return best?.vdot
    }

    /// The training-pace range the generator gives a workout type (nil for types paced otherwise: race pace,
    /// tempo, fartlek); with no paces, whether the type has one (a placeholder range).
    private static func range(_ type: WorkoutType, in paces: TrainingPaces?) -> PaceRange? {
        let p = paces ?? RunningFitness.trainingPaces(vdot: 50)
        switch type {
        case .easy, .strides: return p.easy
        case .long: return p.long
        case .recovery: return p.recovery
        case .hills, .intervals: return p.interval
        case .threshold: return p.threshold
        case .marathonPace: return p.marathon
        default: return nil
        }
    }

    /// The plan's race and workouts as they stand: a proposal made from another state is stale.
    static func fingerprint(plan: TrainingPlan, workouts: [PlannedWorkout]) -> String {
        func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "-" }
        var lines = ["race|\(plan.goalRaceDate)|\(plan.goalRaceDistanceM)|\(text(plan.goalTimeSeconds))"]
        lines += workouts.map { w in
            [
                text(w.id?.uuidString), w.scheduledDate, w.workoutType.rawValue, w.title, text(w.targetDistanceM), text(w.targetDurationS),
                text(w.targetPaceMinSPerKm), text(w.targetPaceMaxSPerKm), text(w.phase?.rawValue),
            ].joined(separator: "|")
        }.sorted()
        return SHA256.hash(data: Data(lines.joined(separator: "\n").utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
    }
}

extension PlanChangeKind {
    init(_ kind: PlanChange.Kind) {
        switch kind {
        case .added: self = .added
        case .removed: self = .removed
        case .changed: self = .changed
        }
    }
}

extension SessionOutcome {
    var kind: WorkoutOutcomeKind {
        switch self {
        case .done: .done
        case .partial: .partial
        case .missed: .missed
        case .swapped: .swapped
        case .upcoming: .upcoming
        }
    }

    var swappedTo: LocalDate? {
        if case .swapped(let to) = self { return to }
        return nil
    }
}
