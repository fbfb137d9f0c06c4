import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var planAdaptationOperations: [APIOperation] {
        let planID = OpenAPI.Parameter.path("plan_id", .uuid, "The plan's id.")
        let proposalID = OpenAPI.Parameter.path("proposal_id", .uuid, "The proposal's id.")
        let proposalLinks = [("plan_id", "$request.path.plan_id"), ("proposal_id", "$response.body#/id")]
        let notPending = APIResponse.conflict("The proposal was already accepted, rejected or superseded.", code: .proposalNotPending)
        return [
            APIOperation(
                method: .get, path: "/v1/plans/{plan_id}/outcomes", id: "getPlanOutcomes", tag: "Plans",
                summary: "How each workout of the plan went",
                description: """
                    Each workout matched to the athlete's runs (on their local day): `done` (about the planned distance \
                    that day), `partial` (a shorter run), `missed`, `swapped` (run on another day of the same week, \
                    `swapped_to`), or `upcoming` (today's not yet run, and later ones).
                    """,
                access: .bearer, parameters: [planID],
                responses: [.ok(.ref("PlanOutcomes"), "Every workout of the plan, in date order."), .notFound("plan")]),
            APIOperation(
                method: .post, path: "/v1/plans/{plan_id}/adapt", id: "adaptPlan", tag: "Plans",
                summary: "Propose changes to the rest of the plan",
                description: """
                    Re-plans the workouts from today on, from the plan's race, the days it runs on, the athlete's recent \
                    runs (volume of the last 8 weeks; fitness from the goal time, else the best run ≥ 3 km of the last \
                    12 weeks) and the fitness its paces were built for: after missed weeks the volume comes back \
                    gradually, a moved race date re-sizes the phases, a clearly changed fitness number moves the paces. \
                    The changes are stored as a `pending` proposal (an older pending one is `superseded`) for the athlete \
                    to accept or reject; nothing in the plan changes yet. The body is optional (empty or `{}`).
                    """,
                access: .bearer, parameters: [planID],
                body: .json(.requestBody(AdaptBody.self) { _ in .string }, required: false),
                responses: [
                    APIResponse.created(.ref("PlanProposal"), "The new pending proposal, each change with its reason.").with(links: [
                        APILink("AcceptProposal", to: "acceptPlanProposal", proposalLinks),
                        APILink("RejectProposal", to: "rejectPlanProposal", proposalLinks),
                    ]),
                    .ok(.ref("PlanProposal"), "Nothing needs to change: `status` is `no_changes`, `id` is null, `changes` is empty."),
                    .notFound("plan"),
                ]),
            APIOperation(
                method: .get, path: "/v1/plans/{plan_id}/proposals", id: "listPlanProposals", tag: "Plans",
                summary: "The plan's adaptation proposals, newest first",
                access: .bearer, parameters: [planID],
                responses: [.ok(.ref("PlanProposalList"), "Every proposal, decided ones included."), .notFound("plan")]),
            APIOperation(
                method: .post, path: "/v1/plans/{plan_id}/proposals/{proposal_id}/accept", id: "acceptPlanProposal", tag: "Plans",
                summary: "Apply a proposal to the plan",
                description: """
                    Applies every change at once (workouts added, changed, removed), logs each in the plan's history \
                    and marks the proposal `accepted`.
                    """,
                access: .bearer, parameters: [planID, proposalID],
                responses: [
                    .ok(.ref("Plan"), "The changed plan with its workouts."),
                    .notFound("plan or proposal"),
                    notPending,
                    .conflict(
                        "The plan's workouts (or race) changed since the proposal was made; ask for a new one.", code: .proposalStale),
                ]),
            APIOperation(
                method: .post, path: "/v1/plans/{plan_id}/proposals/{proposal_id}/reject", id: "rejectPlanProposal", tag: "Plans",
                summary: "Decline a proposal", description: "The plan stays as it is.",
                access: .bearer, parameters: [planID, proposalID],
                responses: [
                    .ok(.ref("PlanProposal"), "The proposal, now `rejected`."),
                    .notFound("plan or proposal"),
                    notPending,
                ]),
            APIOperation(
                method: .get, path: "/v1/plans/{plan_id}/history", id: "getPlanHistory", tag: "Plans",
                summary: "Every logged change of the plan's workouts, newest first",
                description:
                    "Accepted adaptations (`adaptation`), workout edits (`edit`) and generation (`generate`), each with the workout before and after.",
                access: .bearer, parameters: [planID],
                responses: [.ok(.ref("PlanHistory"), "The entries, newest first."), .notFound("plan")]),
        ]
    }

    static var planAdaptationSchemas: [(String, JSONSchema)] {
        [
            PlanWorkoutSnapshot.component,
            PlanChangeDTO.component,
            PlanProposalDTO.component,
            PlanProposalList.component,
            WorkoutOutcomeDTO.component,
            PlanOutcomesDTO.component,
            PlanHistoryEntryDTO.component,
            PlanHistoryDTO.component,
        ]
    }
}

