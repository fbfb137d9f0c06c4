import Fluent
import Vapor

extension Request {
    /// A write that changes what the briefing is built from asks for a refresh, in the same transaction `db`,
    /// so the job exists exactly when the write committed. Athletes without AI consent get no job.
    func triggerBriefingRefresh(_ reason: String, athlete: Athlete, on db: any Database) async throws {
        guard athlete.aiConsent else { return }
        try await application.briefings.requestRefresh(athleteID: athlete.id!, priority: .trigger, reason: reason,
                                                       on: db, logger: logger)
    }
}
