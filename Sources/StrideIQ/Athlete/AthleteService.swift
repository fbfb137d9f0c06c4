import Fluent
import Foundation

/// The athlete's own profile, on a database and plain values (no request).
struct AthleteService: Sendable {
    let trigger: BriefingTrigger

    /// Changes only the fields sent (`display_name: null` clears it). A change of zone, units or consent asks
    /// for a new briefing, in the same write.
    func update(_ athlete: Athlete, with patch: Decoded<AthletePatch>, on db: any Database) async throws {
        let before = (athlete.timezone, athlete.units, athlete.aiConsent)
        if patch.has(.displayName) { athlete.displayName = patch.value.displayName }
        if let timezone = patch.value.timezone { athlete.timezone = timezone }
        if let units = patch.value.units { athlete.units = units }
        if let consent = patch.value.aiConsent { athlete.aiConsent = consent }
        // Zone, units and consent change what the briefing says (or whether there is one).
        let affectsBriefing = before != (athlete.timezone, athlete.units, athlete.aiConsent)
        let trigger = trigger
        try await db.write(athlete: athlete.requireID()) { db in
            try await athlete.save(on: db)
            if affectsBriefing { try await trigger.fire("profile_changed", athlete: athlete, on: db) }
        }
    }
}
