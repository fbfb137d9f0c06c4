import Fluent
import Foundation
import LLM
import Logging
import StrideIQCore
import StrideIQSupport

/// The briefing job: builds the facts, asks the model (provider timeout inside the job deadline), validates
/// the answer and writes the cache. Falls back to the deterministic briefing — unless a good model briefing
/// is already cached, which is kept. Idempotent: the same data with a fresh model briefing makes no call.
struct BriefingGenerator: Sendable {
    let cache: BriefingCache
    let provider: any LLMProvider
    /// Call-site deadline for the whole job (`BRIEFING_JOB_TIMEOUT_S`); the provider's own client timeout
    /// (`BRIEFING_PROVIDER_TIMEOUT_S`) is shorter.
    let jobDeadline: Duration
    let metrics: Metrics
    let now: @Sendable () -> Date

    /// The analytics refresh before a briefing gets at most 1/4 of the job's deadline, and never more than 2 s.
    static let analyticsRefreshShare = 4
    static let analyticsRefreshLimit: Duration = .seconds(2)

    enum Outcome: String, Sendable, CaseIterable {
        case llm, unchanged, restamped, deterministic
        case keptPrevious = "kept_previous"
        case skipped
    }

    /// A failed attempt: the job is retried (backoff) and, after the last attempt, dead with this reason.
    struct Failed: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// - Parameter jobID: the claimed job; it holds the athlete's in-flight lock while it runs.
    func run(athleteID: UUID, jobID: UUID, queue: JobQueue, db: any Database, logger: Logger) async throws -> Outcome {
        let start = ContinuousClock.now
        let deadline = start + jobDeadline
        let holder = jobID.uuidString
        if try await !cache.acquireLock(athleteID, holder: holder) {
            // The database lease is the source of truth: a lock whose holder is no longer a live running job
            // belongs to a worker that died (kill -9) and is taken over instead of blocking for its full TTL.
            let current = try await cache.lockHolder(athleteID)
            if let current, current != holder, let other = UUID(uuidString: current),
                try await queue.isRunningWithLiveLease(other, on: db)
            {
                throw Failed(reason: "lock_held: job \(other) for this athlete is in flight")
            }
            try await cache.takeOverLock(athleteID, holder: holder)
            logger.notice("took over the briefing lock of a job that is no longer running", metadata: ["athlete_id": "\(athleteID)"])
        }
        defer { Task { await cache.releaseLock(athleteID, holder: holder) } }

        guard let athlete = try await Athlete.find(athleteID, on: db) else { return .skipped }
        guard athlete.aiConsent else { return .skipped }
        // The write that asked for this briefing also queued an analytics job: run it now if it has not run yet,
        // so the briefing cites figures that include that write. It gets at most `analyticsRefreshShare` of the
        // job's time (an incremental recompute takes milliseconds; the provider must keep its budget). A failure
        // or a timeout leaves the stored figures, which are still true of the data before the write.
        let service = AnalyticsService(now: now)
        do {
            _ = try await withDeadline(min(jobDeadline / Self.analyticsRefreshShare, Self.analyticsRefreshLimit)) {
                try await service.refreshIfNeeded(athleteID: athleteID, on: db)
            }
        } catch {
            logger.warning("briefing: analytics refresh failed; using the stored figures", metadata: ["error": "\(error)"])
        }
        let now = now()
        let facts = try await HomeFactsLoader.load(athlete: athlete, now: now, on: db)
        let home = HomeBuilder.build(facts)
        let fingerprint = BriefingFingerprint.compute(facts: facts)
        let existing = try await cache.read(athleteID)

        if let existing, existing.isGoodLLM, existing.dataFingerprint == fingerprint {
            switch BriefingFreshness.age(of: existing, now: now) {
            case .fresh:
                return .unchanged
            case .stale:
                var restamped = existing
                restamped.generatedAt = now
                restamped.expiresAt = now.addingTimeInterval(BriefingFreshness.cacheTTL)
                try await cache.write(restamped, for: athleteID)
                return .restamped
            case .expired:
                break
            }
        }

        let requirements = BriefingWriter.Requirements(home: home)
        let factLines = BriefingWriter.facts(facts, home: home)
        let deterministic = BriefingWriter.deterministic(facts, home: home)

        if provider.descriptor.kind == .offline {
            // No model configured: the deterministic briefing is the briefing (not a stand-in), and says so.
            try await cache.write(
                BriefingEntry(
                    payload: deterministic, generatedAt: now, sourceModel: "offline",
                    briefingSource: .deterministic, isInterim: false, dataFingerprint: fingerprint,
                    fallbackReason: "no_llm_configured"), for: athleteID)
            return .deterministic
        }
        if try await cache.isCircuitOpen(athleteID) {
            return try await fallBack(
                existing: existing, deterministic: deterministic, fingerprint: fingerprint,
                reason: "circuit_open", athleteID: athleteID, now: now)
        }

        let request = ChatRequest(
            messages: [.system(BriefingWriter.systemPrompt(requirements: requirements)), .user(factLines.joined(separator: "\n"))],
            maxTokens: 700, temperature: 0.3, wantsJSON: true, facts: factLines)
        do {
            let completion = try await provider.complete(request, deadline: deadline)
            let payload = try BriefingWriter.validate(answer: completion.text, requirements: requirements)
            // The model that answered: the fallback's when the primary failed before its first token.
            try await cache.write(
                BriefingEntry(
                    payload: payload, generatedAt: now, sourceModel: completion.model,
                    briefingSource: .llm, isInterim: false, dataFingerprint: fingerprint), for: athleteID)
            try? await cache.recordSuccess(athleteID)
            return .llm
        } catch {
            let reason = Self.failureReason(error)
            metrics.briefingFailure(reason: reason)
            logger.warning("briefing provider failed", metadata: ["athlete_id": "\(athleteID)", "reason": "\(reason)"])
            try? await cache.recordFailure(athleteID)
            _ = try await fallBack(
                existing: existing, deterministic: deterministic, fingerprint: fingerprint,
                reason: reason, athleteID: athleteID, now: now)
            throw Failed(reason: reason)
        }
    }

    /// Keeps a good model briefing if one is cached; otherwise writes the deterministic one, marked interim.
    private func fallBack(
        existing: BriefingEntry?, deterministic: BriefingPayload, fingerprint: String, reason: String,
        athleteID: UUID, now: Date
    ) async throws -> Outcome {
        if let existing, existing.isGoodLLM, BriefingFreshness.age(of: existing, now: now) != .expired {
            return .keptPrevious
        }
        try await cache.write(
            BriefingEntry(
                payload: deterministic, generatedAt: now, sourceModel: "deterministic",
                briefingSource: .deterministic, isInterim: true, dataFingerprint: fingerprint,
                fallbackReason: reason), for: athleteID)
        return .deterministic
    }

    static func failureReason(_ error: any Error) -> String {
        switch error {
        case let error as LLMError: "provider_" + error.code
        case let error as BriefingWriter.ContractError: "invalid_answer: \(error)"
        case is DeadlineExceeded: "job_deadline"
        default: "error: \(type(of: error))"
        }
    }
}
