import Foundation
import Vapor

extension HomeRoutes {
    /// The answer of the admin refresh: `enqueued`, or `coalesced` into the job already queued.
    struct RefreshAccepted: Content {
        let status: String
        let athleteID: UUID
        enum CodingKeys: String, CodingKey { case status, athleteID = "athlete_id" }
    }
}
