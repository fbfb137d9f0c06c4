import Fluent
import StrideIQCore
import Vapor

/// Plan adaptation (`PlanAdaptationService`): workout outcomes, adaptation proposals and their decisions, and
/// the plan's change history, under `/v1/plans/{plan_id}`. Another athlete's plan or proposal is a 404.
struct PlanAdaptationRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let plan = routes.grouped("v1", "plans", ":plan_id")
        plan.get("outcomes", use: outcomes)
        plan.post("adapt", use: adapt)
        plan.get("proposals", use: proposals)
        plan.post("proposals", ":proposal_id", "accept", use: accept)
        plan.post("proposals", ":proposal_id", "reject", use: reject)
        plan.get("history", use: history)
    }

    func outcomes(req: Request) async throws -> JSONResponse<PlanOutcomesDTO> {
        let plan = try await ownedPlan(req)
        return JSONResponse(.ok, try await service(req).outcomes(of: plan, athlete: try req.currentAthlete.athlete, on: req.db))
    }

    /// 201 with a new pending proposal; 200 with `status: no_changes` when the plan needs no change.
    func adapt(req: Request) async throws -> JSONResponse<PlanProposalDTO> {
        // The body is optional; one that is sent must be a JSON object with no fields.
        if let body = req.body.data, body.readableBytes > 0 { _ = try req.decodeBody(AdaptBody.self) }
        let plan = try await ownedPlan(req)
        let proposal = try await service(req).adapt(plan, athlete: try req.currentAthlete.athlete, source: .manual, on: req.db)
        return JSONResponse(proposal.status == .noChanges ? .ok : .created, proposal)
    }

    func proposals(req: Request) async throws -> JSONResponse<PlanProposalList> {
        let plan = try await ownedPlan(req)
        return JSONResponse(.ok, PlanProposalList(proposals: try await service(req).proposals(of: plan, on: req.db)))
    }

    func accept(req: Request) async throws -> JSONResponse<PlanDTO> {
        let plan = try await ownedPlan(req)
        let id = try req.uuidParameter("proposal_id", resource: "Proposal")
        let accepted = try await service(req).accept(id, of: plan, athlete: try req.currentAthlete.athlete, on: req.db)
        // Read back: the accept bumped `updated_at` in SQL.
        let updated = try await TrainingPlan.find(accepted.requireID(), on: req.db) ?? accepted
        return JSONResponse(.ok, PlanDTO(updated, workouts: try await updated.$workouts.get(on: req.db)))
    }

    func reject(req: Request) async throws -> JSONResponse<PlanProposalDTO> {
        let plan = try await ownedPlan(req)
        let id = try req.uuidParameter("proposal_id", resource: "Proposal")
        return JSONResponse(.ok, try await service(req).reject(id, of: plan, athlete: try req.currentAthlete.athlete, on: req.db))
    }

    func history(req: Request) async throws -> JSONResponse<PlanHistoryDTO> {
        let plan = try await ownedPlan(req)
        return JSONResponse(.ok, PlanHistoryDTO(entries: try await service(req).history(of: plan, on: req.db)))
    }

    private func ownedPlan(_ req: Request) async throws -> TrainingPlan {
        let id = try req.uuidParameter("plan_id", resource: "Plan")
        return try await PlanService(trigger: req.briefingTrigger).owned(id, athleteID: try req.currentAthlete.id, on: req.db)
    }

    private func service(_ req: Request) -> PlanAdaptationService {
        let app = req.application
        return PlanAdaptationService(trigger: req.briefingTrigger, now: { app.now() })
    }
}
