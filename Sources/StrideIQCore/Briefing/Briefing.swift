import Foundation

/// The coach briefing shown on the home screen: one to three sentences per field.
public struct BriefingPayload: Codable, Sendable, Equatable {
    public var morningVoice: String
    public var coachNoticed: String
    public var todayContext: String
    public var weekAssessment: String
    @Nullable
    public var checkinReaction: String?
    @Nullable
    public var raceAssessment: String?
    @Nullable
    public var workoutWhy: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case morningVoice = "morning_voice", coachNoticed = "coach_noticed", todayContext = "today_context"
        case weekAssessment = "week_assessment", checkinReaction = "checkin_reaction", raceAssessment = "race_assessment"
        case workoutWhy = "workout_why"
    }

    public init(
        morningVoice: String, coachNoticed: String, todayContext: String, weekAssessment: String,
        checkinReaction: String?, raceAssessment: String?, workoutWhy: String?
    ) {
        self.morningVoice = morningVoice
        self.coachNoticed = coachNoticed
        self.todayContext = todayContext
        self.weekAssessment = weekAssessment
        self.checkinReaction = checkinReaction
        self.raceAssessment = raceAssessment
        self.workoutWhy = workoutWhy
    }
}

public enum BriefingSource: String, Codable, Sendable { case llm, deterministic }

/// `briefing_state` of `/v1/home`; always present.
public enum BriefingState: String, Codable, Sendable, CaseIterable {
    case fresh, stale, missing, refreshing
    case consentRequired = "consent_required"
}

/// One cached briefing per athlete.
public struct BriefingEntry: Codable, Sendable, Equatable {
    public static let currentVersion = 1
    public var payload: BriefingPayload
    public var generatedAt: Date
    public var expiresAt: Date
    public var sourceModel: String
    public var briefingSource: BriefingSource
    public var isInterim: Bool
    public var version: Int
    public var dataFingerprint: String
    /// Why no model wrote it (`no_llm_configured`, `circuit_open`, `provider_timeout`, …); nil for a model's briefing.
    public var fallbackReason: String?

    enum CodingKeys: String, CodingKey {
        case payload, version
        case generatedAt = "generated_at", expiresAt = "expires_at", sourceModel = "source_model"
        case briefingSource = "briefing_source", isInterim = "is_interim", dataFingerprint = "data_fingerprint"
        case fallbackReason = "fallback_reason"
    }

    public init(
        payload: BriefingPayload, generatedAt: Date, sourceModel: String, briefingSource: BriefingSource,
        isInterim: Bool, dataFingerprint: String, fallbackReason: String? = nil,
        ttl: TimeInterval = BriefingFreshness.cacheTTL
    ) {
        self.payload = payload
        self.generatedAt = generatedAt
        self.expiresAt = generatedAt.addingTimeInterval(ttl)
        self.sourceModel = sourceModel
        self.briefingSource = briefingSource
        self.isInterim = isInterim
        self.version = Self.currentVersion
        self.dataFingerprint = dataFingerprint
        self.fallbackReason = fallbackReason
    }

    /// A real model's briefing, not a stand-in.
    public var isGoodLLM: Bool { briefingSource == .llm && !isInterim }
}

/// How old a briefing may be: fresh < 15 min ≤ stale < 60 min ≤ missing.
public enum BriefingFreshness {
    public static let freshFor: TimeInterval = 15 * 60
    public static let staleUntil: TimeInterval = 60 * 60
    public static let cacheTTL: TimeInterval = 3600

    public enum Age: Sendable, Equatable { case fresh, stale, expired }

    public static func age(of entry: BriefingEntry, now: Date) -> Age {
        let age = now.timeIntervalSince(entry.generatedAt)
        return age < freshFor ? .fresh : age < staleUntil ? .stale : .expired
    }

    /// The state to report, and the entry to show (nil when there is none worth showing).
    /// - An entry built from other data than the athlete's current data is never `fresh`.
    /// - While a job for the athlete is queued or running and the entry is not fresh for the current data, the
    ///   state is `refreshing` (the last entry still shows). A fresh entry stays `fresh`: a pending job (say, the
    ///   scheduler's) cannot improve it, and clients stop polling on `fresh`.
    public static func state(
        entry: BriefingEntry?, currentFingerprint: String, jobPending: Bool, consent: Bool,
        now: Date
    ) -> (BriefingState, BriefingEntry?) {
        guard consent else { return (.consentRequired, nil) }
        var shown: BriefingEntry?
        var state = BriefingState.missing
        if let entry, entry.version == BriefingEntry.currentVersion {
            switch age(of: entry, now: now) {
            case .fresh:
                shown = entry
                state = entry.dataFingerprint == currentFingerprint ? .fresh : .stale
            case .stale:
                shown = entry
                state = .stale
            case .expired:
                break
            }
        }
        if jobPending && state != .fresh { state = .refreshing }
        return (state, shown)
    }

    /// Whether a read should ask for a refresh (it never waits for one).
    public static func needsRefresh(entry: BriefingEntry?, currentFingerprint: String, now: Date) -> Bool {
        guard let entry, entry.version == BriefingEntry.currentVersion else { return true }
        return age(of: entry, now: now) != .fresh || entry.dataFingerprint != currentFingerprint || entry.isInterim
    }
}

/// A short digest of the data a briefing depends on. A change in any input gives a new fingerprint.
public enum BriefingFingerprint {
    public static func compute(facts: HomeFacts) -> String {
        var parts = [
            "v1",
            facts.today.description,
            facts.timeZone.identifier,
            facts.units.rawValue,
            "count:\(facts.totalActivities)",
        ]
        if let run = facts.latestRun { parts.append("run:\(run.id.uuidString):\(run.startTime.timeIntervalSince1970)") }
        if let c = facts.todayCheckin { parts.append("checkin:\(c.id.uuidString):\(c.updatedAt?.timeIntervalSince1970 ?? 0)") }
        if let p = facts.plan { parts.append("plan:\(p.id.uuidString):\(p.updatedAt?.timeIntervalSince1970 ?? 0)") }
        // The stored figures the briefing cites, as it words them (so a recompute that changes no figure it shows
        // asks for no new briefing).
        let picture = facts.picture
        if let load = picture.load {
            parts.append("load:\(LoadReading.signed(load.day.form)):\(load.tsbContext):\(LoadReading.signed(load.rampRate))")
            parts.append(String(format: "acwr:%.2f", load.acuteChronicRatio ?? -1))
        }
        if let fitness = picture.fitness { parts.append(String(format: "vdot:%.1f", fitness.vdot)) }
        if let report = picture.whatWorks { parts.append("findings:" + report.findings.map(\.sentence).joined(separator: "/")) }
        if let trend = picture.efficiency { parts.append("efficiency:\(trend.direction)") }
        parts.append("records:\(picture.records.count):\(picture.records.map(\.date).max()?.description ?? "")")
        return fnv1a64(parts.joined(separator: "|"))
    }

    /// FNV-1a, 64 bit, hex: change detection, not security.
    static func fnv1a64(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }
}

extension String {
    func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
