import Fluent
import Vapor

/// A write that changes what the briefing is built from asks for a refresh through this, in the same
/// transaction as the write, so the job exists exactly when the write committed. Athletes without AI consent
/// get no job.
struct BriefingTrigger: Sendable {
    let briefings: BriefingService
    /// The caller's logger (a request's carries its id).
    let logger: Logger

    func fire(_ reason: String, athlete: Athlete, on db: any Database) async throws {
        guard athlete.aiConsent else { return }
        try await briefings.requestRefresh(
            athleteID: athlete.requireID(), priority: .trigger, reason: reason,
            on: db, logger: logger)
    }
}

extension Request {
    /// The briefing trigger for the services a handler calls.
    var briefingTrigger: BriefingTrigger { BriefingTrigger(briefings: application.briefings, logger: logger) }
}
