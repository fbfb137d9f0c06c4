import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var planOperations: [APIOperation] {
        let planID = OpenAPI.Parameter.path("plan_id", .uuid, "The plan's id.")
        let workoutID = OpenAPI.Parameter.path("workout_id", .uuid, "The workout's id.")
        let planLinks = [("plan_id", "$response.body#/id")]
        let workoutLinks = [("plan_id", "$request.path.plan_id"), ("workout_id", "$response.body#/id")]
        let activePlanExists = APIResponse.conflict("Another plan is already active; complete or cancel it first.", code: .activePlanExists)
        let dateTaken = APIResponse.conflict("The plan already has a workout on `scheduled_date`.", code: .workoutDateTaken)
        return [
            APIOperation(
                method: .post, path: "/v1/plans", id: "createPlan", tag: "Plans", summary: "Create a plan",
                description: "A new plan is a `draft` unless `status` says otherwise; at most one plan per athlete is `active`.",
                access: .bearer, body: .json(.ref("PlanCreate")),
                responses: [
                    APIResponse.created(.ref("Plan"), "The plan (with no workouts yet).").with(links: [
                        APILink("GetPlan", to: "getPlan", planLinks),
                        APILink("UpdatePlan", to: "updatePlan", planLinks),
                        APILink("DeletePlan", to: "deletePlan", planLinks),
                        APILink("CreateWorkout", to: "createWorkout", planLinks),
                    ]),
                    activePlanExists,
                ]),
            APIOperation(
                method: .get, path: "/v1/plans", id: "listPlans", tag: "Plans",
                summary: "The caller's plans, latest goal race first",
                access: .bearer, responses: [.ok(.ref("PlanList"), "The plans, without their workouts (`workouts` is null).")]),
            APIOperation(
                method: .get, path: "/v1/plans/{plan_id}", id: "getPlan", tag: "Plans", summary: "One plan with its workouts",
                access: .bearer, parameters: [planID],
                responses: [
                    .ok(.ref("Plan"), "The plan; `workouts` in date order."),
                    .notFound("plan"),
                ]),
            APIOperation(
                method: .patch, path: "/v1/plans/{plan_id}", id: "updatePlan", tag: "Plans", summary: "Change a plan",
                description: "Only the fields sent change; `null` clears an optional one.",
                access: .bearer, parameters: [planID], body: .json(.ref("PlanUpdate")),
                responses: [
                    .ok(.ref("Plan"), "The changed plan with its workouts."),
                    .notFound("plan"),
                    activePlanExists,
                ]),
            APIOperation(
                method: .delete, path: "/v1/plans/{plan_id}", id: "deletePlan", tag: "Plans",
                summary: "Delete a plan and its workouts",
                access: .bearer, parameters: [planID],
                responses: [
                    .noContent("Deleted."),
                    .notFound("plan"),
                ]),
            APIOperation(
                method: .post, path: "/v1/plans/{plan_id}/workouts", id: "createWorkout", tag: "Plans",
                summary: "Add a workout to a plan",
                access: .bearer, parameters: [planID], body: .json(.ref("WorkoutCreate")),
                responses: [
                    APIResponse.created(.ref("Workout"), "The workout.").with(links: [
                        APILink("UpdateWorkout", to: "updateWorkout", workoutLinks),
                        APILink("DeleteWorkout", to: "deleteWorkout", workoutLinks),
                    ]),
                    .notFound("plan"),
                    dateTaken,
                ]),
            APIOperation(
                method: .patch, path: "/v1/plans/{plan_id}/workouts/{workout_id}", id: "updateWorkout", tag: "Plans",
                summary: "Change a workout", description: "Only the fields sent change; `null` clears an optional one.",
                access: .bearer, parameters: [planID, workoutID], body: .json(.ref("WorkoutUpdate")),
                responses: [
                    .ok(.ref("Workout"), "The changed workout."),
                    .notFound("plan or workout"),
                    dateTaken,
                ]),
            APIOperation(
                method: .delete, path: "/v1/plans/{plan_id}/workouts/{workout_id}", id: "deleteWorkout", tag: "Plans",
                summary: "Delete a workout",
                access: .bearer, parameters: [planID, workoutID],
                responses: [
                    .noContent("Deleted."),
                    .notFound("plan or workout"),
                ]),
        ]
    }

    static var planSchemas: [(String, JSONSchema)] {
        let limits = Limits.Plan.self
        let plan = { (key: PlanBody.CodingKeys) -> JSONSchema in
            switch key {
            case .name: .string(length: limits.name)
            case .status: .string(oneOf: PlanStatus.self)
            case .goalRaceName: .string(length: limits.raceName)
            case .goalRaceDate: JSONSchema.date.described("Not before `plan_start_date`.")
            case .goalRaceDistanceM: JSONSchema.number(limits.raceDistanceM).described("Metres.")
            case .goalTimeSeconds: JSONSchema.integer(limits.goalTimeS).described("The goal finishing time, seconds.")
            case .planStartDate: .date
            case .planEndDate: JSONSchema.date.described("Not before `plan_start_date`.")
            case .totalWeeks: .integer(limits.totalWeeks)
            }
        }
        let workout = { (key: WorkoutBody.CodingKeys) -> JSONSchema in
            switch key {
            case .scheduledDate: JSONSchema.date.described("At most one workout per day in a plan.")
            case .weekNumber: .integer(limits.totalWeeks)
            case .workoutType: .string(oneOf: WorkoutType.self)
            case .title: .string(length: limits.title)
            case .description: .string(length: limits.text)
            case .phase: .string(oneOf: TrainingPhase.self)
            case .targetDistanceM: JSONSchema.number(limits.targetDistanceM).described("Metres.")
            case .targetDurationS: JSONSchema.integer(limits.targetDurationS).described("Seconds.")
            case .targetPaceMinSPerKm: JSONSchema.integer(limits.paceSPerKm).described("The faster end of the target pace, seconds per km.")
            case .targetPaceMaxSPerKm:
                JSONSchema.integer(limits.paceSPerKm)
                    .described("The slower end of the target pace, seconds per km; at least `target_pace_min_s_per_km`.")
            case .coachNotes: .string(length: limits.text)
            }
        }
        return [
            ("PlanCreate", .requestBody(PlanBody.self, required: [.name, .goalRaceDate, .goalRaceDistanceM], plan)),
            ("PlanUpdate", .requestBody(PlanBody.self, plan)),
            ("WorkoutCreate", .requestBody(WorkoutBody.self, required: [.scheduledDate, .workoutType, .title], workout)),
            ("WorkoutUpdate", .requestBody(WorkoutBody.self, workout)),
            PlanDTO.component,
            PlanList.component,
            WorkoutDTO.component,
        ]
    }
}

