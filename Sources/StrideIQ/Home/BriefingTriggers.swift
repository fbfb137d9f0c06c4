import Fluent
import Vapor

/// The one trigger every write that changes an athlete's training data calls (activities created, imported,
/// edited or deleted; check-ins; plans and workouts; the profile), in the same transaction as the write, so the
/// jobs exist exactly when the write committed:
/// - the analytics recompute (`JobQueue.Kind.analytics`), for every athlete: it is arithmetic on their own data
///   and needs no consent. Queued jobs coalesce per athlete, so a burst of writes is one recompute.
/// - a briefing refresh, only for athletes with AI consent.
struct BriefingTrigger: Sendable {
    let briefings: BriefingService
    /// The caller's logger (a request's carries its id).
    let logger: Logger

    func fire(_ reason: String, athlete: Athlete, on db: any Database) async throws {
        let athleteID = try athlete.requireID()
        try await briefings.queue.enqueue(.analytics, athleteID: athleteID, priority: .trigger, reason: reason, on: db)
        guard athlete.aiConsent else { return }
        try await briefings.requestRefresh(
            athleteID: athleteID, priority: .trigger, reason: reason,
            on: db, logger: logger)
    }
}

extension Request {
    /// The trigger for the services a handler calls.
    var briefingTrigger: BriefingTrigger { BriefingTrigger(briefings: application.briefings, logger: logger) }
}
