import Fluent
import Foundation
import Logging
import PostgresNIO
import StrideIQSupport
import Synchronization

/// Runs queued jobs: up to `concurrency` in flight, each with its own database access (never a request's) and
/// a job deadline. Claims are leases kept alive by a heartbeat; if this process dies they expire and the
/// jobs run elsewhere. `stop()` stops claiming, lets running jobs finish within `drain`, and releases the rest.
/// A process runs it as `StartStopService.worker`; on Postgres, `JobListenerService` wakes it when a job is committed.
final class JobWorker: Sendable {
    struct Settings: Sendable {
        var concurrency: Int
        var pollInterval: Duration = .milliseconds(250)
        var lease: TimeInterval = 60
        var jobDeadline: Duration
        /// Kinds whose jobs get another deadline than `jobDeadline` (a 1,000-file import is not a briefing).
        var deadlines: [JobQueue.Kind: Duration] = [:]
        var drain: Duration = .seconds(20)
    }

    let id: String
    private let settings: Settings
    private let database: @Sendable () -> any Database
    private let queue: JobQueue
    private let handler: @Sendable (JobQueue.ClaimedJob, any Database) async throws -> String
    private let metrics: Metrics
    private let logger: Logger
    private let wakeups: JobWakeups
    private let state = Mutex(State())

    private struct State {
        var stopping = false
        var inFlight: [UUID: (job: JobQueue.ClaimedJob, task: Task<Void, Never>)] = [:]
        var loop: Task<Void, Never>?
    }

    init(
        settings: Settings, database: @escaping @Sendable () -> any Database, queue: JobQueue, metrics: Metrics,
        logger: Logger, wakeups: JobWakeups = JobWakeups(),
        handler: @escaping @Sendable (JobQueue.ClaimedJob, any Database) async throws -> String
    ) {
        self.id = "worker-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        self.settings = settings
        self.database = database
        self.queue = queue
        self.metrics = metrics
        self.logger = logger
        self.handler = handler
        self.wakeups = wakeups
    }

    func start() {
        let task = Task { await self.loop() }
        state.withLock { $0.loop = task }
        logger.info("worker started", metadata: ["worker": "\(id)", "concurrency": "\(settings.concurrency)"])
    }

    var inFlightCount: Int { state.withLock { $0.inFlight.count } }

    /// Claims and starts due jobs once; returns how many started. The loop calls it; tests may too.
    @discardableResult
    func pollOnce() async -> Int {
        let free = state.withLock { $0.stopping ? 0 : settings.concurrency - $0.inFlight.count }
        guard free > 0 else { return 0 }
        let db = database()
        let claimed: [JobQueue.ClaimedJob]
        do {
            claimed = try await queue.claim(worker: id, limit: free, lease: settings.lease, on: db)
        } catch {
            logger.warning("job claim failed", metadata: ["error": "\(error)"])
            return 0
        }
        for job in claimed {
            let task = Task { await self.execute(job) }
            state.withLock { $0.inFlight[job.id] = (job, task) }
        }
        return claimed.count
    }

    private func loop() async {
        while !state.withLock({ $0.stopping }) && !Task.isCancelled {
            let started = await pollOnce()
            if started == 0 { await wakeups.wait(upTo: settings.pollInterval) }
        }
    }

    private func execute(_ job: JobQueue.ClaimedJob) async {
        let db = database()
        let clock = ContinuousClock()
        let start = clock.now
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(settings.lease / 3))
                if Task.isCancelled { break }
                try? await queue.heartbeat(job, worker: id, lease: settings.lease, on: db)
            }
        }
        defer {
            heartbeat.cancel()
            _ = state.withLock { $0.inFlight.removeValue(forKey: job.id) }
            wakeups.signal()  // a slot is free, and a follow-up may now be claimable
        }
        let kind = job.kind.rawValue
        let outcome: String
        do {
            let result = try await withDeadline(settings.deadlines[job.kind] ?? settings.jobDeadline) { try await self.handler(job, db) }
            try await queue.complete(job, worker: id, on: db)
            outcome = "succeeded"
            metrics.jobResult(kind: kind, result: result)
        } catch is CancellationError where state.withLock({ $0.stopping }) {
            try? await queue.release(job, worker: id, on: db)
            outcome = "released"
        } catch {
            let message = error is DeadlineExceeded ? "job_deadline: \(error)" : "\(error)"
            outcome = (try? await queue.fail(job, worker: id, error: message, on: db))?.rawValue ?? "fail_unrecorded"
            logger.warning(
                "job failed", metadata: ["job": "\(job.id)", "attempt": "\(job.attempt)", "outcome": "\(outcome)", "error": "\(message)"])
        }
        metrics.jobFinished(kind: kind, outcome: outcome, duration: clock.now - start)
    }

    /// Stops claiming; waits up to `drain` for running jobs; cancels and releases whatever is left.
    func stop() async {
        let loop = state.withLock { s -> Task<Void, Never>? in
            s.stopping = true
            return s.loop
        }
        loop?.cancel()
        wakeups.signal()
        let deadline = ContinuousClock.now + settings.drain
        while inFlightCount > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let leftovers = state.withLock { $0.inFlight.values.map { $0 } }
        for (job, task) in leftovers {
            task.cancel()
            try? await queue.release(job, worker: id, on: database())
        }
        logger.info("worker stopped", metadata: ["worker": "\(id)", "released": "\(leftovers.count)"])
    }
}
