import Fluent
import Foundation
import LLM
import Logging
import StrideIQCore
import StrideIQSupport

/// Everything about the precomputed briefing except running the job: asking for a refresh (in the caller's
/// transaction) and reading what is cached. Reads never wait for a job or a provider.
struct BriefingService: Sendable {
    let cache: BriefingCache
    let queue: JobQueue
    let metrics: Metrics
    /// The last briefing view encoded per athlete and its JSON (`/v1/home` writes it on every request; the view
    /// changes only when the entry or its state does).
    let encodedViews = Memo<UUID, BriefingView, Data>(capacity: HomeSnapshotCache.defaultCapacity)

    /// `view` as `JSONCoding.encoder` writes it.
    func json(of view: BriefingView, for athleteID: UUID) throws -> Data {
        try encodedViews.value(for: athleteID, input: view) { try JSONCoding.encoder.encode($0) }
    }

    /// What an enqueue did, for the `briefing_enqueue_total{result}` counter.
    enum EnqueueOutcome: String, Sendable {
        case enqueued, coalesced
        /// Deferred to the end of the athlete's 60 s cooldown (queued, not dropped).
        case cooldown
        /// Queued, but the circuit is open: the job will write the deterministic briefing without a provider call.
        case circuitOpen = "circuit_open"
    }

    /// Asks for a refresh. Run it inside the transaction of the write that triggered it, so the job exists if
    /// and only if the write committed. Cache trouble never blocks the enqueue (cooldown and circuit fail open).
    @discardableResult
    func requestRefresh(
        athleteID: UUID, priority: JobQueue.Priority, reason: String, on db: any Database,
        logger: Logger
    ) async throws -> EnqueueOutcome {
        var runAt: Date?
        var circuitOpen = false
        do {
            runAt = try await cache.cooldownRunAt(athleteID)
            circuitOpen = try await cache.isCircuitOpen(athleteID)
        } catch {
            logger.warning("briefing cooldown/circuit check skipped: cache unavailable", metadata: ["error": "\(error)"])
        }
        let result = try await queue.enqueue(.briefing, athleteID: athleteID, priority: priority, reason: reason, runAt: runAt, on: db)
        let outcome: EnqueueOutcome = circuitOpen ? .circuitOpen : runAt != nil ? .cooldown : result == .coalesced ? .coalesced : .enqueued
        metrics.briefingEnqueue(result: outcome.rawValue, reason: reason)
        return outcome
    }

    /// The briefing fields of `/v1/home` for data with this `BriefingFingerprint`. Cache or queue failures give
    /// `missing`, not an error. Asks for a refresh (high priority, fire-and-forget) when the entry is not fresh
    /// for the current data.
    ///
    /// The queue is asked whether a job is pending only when the entry is not fresh for the data: a fresh entry
    /// is `fresh` whatever is queued (`BriefingFreshness.state`) and asks for nothing, so the common read costs
    /// one cache lookup and no query (`db` is only asked for when a query runs).
    ///
    /// The cache lookup is bounded by the cache itself, not by a deadline here: Redis by the client's command
    /// timeout (`REDIS_COMMAND_TIMEOUT_MS`, 500 ms) and then its circuit breaker, the memory cache by never
    /// waiting. A deadline task around it cost two tasks and a timer per home request, a few percent of one.
    func read(
        athlete: Athlete, fingerprint: String, now: Date, db: @autoclosure () -> any Database, logger: Logger
    ) async -> BriefingView {
        let athleteID = athlete.id!
        guard athlete.aiConsent else {
            metrics.briefingStateServed(BriefingState.consentRequired.rawValue)
            return BriefingView(state: .consentRequired, entry: nil)
        }
        var entry: BriefingEntry?
        var pending = false
        var needsRefresh = true
        do {
            entry = try await cache.read(athleteID)
            needsRefresh = BriefingFreshness.needsRefresh(entry: entry, currentFingerprint: fingerprint, now: now)
            if needsRefresh {
                let db = db()
                pending = try await withDeadline(.milliseconds(500)) { try await queue.isPending(.briefing, athleteID: athleteID, on: db) }
            }
        } catch {
            logger.warning("briefing read degraded to missing", metadata: ["error": "\(error)"])
            metrics.briefingStateServed(BriefingState.missing.rawValue)
            return BriefingView(state: .missing, entry: nil)
        }
        var (state, shown) = BriefingFreshness.state(
            entry: entry, currentFingerprint: fingerprint, jobPending: pending,
            consent: true, now: now)
        if !pending && needsRefresh {
            let db = db()
            do {
                _ = try await withDeadline(.milliseconds(500)) {
                    try await requestRefresh(athleteID: athleteID, priority: .pageView, reason: "page_view", on: db, logger: logger)
                }
                state = .refreshing
            } catch {
                logger.warning("briefing refresh not enqueued", metadata: ["error": "\(error)"])
            }
        }
        metrics.briefingStateServed(state.rawValue)
        return BriefingView(state: state, entry: shown)
    }
}
