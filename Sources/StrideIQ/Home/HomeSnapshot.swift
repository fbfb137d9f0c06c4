import Foundation
import StrideIQCore
import Synchronization

/// The deterministic part of one athlete's home, with what it was built from and the span of time it holds for.
///
/// `HomeBuilder.build` is a pure function of the facts (the athlete's rows, zone and units, and the stored
/// analytics document, which the analytics job writes through `write(athlete:)`, so it raises the version like
/// any other write; its load is carried to the local day, which the snapshot's span fixes) and of two things
/// it reads from the clock: the athlete's local day (today, yesterday, the week, the countdown, today's check-in
/// and workout, days since the last run) and whether the latest run is within `HomeBuilder.lastRunWindow`
/// (`last_run`). So a snapshot answers for any instant on the same local day with the same side of that run's
/// window, and for data at the same `data_version`; every other request builds a new one from the database.
struct HomeSnapshot: Sendable {
    let athleteID: UUID
    /// `athletes.data_version` read before the facts were loaded: the facts hold every write up to it.
    let dataVersion: Int64
    /// The athlete's `timezone` and `units` as stored (a profile change also raises the version; keying on them
    /// too costs nothing).
    let timeZone: String
    let units: Units
    let home: HomePayload
    /// `home` encoded once, here, for every hit to reuse (nil only if encoding failed; the hit then encodes).
    let homeJSON: Data?
    /// `BriefingFingerprint` of the facts: the briefing read compares the cached briefing against it.
    let fingerprint: String
    /// The local day it was built on, `[dayStart, nextDayStart)`.
    let dayStart: Date
    let nextDayStart: Date
    /// The latest run's start, and whether `last_run` showed it.
    let latestRunStart: Date?
    let lastRunShown: Bool

    /// Nil when the day's bounds do not contain `facts.now` (a calendar oddity): that request is not cached.
    init?(athleteID: UUID, dataVersion: Int64, timeZone: String, facts: HomeFacts, home: HomePayload, fingerprint: String) {
        let today = facts.today
        let dayStart = today.start(in: facts.timeZone)
        let nextDayStart = today.adding(days: 1).start(in: facts.timeZone)
        guard dayStart <= facts.now, facts.now < nextDayStart,
            LocalDate(dayStart, in: facts.timeZone) == today,
            LocalDate(nextDayStart, in: facts.timeZone) == today.adding(days: 1)
        else { return nil }
        self.athleteID = athleteID
        self.dataVersion = dataVersion
        self.timeZone = timeZone
        self.units = facts.units
        self.home = home
        self.homeJSON = try? JSONCoding.encoder.encode(home)
        self.fingerprint = fingerprint
        self.dayStart = dayStart
        self.nextDayStart = nextDayStart
        self.latestRunStart = facts.latestRun?.startTime
        self.lastRunShown = Self.showsLastRun(start: facts.latestRun?.startTime, at: facts.now)
    }

    /// `HomeBuilder.lastRun`'s own test, so the two cannot disagree at the boundary.
    static func showsLastRun(start: Date?, at now: Date) -> Bool {
        guard let start else { return false }
        return now.timeIntervalSince(start) <= HomeBuilder.lastRunWindow
    }

    /// Whether building at `now` would give this payload again. Checked both ways, so a clock that moves back
    /// (a test's, or a corrected one) is safe too.
    func holds(at now: Date) -> Bool {
        dayStart <= now && now < nextDayStart && Self.showsLastRun(start: latestRunStart, at: now) == lastRunShown
    }

    /// The first instant it no longer holds for (reading forward): the next local midnight, or the moment the
    /// shown last run becomes older than the window, whichever comes first.
    var validUntil: Date {
        guard lastRunShown, let start = latestRunStart else { return nextDayStart }
        return min(nextDayStart, start.addingTimeInterval(HomeBuilder.lastRunWindow).nextUp)
    }

    /// Whether it was built from this athlete row's data, zone and units.
    func matches(_ athlete: Athlete) -> Bool {
        athlete.id == athleteID && athlete.dataVersion == dataVersion && athlete.timezone == timeZone
            && athlete.units == units
    }
}

extension Date {
    fileprivate var nextUp: Date { Date(timeIntervalSinceReferenceDate: timeIntervalSinceReferenceDate.nextUp) }
}

/// This process's home snapshots, one per athlete, at most `capacity` athletes (least recently used leave first).
///
/// Not a second source of truth: an entry is used only when the athlete row this request loaded has the version
/// it was built at (`HomeSnapshot.matches`) and the clock is still inside its span (`HomeSnapshot.holds`). A
/// write anywhere (this process, another api replica, the worker) raises the version in its own transaction, so
/// the next request after it misses and reads the database. Nothing is shared between processes and nothing
/// survives a restart: a process that has not seen an athlete just builds.
final class HomeSnapshotCache: Sendable {
    /// About 10,000 daily athletes per api process; a snapshot is a few kilobytes.
    static let defaultCapacity = 10_000

    let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var entries: [UUID: (snapshot: HomeSnapshot, used: UInt64)] = [:]
        var tick: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    init(capacity: Int = HomeSnapshotCache.defaultCapacity) {
        precondition(capacity > 0)
        self.capacity = capacity
        state = Mutex(State())
    }

    /// The athlete's snapshot if it is still exactly what a build at `now` from the athlete's data would give.
    func lookup(_ athlete: Athlete, at now: Date) -> HomeSnapshot? {
        guard let id = athlete.id else { return nil }
        return state.withLock { state in
            guard let slot = state.entries[id], slot.snapshot.matches(athlete), slot.snapshot.holds(at: now) else {
                state.misses += 1
                return nil
            }
            state.tick += 1
            state.entries[id] = (slot.snapshot, state.tick)
            state.hits += 1
            return slot.snapshot
        }
    }

    /// Keeps `snapshot` as the athlete's (replacing any older one). Past capacity, the least recently used
    /// eighth goes at once, so the sort that finds them runs once per `capacity / 8` new athletes.
    func store(_ snapshot: HomeSnapshot) {
        let capacity = capacity
        state.withLock { state in
            state.tick += 1
            state.entries[snapshot.athleteID] = (snapshot, state.tick)
            guard state.entries.count > capacity else { return }
            let excess = state.entries.count - capacity + max(0, capacity / 8 - 1)
            let oldest = state.entries.sorted { $0.value.used < $1.value.used }.prefix(excess).map(\.key)
            for id in oldest { state.entries.removeValue(forKey: id) }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
    var hits: Int { state.withLock { $0.hits } }
    var misses: Int { state.withLock { $0.misses } }
}
