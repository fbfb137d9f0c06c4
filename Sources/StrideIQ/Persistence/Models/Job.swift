import Fluent
import Foundation

/// Where a job is in its life. `JobQueue` moves it: queued → running → succeeded | dead (after its last attempt),
/// or back to queued for a retry; `superseded` when a newer queued job for the same athlete and kind covers it.
enum JobStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for its `run_at` and a free worker. At most one per (kind, athlete): enqueues coalesce into it.
    case queued
    /// Claimed by the worker in `leased_by` until `lease_expires_at`.
    case running
    case succeeded
    /// Failed its last attempt; `last_error` says why.
    case dead
    case superseded

    /// Not finished: what `isPending` and the queue gauges count.
    static let pending: [JobStatus] = [.queued, .running]
    /// Finished and of no further use once old (`prune`); dead jobs are kept for inspection.
    static let prunable: [JobStatus] = [.succeeded, .superseded]

    /// The value as a SQL string literal, for the one place a bind cannot stand: the upsert's `ON CONFLICT …
    /// WHERE`, which must repeat the partial index's predicate (`jobs_one_queued`) for the database to match it.
    var sqlLiteral: String { "'\(rawValue)'" }
}

/// One row of the durable job queue. `JobQueue` is its only writer; the claim, the coalescing upsert and the
/// lease reaper stay raw SQL (`FOR UPDATE SKIP LOCKED`, `ON CONFLICT`, `CASE`), the rest goes through this model.
final class Job: Model, @unchecked Sendable {
    static let schema = "jobs"

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: JobQueue.Kind
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "status") var status: JobStatus
    /// Higher runs first (`JobQueue.Priority`).
    @Field(key: "priority") var priority: Int
    /// What asked for it (`checkin`, `scheduled`, …), for logs and metrics.
    @Field(key: "reason") var reason: String
    /// Runs started, the current one included.
    @Field(key: "attempts") var attempts: Int
    @Field(key: "max_attempts") var maxAttempts: Int
    @Field(key: "run_at") var runAt: Date
    @OptionalField(key: "lease_expires_at") var leaseExpiresAt: Date?
    @OptionalField(key: "leased_by") var leasedBy: String?
    @OptionalField(key: "last_error") var lastError: String?
    // Timestamps come from the queue's clock (tests move it), not Fluent's `@Timestamp`.
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}
}
