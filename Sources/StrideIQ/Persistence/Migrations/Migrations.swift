import Fluent

// Migrations are append-only: one type per change, each with its revert, one file each, numbered in order.
// Fluent records a migration by its type name (`StrideIQ.CreateAthletes`) in `_fluent_migrations`: renaming a
// type, or changing what a shipped migration does, would make deployed databases re-run or skip it. A schema
// change is a new `M0NN_` file appended to `all`. Enums are stored as strings (not database enum types) so
// adding a value is not a migration, and the same code runs on SQLite and Postgres.

enum Migrations {
    /// Every migration, in order. `configure` registers exactly this list.
    static let all: [any AsyncMigration] = [
        CreateAthletes(),
        CreateRefreshTokens(),
        CreateActivities(),
        CreateDailyCheckins(),
        CreateTrainingPlans(),
        CreatePlannedWorkouts(),
        CreateJobs(),
        CreateLeases(),
        CreateAuditLog(),
        CreateCoachThreads(),
        CreateCoachMessages(),
        CreatePlanProposals(),
        CreatePlanHistory(),
        CreateRevokedAccessTokens(),
        CreateActivityFilesAndImports(),
        AddAthleteDataVersion(),
        AddTrainingAnalytics(),
    ]
}