extension PlanWorkoutSnapshot: DocumentedResponse {
    static let schemaName = "PlanChangeWorkout"
    static var schemaDescription: String? { "A workout as a change shows it (the fields the plan generator writes)." }
    static var openAPIExample: Self {
        Self(
            date: LocalDate("2027-01-14")!, workoutType: .threshold, title: "Threshold: 3 × 1.6 km at T pace, 60 s jog",
            why: "Threshold running raises the pace you can hold for about an hour.", distanceM: 10000, durationS: 2900,
            paceFastSPerKm: 262, paceSlowSPerKm: 270, phase: .build)
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "why": .described("One sentence: why the workout is there (the stored workout's `description`)."),
            "distance_m": .described("Metres."),
            "duration_s": .described("Seconds."),
            "pace_fast_s_per_km": .described("The faster end of the target pace, seconds per km."),
            "pace_slow_s_per_km": .described("The slower end of the target pace, seconds per km."),
        ]
    }
}

extension PlanChangeDTO: DocumentedResponse {
    static let schemaName = "PlanChange"
    static var openAPIExample: Self {
        Self(
            kind: .changed, workoutID: OpenAPIExample.id(21), date: LocalDate("2027-01-14")!, before: .openAPIExample,
            after: .openAPIExample, reason: "Your recent runs show a fitness number of 51.2 (was 48.9): the paces move with it.")
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "workout_id": .described("The workout changed or removed; null for an added one."),
            "date": .described("The day the change is about (the new day of a moved workout)."),
            "before": .described("The workout as it is; null for an added one."),
            "after": .described("The workout as it would be; null for a removed one."),
        ]
    }
}

extension PlanProposalDTO: DocumentedResponse {
    static let schemaName = "PlanProposal"
    static var openAPIExample: Self {
        Self(
            id: OpenAPIExample.id(30), planID: OpenAPIExample.id(20), status: .pending,
            createdAt: OpenAPIExample.instant, decidedAt: OpenAPIExample.instant.addingTimeInterval(3600),
            source: .manual, summary: ["Paces updated to your current fitness."], changes: [.openAPIExample])
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "id": .described("Null when nothing needs to change (`no_changes`: nothing is stored)."),
            "status": .described("`no_changes` only in the answer of an adapt that found nothing to change."),
            "created_at": .described("Null with `no_changes`."),
            "decided_at": .described("When it was accepted, rejected or superseded; null while pending."),
            "source": .described("`manual` (the adapt operation) or `nightly` (the daily run)."),
        ]
    }
}

extension PlanProposalList: DocumentedResponse {
    static let schemaName = "PlanProposalList"
    static var openAPIExample: Self { Self(proposals: [.openAPIExample]) }
}

extension WorkoutOutcomeDTO: DocumentedResponse {
    static let schemaName = "WorkoutOutcome"
    static var openAPIExample: Self {
        Self(workoutID: OpenAPIExample.id(21), date: LocalDate("2027-01-14")!, outcome: .swapped, swappedTo: LocalDate("2027-01-15")!)
    }
    static var fieldSchemas: [String: JSONSchema] { ["swapped_to": .described("The day it was run instead, for `swapped`; else null.")] }
}

extension PlanOutcomesDTO: DocumentedResponse {
    static let schemaName = "PlanOutcomes"
    static var openAPIExample: Self { Self(workouts: [.openAPIExample]) }
}

extension PlanHistoryEntryDTO: DocumentedResponse {
    static let schemaName = "PlanHistoryEntry"
    static var openAPIExample: Self {
        OpenAPIExample.decoded(
            """
            {"id": "\(OpenAPIExample.id(31))", "at": "2027-01-10T07:00:00Z", "source": "adaptation", "kind": "changed",
             "workout_id": "\(OpenAPIExample.id(21))", "date": "2027-01-14",
             "before": \(String(decoding: try! JSONCoding.encoder.encode(PlanWorkoutSnapshot.openAPIExample), as: UTF8.self)),
             "after": \(String(decoding: try! JSONCoding.encoder.encode(PlanWorkoutSnapshot.openAPIExample), as: UTF8.self)),
             "reason": "Paces updated to your current fitness."}
            """)
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "workout_id": .described("The workout; it may since have been deleted."),
            "before": .described("Null for an added workout."),
            "after": .described("Null for a removed workout."),
            "reason": .described("Why (adaptations); null for edits."),
        ]
    }
}

extension PlanHistoryDTO: DocumentedResponse {
    static let schemaName = "PlanHistory"
    static var openAPIExample: Self { Self(entries: [.openAPIExample]) }
}
