import Fluent
import Foundation
import Logging
import SQLKit
import Synchronization

/// Every `interval`, asks for a briefing refresh for every athlete active in the last 24 h (recorded an
/// activity *or* used the app) who allows AI. A leader lease in the database makes running two schedulers
/// safe: only the holder ticks, and a tick is recorded so leadership changes cannot double a tick.
final class BriefingScheduler: Sendable {
    static let leaseName = "briefing_scheduler"
    static let activeWindow: TimeInterval = 24 * 3600

    let id: String
    private let interval: TimeInterval
    private let database: @Sendable () -> any Database
    private let briefings: BriefingService
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let loop = Mutex<Task<Void, Never>?>(nil)

    init(
        interval: TimeInterval, database: @escaping @Sendable () -> any Database, briefings: BriefingService,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.id = "scheduler-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        self.interval = interval
        self.database = database
        self.briefings = briefings
        self.now = now
        self.logger = logger
    }

    /// How often leadership and due-ness are checked (a tick itself happens once per `interval`).
    var checkPeriod: TimeInterval { min(interval, 30) }

    func start() {
        let task = Task {
            while !Task.isCancelled {
                do { _ = try await self.tickIfLeader() } catch {
                    self.logger.warning("scheduler tick failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(self.checkPeriod))
            }
        }
        loop.withLock { $0 = task }
        logger.info("scheduler started", metadata: ["scheduler": "\(id)", "interval_s": "\(interval)"])
    }

    func stop() { loop.withLock { $0?.cancel() } }

    /// Runs one tick if this instance holds the lease and a tick is due. Returns the number of athletes
    /// enqueued, or nil when it did not tick.
    func tickIfLeader() async throws -> Int? {
        let db = database()
        guard try await acquireLease(on: db), try await claimTick(on: db) else { return nil }
        let since = now().addingTimeInterval(-Self.activeWindow)
        let rows = try await (db as! any SQLDatabase).raw(
            """
            SELECT a.id FROM athletes a
            WHERE a.ai_consent = \(bind: true)
              AND (a.last_seen_at >= \(bind: since)
                   OR EXISTS (SELECT 1 FROM activities x WHERE x.athlete_id = a.id AND x.created_at >= \(bind: since)))
            """
        ).all()
        var count = 0
        for row in rows {
            let athleteID = try row.decode(column: "id", as: UUID.self)
            try await briefings.requestRefresh(athleteID: athleteID, priority: .scheduled, reason: "scheduled", on: db, logger: logger)
            count += 1
        }
        // Once a day per athlete with an active plan: the nightly plan adaptation (it only proposes).
        let adaptations = try await PlanAdaptationService.enqueueNightly(queue: briefings.queue, now: now(), on: db)
        // Once a day per athlete with figures: the date-dependent ones move on (`AnalyticsService.dailyGap`).
        let recomputes = try await AnalyticsService.enqueueDaily(queue: briefings.queue, now: now(), on: db)
        logger.info(
            "scheduler tick",
            metadata: ["athletes": "\(count)", "plan_adaptations": "\(adaptations)", "analytics": "\(recomputes)"])
        return count
    }

    /// Takes or renews the lease (it lasts three check periods, so a dead leader is replaced quickly).
    private func acquireLease(on db: any Database) async throws -> Bool {
        let now = now()
        let rows = try await (db as! any SQLDatabase).raw(
            """
            INSERT INTO leases (name, holder, expires_at) VALUES (\(bind: Self.leaseName), \(bind: id), \(bind: now.addingTimeInterval(checkPeriod * 3)))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.expires_at <= \(bind: now) OR leases.holder = excluded.holder
            RETURNING holder
            """
        ).all()
        return try rows.first?.decode(column: "holder", as: String.self) == id
    }

    /// Records this tick unless one happened less than `interval` ago.
    private func claimTick(on db: any Database) async throws -> Bool {
        let now = now()
        let rows = try await (db as! any SQLDatabase).raw(
            """
            UPDATE leases SET last_tick_at = \(bind: now)
            WHERE name = \(bind: Self.leaseName) AND holder = \(bind: id)
              AND (last_tick_at IS NULL OR last_tick_at <= \(bind: now.addingTimeInterval(-interval + 0.5)))
            RETURNING name
            """
        ).all()
        return !rows.isEmpty
    }
}
