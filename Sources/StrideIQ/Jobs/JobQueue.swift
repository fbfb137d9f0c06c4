import Fluent
import Foundation
import SQLKit

/// The durable job queue: rows in the `jobs` table, so an enqueue commits in the same transaction as the write
/// that triggered it. Claims are leases; a worker that dies loses its lease and the job runs again.
///
/// The SQL is plain enough to run unchanged on SQLite and Postgres; on Postgres the claim adds
/// `FOR UPDATE SKIP LOCKED` so many workers claim without blocking each other.
struct JobQueue: Sendable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case briefing
        /// The nightly plan adaptation (`PlanAdaptationService.runNightly`).
        case planAdapt = "plan_adapt"
        /// A background activity-file import (`ImportService.runQueued`): archives and large batches.
        case activityImport = "activity_import"
        /// The training figures' recompute (`AnalyticsService.recompute`), after any activity, check-in or profile
        /// change.
        case analytics
    }

    /// Higher runs first: a refresh a person is waiting for goes before a scheduled one.
    enum Priority: Int, Sendable {
        case scheduled = 0
        case trigger = 5
        case pageView = 10
    }

    enum EnqueueResult: String, Sendable {
        /// A new queued job.
        case enqueued
        /// Merged into the job already queued for this athlete and kind.
        case coalesced
    }

    struct ClaimedJob: Sendable {
        let id: UUID
        let kind: Kind
        let athleteID: UUID
        /// 1 on the first run.
        let attempt: Int
        let maxAttempts: Int
        let reason: String
    }

    let maxAttempts: Int
    let now: @Sendable () -> Date
    /// Wakes this process's worker after an enqueue (other processes hear the Postgres NOTIFY).
    let wakeups: JobWakeups?

    init(maxAttempts: Int = 3, now: @escaping @Sendable () -> Date, wakeups: JobWakeups? = nil) {
        self.maxAttempts = maxAttempts
        self.now = now
        self.wakeups = wakeups
    }

    // MARK: enqueue

    /// Inserts a queued job, or merges into the one already queued (keeping the higher priority and the earlier
    /// run time). Call it with the transaction of the triggering write.
    @discardableResult
    func enqueue(
        _ kind: Kind, athleteID: UUID, priority: Priority, reason: String, runAt: Date? = nil,
        on db: any Database
    ) async throws -> EnqueueResult {
        let id = UUID()
        let now = now()
        let rows = try await sql(db).raw(
            """
            INSERT INTO jobs (id, kind, athlete_id, status, priority, reason, attempts, max_attempts, run_at, created_at, updated_at)
            VALUES (\(bind: id), \(bind: kind.rawValue), \(bind: athleteID), \(bind: JobStatus.queued.rawValue),
                    \(bind: priority.rawValue), \(bind: reason), 0, \(bind: maxAttempts), \(bind: runAt ?? now), \(bind: now), \(bind: now))
            ON CONFLICT (kind, athlete_id) WHERE status = \(unsafeRaw: JobStatus.queued.sqlLiteral)
            DO UPDATE SET
                priority = CASE WHEN excluded.priority > jobs.priority THEN excluded.priority ELSE jobs.priority END,
                run_at = CASE WHEN excluded.run_at < jobs.run_at THEN excluded.run_at ELSE jobs.run_at END,
                updated_at = excluded.updated_at
            RETURNING id
            """
        ).all()
        let returned = try rows.first?.decode(column: "id", as: UUID.self)
        if isPostgres(db) {
            // Delivered to listening workers when (and only if) this transaction commits.
            try await sql(db).raw("SELECT pg_notify(\(bind: JobWakeups.channel), '')").run()
        }
        wakeups?.signal()
        return returned == id ? .enqueued : .coalesced
    }

    // MARK: claim and finish

    /// Claims up to `limit` due jobs for `worker`, never two for one athlete and kind at once. Expired leases
    /// are reaped first, so a dead worker's job runs again.
    func claim(worker: String, limit: Int, lease: TimeInterval, on db: any Database) async throws -> [ClaimedJob] {
        try await reapExpiredLeases(on: db)
        let now = now()
        let postgres = isPostgres(db)
        let rows = try await sql(db).raw(
            """
            UPDATE jobs SET status = \(bind: JobStatus.running.rawValue), attempts = attempts + 1,
                lease_expires_at = \(bind: now.addingTimeInterval(lease)), leased_by = \(bind: worker), updated_at = \(bind: now)
            WHERE id IN (
                SELECT j.id FROM jobs j
                WHERE j.status = \(bind: JobStatus.queued.rawValue) AND j.run_at <= \(bind: now)
                  AND NOT EXISTS (
                      SELECT 1 FROM jobs r
                      WHERE r.kind = j.kind AND r.athlete_id = j.athlete_id AND r.status = \(bind: JobStatus.running.rawValue))
                ORDER BY j.priority DESC, j.run_at ASC
                LIMIT \(bind: limit)
                \(unsafeRaw: postgres ? "FOR UPDATE SKIP LOCKED" : "")
            )
            RETURNING id, kind, athlete_id, attempts, max_attempts, reason
            """
        ).all()
        return try rows.compactMap { row in
            guard let kind = Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
            return ClaimedJob(
                id: try row.decode(column: "id", as: UUID.self), kind: kind,
                athleteID: try row.decode(column: "athlete_id", as: UUID.self),
                attempt: try row.decode(column: "attempts", as: Int.self),
                maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                reason: try row.decode(column: "reason", as: String.self))
        }
    }

    /// Extends a running job's lease (long jobs call it so they are not reaped).
    func heartbeat(_ job: ClaimedJob, worker: String, lease: TimeInterval, on db: any Database) async throws {
        try await leased(job, by: worker, on: db)
            .set(\.$leaseExpiresAt, to: now().addingTimeInterval(lease))
            .update()
    }

    func complete(_ job: ClaimedJob, worker: String, on db: any Database) async throws {
        try await finish(job, worker: worker, as: .succeeded, lastError: nil, on: db)
    }

    enum FailureOutcome: String, Sendable { case retrying, dead, superseded }

    /// Records a failed attempt: retried later with exponential backoff and jitter, or dead after the last
    /// attempt (its last error kept). If a newer job for the same athlete is already queued, that one covers it.
    @discardableResult
    func fail(_ job: ClaimedJob, worker: String, error: String, on db: any Database) async throws -> FailureOutcome {
        let message = String(error.prefix(1000))
        if job.attempt >= job.maxAttempts {
            try await finish(job, worker: worker, as: .dead, lastError: message, on: db)
            return .dead
        }
        do {
            try await requeue(
                job, worker: worker, runAt: now().addingTimeInterval(Self.backoff(attempt: job.attempt)),
                attempts: job.attempt, lastError: message, on: db)
            return .retrying
        } catch let error as any DatabaseError & Error where error.isConstraintFailure {
            try await finish(job, worker: worker, as: .superseded, lastError: message, on: db)
            return .superseded
        }
    }

    /// Gives a claimed job back untouched (shutdown): it runs again without counting an attempt.
    func release(_ job: ClaimedJob, worker: String, on db: any Database) async throws {
        do {
            try await requeue(job, worker: worker, runAt: now(), attempts: job.attempt - 1, lastError: nil, on: db)
        } catch let error as any DatabaseError & Error where error.isConstraintFailure {
            try await finish(
                job, worker: worker, as: .superseded, lastError: "released at shutdown; a newer job covers it", on: db)
        }
    }

    /// Back to the queue. Fails on `jobs_one_queued` when a newer job for the same athlete and kind is queued.
    /// `lastError` nil keeps the one recorded.
    private func requeue(
        _ job: ClaimedJob, worker: String, runAt: Date, attempts: Int, lastError: String?,
        on db: any Database
    ) async throws {
        let query = leased(job, by: worker, on: db)
            .set(\.$status, to: .queued)
            .set(\.$attempts, to: attempts)
            .set(\.$runAt, to: runAt)
            .set(\.$updatedAt, to: now())
            .set(\.$leaseExpiresAt, to: nil)
            .set(\.$leasedBy, to: nil)
        if let lastError { query.set(\.$lastError, to: lastError) }
        try await query.update()
    }

    /// Ends the job for good: `succeeded` (clearing any earlier attempt's error), `dead` or `superseded`.
    private func finish(
        _ job: ClaimedJob, worker: String, as status: JobStatus, lastError: String?, on db: any Database
    ) async throws {
        let now = now()
        try await leased(job, by: worker, on: db)
            .set(\.$status, to: status)
            .set(\.$lastError, to: lastError)
            .set(\.$finishedAt, to: now)
            .set(\.$updatedAt, to: now)
            .set(\.$leaseExpiresAt, to: nil)
            .update()
    }

    /// `job` while `worker` still holds it: once the lease is reaped (or the job finished) an update matches nothing.
    private func leased(_ job: ClaimedJob, by worker: String, on db: any Database) -> QueryBuilder<Job> {
        Job.query(on: db)
            .filter(\.$id == job.id)
            .filter(\.$leasedBy == worker)
            .filter(\.$status == .running)
    }

    /// Running jobs whose lease ran out belong to a worker that died or hung: they go back to the queue (or
    /// die, after their last attempt; or are superseded when a newer job is already queued).
    func reapExpiredLeases(on db: any Database) async throws {
        let now = now()
        let sql = sql(db)
        try await sql.raw(
            """
            UPDATE jobs SET status = \(bind: JobStatus.superseded.rawValue), finished_at = \(bind: now), updated_at = \(bind: now),
                last_error = 'lease expired; a newer queued job covers it'
            WHERE status = \(bind: JobStatus.running.rawValue) AND lease_expires_at <= \(bind: now)
              AND EXISTS (
                  SELECT 1 FROM jobs q
                  WHERE q.kind = jobs.kind AND q.athlete_id = jobs.athlete_id AND q.status = \(bind: JobStatus.queued.rawValue))
            """
        ).run()
        do {
            try await sql.raw(
                """
                UPDATE jobs SET
                    status = CASE WHEN attempts >= max_attempts
                        THEN \(bind: JobStatus.dead.rawValue) ELSE \(bind: JobStatus.queued.rawValue) END,
                    finished_at = CASE WHEN attempts >= max_attempts THEN \(bind: now) ELSE NULL END,
                    run_at = \(bind: now), updated_at = \(bind: now), lease_expires_at = NULL, leased_by = NULL,
                    last_error = 'lease expired: the worker stopped before finishing'
                WHERE status = \(bind: JobStatus.running.rawValue) AND lease_expires_at <= \(bind: now)
                """
            ).run()
        } catch let error as any DatabaseError & Error where error.isConstraintFailure {
            // A job was enqueued between the two statements; the next reap supersedes the expired one.
        }
    }

    // MARK: reads

    /// Whether a job of this kind is queued or running for the athlete (`refreshing`).
    func isPending(_ kind: Kind, athleteID: UUID, on db: any Database) async throws -> Bool {
        try await Job.query(on: db)
            .filter(\.$athlete.$id == athleteID)
            .filter(\.$kind == kind)
            .filter(\.$status ~~ JobStatus.pending)
            .first() != nil
    }

    /// Whether `id` is running under a lease that has not expired (its worker is presumed alive).
    func isRunningWithLiveLease(_ id: UUID, on db: any Database) async throws -> Bool {
        try await Job.query(on: db)
            .filter(\.$id == id)
            .filter(\.$status == .running)
            .filter(\.$leaseExpiresAt > now())
            .first() != nil
    }

    struct KindStats: Sendable, Equatable {
        var queued = 0
        var running = 0
        /// How long the longest-waiting due job has been due (a job deferred by the cooldown is not waiting yet).
        var oldestDueAge: TimeInterval = 0
    }

    /// Queued and running jobs per kind, for the gauges `/metrics` reports. Every kind is present (zeros when idle).
    func stats(on db: any Database) async throws -> [Kind: KindStats] {
        let now = now()
        var stats = Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, KindStats()) })
        let rows = try await sql(db).raw(
            """
            SELECT kind, status, COUNT(*) AS n, MIN(CASE WHEN run_at <= \(bind: now) THEN run_at END) AS due_since
            FROM jobs WHERE status IN (\(binds: JobStatus.pending.map(\.rawValue))) GROUP BY kind, status
            """
        ).all()
        for row in rows {
            guard let kind = Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { continue }
            let count = try row.decode(column: "n", as: Int.self)
            if try row.decode(column: "status", as: JobStatus.self) == .running {
                stats[kind]?.running = count
            } else {
                stats[kind]?.queued = count
                if let dueSince = try row.decode(column: "due_since", as: Date?.self) {
                    stats[kind]?.oldestDueAge = max(0, now.timeIntervalSince(dueSince))
                }
            }
        }
        return stats
    }

    /// Drops finished rows older than `age` (kept a while for inspection).
    func prune(olderThan age: TimeInterval, on db: any Database) async throws {
        try await Job.query(on: db)
            .filter(\.$status ~~ JobStatus.prunable)
            .filter(\.$finishedAt < now().addingTimeInterval(-age))
            .delete()
    }

    /// 2^attempt seconds × [0.5, 1.5) — full jitter keeps retries of many athletes from lining up.
    static func backoff(attempt: Int) -> TimeInterval {
        let base = pow(2, Double(min(attempt, 10)))
        return base * Double.random(in: 0.5..<1.5)
    }

    private func sql(_ db: any Database) -> any SQLDatabase { db as! any SQLDatabase }
}
