import Foundation
import Logging
import StrideIQCore
import StrideIQSupport

/// The briefing's shared-cache state per athlete: the entry, the in-flight lock, the enqueue cooldown and the
/// circuit breaker. Key names follow the original so operators can find them.
struct BriefingCache: Sendable {
    let cache: any SharedCache
    let now: @Sendable () -> Date
    /// `BRIEFING_COOLDOWN_S` (60 s).
    var cooldown: TimeInterval = 60

    static let lockTTL: Duration = .seconds(120)
    static let circuitThreshold = 3
    static let circuitWindow: Duration = .seconds(15 * 60)

    static func entryKey(_ id: UUID) -> String { "home_briefing:\(id.uuidString.lowercased())" }
    static func lockKey(_ id: UUID) -> String { "home_briefing_lock:\(id.uuidString.lowercased())" }
    static func cooldownKey(_ id: UUID) -> String { "home_briefing_cooldown:\(id.uuidString.lowercased())" }
    static func circuitKey(_ id: UUID) -> String { "home_briefing_circuit:\(id.uuidString.lowercased())" }

    /// The last entry text read per athlete and what it decoded to: every home request reads the entry, and
    /// decoding the same text each time was a tenth of a home request's cost. A changed text decodes again.
    let decoded = Memo<UUID, String, BriefingEntry?>(capacity: HomeSnapshotCache.defaultCapacity)

    func read(_ athleteID: UUID) async throws -> BriefingEntry? {
        guard let text = try await cache.get(Self.entryKey(athleteID)) else { return nil }
        // An unreadable entry (older format, corruption) is treated as missing, never as an error.
        return decoded.value(for: athleteID, input: text) { try? JSONCoding.decoder.decode(BriefingEntry.self, from: Data($0.utf8)) }
    }

    func write(_ entry: BriefingEntry, for athleteID: UUID) async throws {
        let text = String(decoding: try JSONCoding.encoder.encode(entry), as: UTF8.self)
        try await cache.set(Self.entryKey(athleteID), text, ttl: .seconds(Int(BriefingFreshness.cacheTTL)))
    }

    /// In-flight lock: one generation per athlete at a time, across processes. Expires on its own if a worker dies.
    func acquireLock(_ athleteID: UUID, holder: String) async throws -> Bool {
        try await cache.setIfAbsent(Self.lockKey(athleteID), holder, ttl: Self.lockTTL)
    }

    func lockHolder(_ athleteID: UUID) async throws -> String? {
        try await cache.get(Self.lockKey(athleteID))
    }

    func takeOverLock(_ athleteID: UUID, holder: String) async throws {
        try await cache.set(Self.lockKey(athleteID), holder, ttl: Self.lockTTL)
    }

    func releaseLock(_ athleteID: UUID, holder: String) async {
        _ = try? await cache.deleteIfValue(Self.lockKey(athleteID), equals: holder)
    }

    /// When an enqueue may run: now, or the end of the athlete's 60 s cooldown. Starts a cooldown when none runs.
    /// A trigger inside the cooldown is deferred to its end (coalesced into the queued job), never dropped.
    func cooldownRunAt(_ athleteID: UUID) async throws -> Date? {
        let now = now()
        guard cooldown > 0 else { return nil }
        let until = now.addingTimeInterval(cooldown)
        if try await cache.setIfAbsent(Self.cooldownKey(athleteID), String(until.timeIntervalSince1970), ttl: .seconds(cooldown)) {
            return nil
        }
        let stored = try await cache.get(Self.cooldownKey(athleteID)).flatMap(Double.init)
        guard let stored else { return nil }
        let end = Date(timeIntervalSince1970: stored)
        return end > now ? end : nil
    }

    func isCircuitOpen(_ athleteID: UUID) async throws -> Bool {
        let failures = try await cache.get(Self.circuitKey(athleteID)).flatMap(Int.init) ?? 0
        return failures >= Self.circuitThreshold
    }

    /// A provider failure (a deterministic fallback counts). The window restarts on each failure, so the
    /// circuit stays open 15 minutes after the last one.
    func recordFailure(_ athleteID: UUID) async throws {
        let failures = try await cache.increment(Self.circuitKey(athleteID), windowTTL: Self.circuitWindow)
        try await cache.set(Self.circuitKey(athleteID), String(failures), ttl: Self.circuitWindow)
    }

    func recordSuccess(_ athleteID: UUID) async throws {
        try await cache.delete(Self.circuitKey(athleteID))
    }
}