extension PlanDTO: DocumentedResponse {
    static let schemaName = "Plan"
    static var openAPIExample: Self {
        OpenAPIExample.decoded(
            """
            {"id": "\(OpenAPIExample.id(20))", "name": "Spring marathon", "status": "active", "goal_race_name": "Paris Marathon",
             "goal_race_date": "2027-04-11", "goal_race_distance_m": 42195, "goal_time_seconds": 11400,
             "plan_start_date": "2026-12-14", "plan_end_date": "2027-04-11", "total_weeks": 17, "workouts": [\(WorkoutDTO.exampleJSON)],
             "created_at": "2026-11-29T07:30:00Z", "updated_at": "2026-11-29T07:30:00Z"}
            """)
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "goal_race_date": .date,
            "plan_start_date": .date,
            "plan_end_date": .date,
            "workouts": .described("In date order; null in the plan list."),
        ]
    }
}

extension PlanList: DocumentedResponse {
    static let schemaName = "PlanList"
    static var openAPIExample: Self { Self(plans: [.openAPIExample]) }
}

extension WorkoutDTO: DocumentedResponse {
    static let schemaName = "Workout"
    static var openAPIExample: Self { OpenAPIExample.decoded(exampleJSON) }
    static var fieldSchemas: [String: JSONSchema] { ["scheduled_date": .date] }

    fileprivate static let exampleJSON = """
        {"id": "\(OpenAPIExample.id(21))", "plan_id": "\(OpenAPIExample.id(20))", "scheduled_date": "2026-12-16", "week_number": 1,
         "workout_type": "tempo", "title": "Tempo", "description": "3 × 10 min at threshold, 2 min jog between", "phase": "base",
         "target_distance_m": 12000, "target_duration_s": 3600, "target_pace_min_s_per_km": 250, "target_pace_max_s_per_km": 260,
         "coach_notes": "Relax the shoulders."}
        """
}
