import Foundation
import StrideIQCore

/// `POST /v1/plans/{id}/adapt` takes no fields: an empty body or `{}`.
struct AdaptBody: RequestBody {
    struct CodingKeys: CodingKey, CaseIterable, RawRepresentable {
        static var allCases: [CodingKeys] { [] }
        var rawValue: String
        init?(rawValue: String) { nil }
        var stringValue: String { rawValue }
        init?(stringValue: String) { nil }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    init() {}
    init(from decoder: any Decoder) throws {}
}

/// A workout as a plan change shows it (`before` / `after`): what the generator writes for a workout.
struct PlanWorkoutSnapshot: Codable, Sendable, Equatable {
    let date: LocalDate
    let workoutType: WorkoutType
    let title: String
    @Nullable var why: String?
    @Nullable var distanceM: Double?
    @Nullable var durationS: Int?
    @Nullable var paceFastSPerKm: Int?
    @Nullable var paceSlowSPerKm: Int?
    @Nullable var phase: TrainingPhase?

    enum CodingKeys: String, CodingKey {
        case date, title, why, phase
        case workoutType = "workout_type", distanceM = "distance_m", durationS = "duration_s"
        case paceFastSPerKm = "pace_fast_s_per_km", paceSlowSPerKm = "pace_slow_s_per_km"
    }

    init(
        date: LocalDate, workoutType: WorkoutType, title: String, why: String?, distanceM: Double?, durationS: Int?,
        paceFastSPerKm: Int?, paceSlowSPerKm: Int?, phase: TrainingPhase?
    ) {
        self.date = date
        self.workoutType = workoutType
        self.title = title
        self.why = why
        self.distanceM = distanceM
        self.durationS = durationS
        self.paceFastSPerKm = paceFastSPerKm
        self.paceSlowSPerKm = paceSlowSPerKm
        self.phase = phase
    }

    init(_ g: GeneratedWorkout) {
        self.init(
            date: g.date, workoutType: g.type, title: g.title, why: g.why, distanceM: g.distanceM, durationS: g.durationS,
            paceFastSPerKm: g.pace?.fastSPerKm, paceSlowSPerKm: g.pace?.slowSPerKm, phase: g.phase)
    }

    /// The stored workout (its `description` is the why); nil for a row whose date does not parse.
    init?(_ w: PlannedWorkout) {
        guard let date = LocalDate(w.scheduledDate) else { return nil }
        self.init(
            date: date, workoutType: w.workoutType, title: w.title, why: w.workoutDescription, distanceM: w.targetDistanceM,
            durationS: w.targetDurationS, paceFastSPerKm: w.targetPaceMinSPerKm, paceSlowSPerKm: w.targetPaceMaxSPerKm,
            phase: w.phase)
    }
}

/// One proposed change of a plan: a workout added, removed or changed, and why.
struct PlanChangeDTO: Codable, Sendable, Equatable {
    let kind: PlanChangeKind
    @Nullable var workoutID: UUID?
    let date: LocalDate
    @Nullable var before: PlanWorkoutSnapshot?
    @Nullable var after: PlanWorkoutSnapshot?
    let reason: String

    enum CodingKeys: String, CodingKey {
        case kind, date, before, after, reason
        case workoutID = "workout_id"
    }
}

/// A proposal's status as the API shows it: the stored ones, and `no_changes` for an adapt that found nothing
/// to change (nothing stored).
enum ProposalState: String, Codable, Sendable, CaseIterable {
    case pending, accepted, rejected, superseded
    case noChanges = "no_changes"

    init(_ status: ProposalStatus) { self = ProposalState(rawValue: status.rawValue)! }
}

struct PlanProposalDTO: Codable, Sendable {
    @Nullable var id: UUID?
    let planID: UUID
    let status: ProposalState
    @Nullable var createdAt: Date?
    @Nullable var decidedAt: Date?
    let source: ProposalSource
    let summary: [String]
    let changes: [PlanChangeDTO]

    enum CodingKeys: String, CodingKey {
        case id, status, source, summary, changes
        case planID = "plan_id", createdAt = "created_at", decidedAt = "decided_at"
    }

    init(
        id: UUID?, planID: UUID, status: ProposalState, createdAt: Date?, decidedAt: Date?, source: ProposalSource,
        summary: [String], changes: [PlanChangeDTO]
    ) {
        self.id = id
        self.planID = planID
        self.status = status
        self.createdAt = createdAt
        self.decidedAt = decidedAt
        self.source = source
        self.summary = summary
        self.changes = changes
    }

    init(_ p: PlanProposal) throws {
        self.init(
            id: p.id, planID: p.$plan.id, status: ProposalState(p.status), createdAt: p.createdAt, decidedAt: p.decidedAt,
            source: p.source,
            summary: try JSONCoding.decoder.decode([String].self, from: Data(p.summary.utf8)),
            changes: try JSONCoding.decoder.decode([PlanChangeDTO].self, from: Data(p.changes.utf8)))
    }
}

struct PlanProposalList: Codable, Sendable {
    let proposals: [PlanProposalDTO]
}

/// How a planned workout went.
enum WorkoutOutcomeKind: String, Codable, Sendable, CaseIterable {
    case done, partial, missed, swapped, upcoming
}

struct WorkoutOutcomeDTO: Codable, Sendable {
    let workoutID: UUID
    let date: LocalDate
    let outcome: WorkoutOutcomeKind
    @Nullable var swappedTo: LocalDate?

    enum CodingKeys: String, CodingKey {
        case date, outcome
        case workoutID = "workout_id", swappedTo = "swapped_to"
    }
}

struct PlanOutcomesDTO: Codable, Sendable {
    let workouts: [WorkoutOutcomeDTO]
}

struct PlanHistoryEntryDTO: Codable, Sendable {
    let id: UUID
    let at: Date
    let source: PlanHistorySource
    let kind: PlanChangeKind
    @Nullable var workoutID: UUID?
    let date: LocalDate
    @Nullable var before: PlanWorkoutSnapshot?
    @Nullable var after: PlanWorkoutSnapshot?
    @Nullable var reason: String?

    enum CodingKeys: String, CodingKey {
        case id, at, source, kind, date, before, after, reason
        case workoutID = "workout_id"
    }

    init(_ e: PlanHistoryEntry) throws {
        id = e.id!
        at = e.at
        source = e.source
        kind = e.kind
        workoutID = e.workoutID
        date = LocalDate(e.date) ?? LocalDate(year: 1970, month: 1, day: 1)!
        before = try e.before.map { try JSONCoding.decoder.decode(PlanWorkoutSnapshot.self, from: Data($0.utf8)) }
        after = try e.after.map { try JSONCoding.decoder.decode(PlanWorkoutSnapshot.self, from: Data($0.utf8)) }
        reason = e.reason
    }
}

struct PlanHistoryDTO: Codable, Sendable {
    let entries: [PlanHistoryEntryDTO]
}
