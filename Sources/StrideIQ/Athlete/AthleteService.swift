import Fluent
import Foundation
import StrideIQCore

/// The athlete's own profile, on a database and plain values (no request).
struct AthleteService: Sendable {
    let trigger: BriefingTrigger
    let now: @Sendable () -> Date

    /// Changes only the fields sent (`display_name: null` clears it, as do `null` heart-rate anchors and
    /// threshold pace). A change of zone, units, consent or of what the load model uses (max/resting heart rate,
    /// threshold pace) fires the trigger in the same write: a new briefing, and the analytics recompute.
    func update(_ athlete: Athlete, with patch: Decoded<AthletePatch>, on db: any Database) async throws {
        let before = Snapshot(athlete)
        if patch.has(.displayName) { athlete.displayName = patch.value.displayName }
        if let timezone = patch.value.timezone { athlete.timezone = timezone }
        if let units = patch.value.units { athlete.units = units }
        if patch.has(.maxHR) { athlete.maxHR = patch.value.maxHR }
        if patch.has(.restingHR) { athlete.restingHR = patch.value.restingHR }
        if patch.has(.thresholdPaceSPerKm) { athlete.thresholdPaceSPerKm = patch.value.thresholdPaceSPerKm }
        let consentChanged = patch.value.aiConsent.map { $0 != athlete.aiConsent } ?? false
        if let consent = patch.value.aiConsent { Self.switchConsent(athlete, to: consent, now: now()) }
        let affectsTraining = before != Snapshot(athlete)
        let trigger = trigger
        let now = now()
        try await db.write(athlete: athlete.requireID()) { db in
            try await athlete.save(on: db)
            if consentChanged, let consent = patch.value.aiConsent {
                try await Self.audit(athlete, granted: consent, source: "profile", now: now, on: db)
            }
            if affectsTraining { try await trigger.fire("profile_changed", athlete: athlete, on: db) }
        }
    }

    /// `POST /v1/consent/ai`: the same switch as the profile's `ai_consent`. Every call is audited (the
    /// original's contract), a repeat of the current state too; only a change fires the trigger.
    func setConsent(_ athlete: Athlete, granted: Bool, source: String, on db: any Database) async throws {
        let now = now()
        let changed = granted != athlete.aiConsent
        Self.switchConsent(athlete, to: granted, now: now)
        let trigger = trigger
        try await db.write(athlete: athlete.requireID()) { db in
            try await athlete.save(on: db)
            try await Self.audit(athlete, granted: granted, source: source, now: now, on: db)
            if changed { try await trigger.fire("profile_changed", athlete: athlete, on: db) }
        }
    }

    /// Grant: on, granted now, no revocation. Revoke: off, revoked now, the grant's time kept. Setting the
    /// current state again changes nothing.
    private static func switchConsent(_ athlete: Athlete, to granted: Bool, now: Date) {
        guard granted != athlete.aiConsent else { return }
        athlete.aiConsent = granted
        if granted {
            athlete.aiConsentGrantedAt = now
            athlete.aiConsentRevokedAt = nil
        } else {
            athlete.aiConsentRevokedAt = now
        }
    }

    /// One `audit_log` row per consent call: action `ai_consent_granted` / `ai_consent_revoked`, result = the
    /// (allow-listed) source.
    private static func audit(_ athlete: Athlete, granted: Bool, source: String, now: Date, on db: any Database)
        async throws
    {
        let id = try athlete.requireID()
        try await AuditLog.record(
            actor: id, action: granted ? "ai_consent_granted" : "ai_consent_revoked", target: id, result: source,
            now: now, on: db)
    }

    /// What a profile change must be compared on to know whether the briefing or the analytics change.
    private struct Snapshot: Equatable {
        let timezone: String
        let units: Units
        let aiConsent: Bool
        let maxHR: Int?
        let restingHR: Int?
        let thresholdPaceSPerKm: Double?

        init(_ a: Athlete) {
            timezone = a.timezone
            units = a.units
            aiConsent = a.aiConsent
            maxHR = a.maxHR
            restingHR = a.restingHR
            thresholdPaceSPerKm = a.thresholdPaceSPerKm
        }
    }
}
