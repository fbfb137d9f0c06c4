import Fluent
import Foundation
import SQLKit
import StrideIQCore

/// The analytics job: derives an athlete's training figures from their activities, check-ins, plan and profile,
/// and stores them (`activity_metrics`, `training_days`, `athlete_analytics`). Requests never call it; they
/// read `AnalyticsStore`. The pure maths lives in StrideIQCore/Training; this type reads, diffs and writes.
///
/// Incremental by construction:
/// - every activity's figures are stored with a hash of their inputs; a row is recomputed only when the hash
///   no longer matches (the activity was edited, or the anchors its load used changed) or it is missing;
/// - the daily series is recomputed from the earliest local day any change touches (a new, edited or deleted
///   activity's day — old and new day for a moved one), continuing from the stored day before it
///   (`FitnessModel.series` gives the same values as a full run, bit for bit), and extended to today;
/// - a change of the profile's inputs (max/resting heart rate, threshold pace, time zone) recomputes everything.
///
/// The whole recompute — reads, maths, writes — runs in one `write(athlete:)`: it cannot interleave with a write
/// for the same athlete (what it reads is what it diffs against), two recomputes for one athlete take turns,
/// and the athlete's `data_version` rises with it, so home snapshots rebuild from the new figures.
struct AnalyticsService: Sendable {
    let now: @Sendable () -> Date

    /// Part of the profile fingerprint: raising it makes the next job recompute every athlete in full (a change
    /// of the maths that stored rows would otherwise keep).
    static let algorithmVersion = 1
    /// Check-in resting heart rates from this many days back feed the resting-HR estimate (it drifts with fitness).
    static let restingHRWindowDays = 90
    /// The stored document keeps the efficiency points of this many days (the endpoint's `days` goes up to it).
    static let efficiencyWindowDays = 365
    /// The document's headline efficiency trend covers this many days (the original's default `days`).
    static let efficiencyDefaultDays = 90
    /// Rows per INSERT statement (15 binds a row stays far below SQLite's and Postgres's bind limits).
    static let insertBatch = 500

    /// The what-works report with no data (before the first recompute): how many pairs are needed.
    static let emptyWhatWorks = WhatWorks.analyse(checkins: [], outcomes: [])

    /// What one recompute did (for the job's metrics label and for tests and the benchmark).
    struct Outcome: Sendable, Equatable {
        enum Kind: String, Sendable { case full, incremental, unchanged, noAthlete = "no_athlete" }
        var kind: Kind
        /// Activity rows recomputed and written.
        var activitiesRecomputed: Int
        /// The first day of the daily series rewritten; `nil` when none was.
        var daysFrom: LocalDate?
        var daysWritten: Int
    }

    // MARK: entry points

    /// The job's body. `full` ignores every stored figure (the benchmark's "from scratch").
    @discardableResult
    func recompute(athleteID: UUID, full: Bool = false, on db: any Database) async throws -> Outcome {
        let now = now()
        return try await db.write(athlete: athleteID) { tx in
            try await Self.run(athleteID: athleteID, full: full, now: now, on: tx)
        }
    }

    /// For a reader that must see figures as fresh as the data (the briefing job): when an analytics job for the
    /// athlete is queued or running, recomputes now (incremental: cheap) instead of waiting for it; the job then
    /// finds nothing left to do. Returns whether it recomputed. Call it outside any `write` transaction.
    @discardableResult
    func refreshIfNeeded(athleteID: UUID, on db: any Database) async throws -> Bool {
        let pending = try await (db as! any SQLDatabase).select()
            .column("id").from("jobs")
            .where("kind", .equal, SQLBind(JobQueue.Kind.analytics.rawValue))
            .where("athlete_id", .equal, SQLBind(athleteID))
            .where("status", .in, SQLBind.group([JobStatus.queued.rawValue, JobStatus.running.rawValue]))
            .limit(1)
            .first()
        guard pending != nil else { return false }
        try await recompute(athleteID: athleteID, on: db)
        return true
    }

    /// Figures that depend on the date move without any write: the fitness level counts only the last 180 days
    /// (an old race ages out), the resting-HR estimate and the efficiency window slide, and the daily series
    /// runs through today. So once a day the scheduler asks for a recompute of every athlete who has figures
    /// and had no analytics job in `dailyGap` (a write's job counts: it already recomputed with today's date).
    static let dailyGap: TimeInterval = 23 * 3600

    /// The scheduler's daily enqueue (see `dailyGap`). Returns the number of athletes enqueued.
    static func enqueueDaily(queue: JobQueue, now: Date, on db: any Database) async throws -> Int {
        let rows = try await (db as! any SQLDatabase).raw(
            """
            SELECT r.athlete_id FROM \(unsafeRaw: AthleteAnalyticsRecord.schema) r
            WHERE NOT EXISTS (
                SELECT 1 FROM jobs j
                WHERE j.kind = \(bind: JobQueue.Kind.analytics.rawValue) AND j.athlete_id = r.athlete_id
                  AND j.created_at > \(bind: now.addingTimeInterval(-dailyGap)))
            """
        ).all()
        for row in rows {
            try await queue.enqueue(
                .analytics, athleteID: try row.decode(column: "athlete_id", as: UUID.self), priority: .scheduled,
                reason: "daily", on: db)
        }
        return rows.count
    }

    // MARK: the recompute

    private static func run(athleteID: UUID, full forced: Bool, now: Date, on db: any Database) async throws
        -> Outcome
    {
        let sql = db as! any SQLDatabase
        guard let profile = try await AnalyticsInputs.profile(athleteID: athleteID, on: sql) else {
            return Outcome(kind: .noAthlete, activitiesRecomputed: 0, daysFrom: nil, daysWritten: 0)
        }
        let activities = try await AnalyticsInputs.activities(athleteID: athleteID, on: sql)
        let stored = try await AnalyticsInputs.storedMetrics(athleteID: athleteID, on: sql)
        let checkins = try await AnalyticsInputs.checkins(athleteID: athleteID, on: sql)
        let plannedPaces = try await AnalyticsInputs.plannedPaces(athleteID: athleteID, on: sql)
        let storedFingerprint = try await sql.select().column("inputs_fingerprint")
            .from(AthleteAnalyticsRecord.schema).where("athlete_id", .equal, SQLBind(athleteID)).first()?
            .decode(column: "inputs_fingerprint", as: String.self)
        let today = LocalDate(now, in: profile.timeZone)

        let fingerprint = profile.fingerprint
        let full = forced || storedFingerprint != fingerprint

        // The anchors every load uses.
        let restingFrom = today.adding(days: -restingHRWindowDays)
        let heartRate = HeartRateEstimate.profile(
            maxHR: profile.maxHR, restingHR: profile.restingHR, activities: activities,
            checkinRestingHRs: checkins.filter { $0.inputs.date >= restingFrom }.compactMap(\.restingHR))
        let fitness = FitnessLevelEstimate.estimate(activities: activities, asOf: today)
        let threshold: (pace: Double, source: FigureSource)? =
            if let pace = profile.thresholdPaceSPerKm {
                (pace, .profile)
            } else if let paces = fitness?.paces {
                (Double(paces.threshold.fastSPerKm + paces.threshold.slowSPerKm) / 2, .estimated)
            } else {
                nil
            }
        let (records, newRecords) = PersonalRecords.compute(activities: activities)

        // Per activity: reuse the stored row when its inputs are unchanged, else compute it.
        var loads: [UUID: Double] = [:]
        var efficiencyPoints: [EfficiencyPoint] = []
        var outcomes: [RunOutcome] = []
        var rowsToWrite: [MetricsRow] = []
        var dirtyFrom: LocalDate? = nil
        func touch(_ date: LocalDate) { dirtyFrom = min(dirtyFrom ?? date, date) }
        for activity in activities {
            let hash = inputsHash(activity, heartRate: heartRate, thresholdPaceSPerKm: threshold?.pace)
            let records = newRecords[activity.id] ?? []
            let point = EfficiencyTrendModel.point(for: activity, heartRate: heartRate)
            var row: MetricsRow
            if !full, let old = stored[activity.id], old.inputsHash == hash, old.localDate == activity.localDate {
                row = old
                if row.newRecords != records {
                    row.newRecords = records  // a record set by a later, now deleted or edited activity
                    rowsToWrite.append(row)
                }
            } else {
                let (load, method) = TrainingLoad.load(
                    of: activity, heartRate: heartRate, thresholdPaceSPerKm: threshold?.pace)
                row = MetricsRow(
                    activityID: activity.id, localDate: activity.localDate, load: load, loadMethod: method,
                    efficiency: point?.efficiency, newRecords: records, inputsHash: hash)
                rowsToWrite.append(row)
                touch(activity.localDate)
                if let old = stored[activity.id] { touch(old.localDate) }
            }
            loads[activity.id] = row.load
            if let point { efficiencyPoints.append(point) }
            if activity.sport == .run {
                outcomes.append(
                    RunOutcome(
                        date: activity.localDate, startTime: activity.startTime, efficiency: point?.efficiency,
                        paceVsPlanPercent: paceVsPlan(activity, planned: plannedPaces[activity.localDate])))
            }
        }
        // Rows whose activity is gone (deleted since the last run): their day changes, and they go.
        let present = Set(activities.map(\.id))
        let orphans = stored.values.filter { !present.contains($0.activityID) }
        for orphan in orphans { touch(orphan.localDate) }

        // The daily series: from the first day through today (or the last activity's day, if later).
        let firstDay = activities.map(\.localDate).min()
        let through = max(today, activities.map(\.localDate).max() ?? today)
        let lastStored = try await AnalyticsStore.lastDay(athleteID: athleteID, onOrBefore: LocalDate.distantFuture, on: db)
        if let firstDay {
            if full || lastStored == nil { touch(firstDay) }
            if let lastStored, lastStored.date < through { touch(lastStored.date.adding(days: 1)) }
            if let lastStored, lastStored.date > through { touch(through.adding(days: 1)) }
        } else if lastStored != nil {
            touch(LocalDate.distantPast)  // no activities left: every stored day goes
        }
        var written: [StoredTrainingDay] = []
        var statusSeries: [FitnessDay] = []
        if let dirty = dirtyFrom {
            // Days before the first activity (it was deleted) and from the first changed day on are rewritten.
            try await sql.delete(from: "training_days")
                .where("athlete_id", .equal, SQLBind(athleteID))
                .where { group in
                    let from = group.where("date", .greaterThanOrEqual, SQLBind(dirty.description))
                    guard let firstDay else { return from }
                    return from.orWhere("date", .lessThan, SQLBind(firstDay.description))
                }
                .run()
            if let firstDay {
                let start = max(dirty, firstDay)
                let seed =
                    start > firstDay
                    ? try await AnalyticsStore.lastDay(athleteID: athleteID, onOrBefore: start.adding(days: -1), on: db)
                    : nil
                let changed = activities.filter { $0.localDate >= start }
                let totals = Dictionary(
                    TrainingSummary.dayTotals(activities: changed, loads: loads).map { ($0.date, $0) },
                    uniquingKeysWith: { a, _ in a })
                let series = FitnessModel.series(
                    loads: totals.mapValues(\.load), from: start, through: through, startingAfter: seed?.fitnessDay)
                written = series.map { day in
                    let t = totals[day.date] ?? .empty(day.date)
                    return StoredTrainingDay(
                        date: day.date, load: day.load, fitness: day.fitness, fatigue: day.fatigue, form: day.form,
                        activities: t.activities, runCount: t.runCount, distanceM: t.distanceM,
                        runDistanceM: t.runDistanceM, movingTimeS: t.movingTimeS, durationS: t.durationS,
                        elevationGainM: t.elevationGainM, runPacedDistanceM: t.runPacedDistanceM,
                        runPacedTimeS: t.runPacedTimeS)
                }
                try await insertDays(written, athleteID: athleteID, on: sql)
                statusSeries = series
            }
        }
        // The load picture on the last day needs the last 28 days: stored ones before what was just written.
        if firstDay != nil {
            let windowStart = through.adding(days: -35)
            let before = statusSeries.first?.date ?? through.adding(days: 1)
            if windowStart < before {
                let older = try await AnalyticsStore.days(
                    athleteID: athleteID, from: windowStart, through: before.adding(days: -1), on: db)
                statusSeries = older.map(\.fitnessDay) + statusSeries
            }
        }

        // Per-activity rows: rewritten ones replaced, orphans removed.
        let removed = rowsToWrite.map(\.activityID) + orphans.map(\.activityID)
        for chunk in removed.chunked(insertBatch) {
            try await sql.delete(from: ActivityMetrics.schema).where("activity_id", .in, SQLBind.group(Array(chunk))).run()
        }
        try await insertMetrics(rowsToWrite, athleteID: athleteID, on: sql)

        // The document.
        let efficiencyFrom = today.adding(days: -(efficiencyWindowDays - 1))
        var trend = EfficiencyTrendModel.trend(points: efficiencyPoints, asOf: today, days: efficiencyDefaultDays)
        trend.points = efficiencyPoints.filter { $0.date >= efficiencyFrom && $0.date <= today }
        let document = AthleteAnalytics(
            computedAt: now, heartRate: heartRate, thresholdPaceSPerKm: threshold?.pace,
            thresholdPaceSource: threshold?.source,
            load: statusSeries.isEmpty ? nil : FitnessModel.status(series: statusSeries),
            fitness: fitness, records: records, efficiency: trend,
            whatWorks: WhatWorks.analyse(checkins: checkins.map(\.inputs), outcomes: outcomes))
        // A document equal to the stored one but for its time is not rewritten: `computed_at` says when the
        // figures last changed, and readers that fingerprint them (the briefing) see no change.
        // (Only asked when no activity or day changed: otherwise the load picture, at least, did.)
        var unchangedDocument = false
        if rowsToWrite.isEmpty, orphans.isEmpty, written.isEmpty, storedFingerprint == fingerprint,
            let storedRow = try await sql.select().column("document").from(AthleteAnalyticsRecord.schema)
                .where("athlete_id", .equal, SQLBind(athleteID)).first(),
            let storedText = try? storedRow.decode(column: "document", as: String.self),
            var stored = try? AnalyticsCoding.decoder.decode(AthleteAnalytics.self, from: Data(storedText.utf8))
        {
            stored.computedAt = document.computedAt
            unchangedDocument = stored == document
        }
        if !unchangedDocument {
            let text = String(decoding: try AnalyticsCoding.encoder.encode(document), as: UTF8.self)
            try await sql.delete(from: AthleteAnalyticsRecord.schema).where("athlete_id", .equal, SQLBind(athleteID))
                .run()
            try await sql.insert(into: AthleteAnalyticsRecord.schema)
                .columns("athlete_id", "document", "computed_at", "inputs_fingerprint")
                .values(SQLBind(athleteID), SQLBind(text), SQLBind(now), SQLBind(fingerprint))
                .run()
        }

        let kind: Outcome.Kind =
            full ? .full : (rowsToWrite.isEmpty && orphans.isEmpty && written.isEmpty ? .unchanged : .incremental)
        return Outcome(
            kind: kind, activitiesRecomputed: rowsToWrite.count, daysFrom: written.first?.date,
            daysWritten: written.count)
    }

    /// Pace against the day's planned pace (the middle of its target range), for runs on a day with a plan.
    private static func paceVsPlan(_ activity: TrainingActivity, planned: Double?) -> Double? {
        guard let planned, let distance = activity.distanceM, distance > 0, let time = activity.timeS, time > 0
        else { return nil }
        return RunOutcome.paceVsPlanPercent(actualSPerKm: Double(time) / distance * 1_000, plannedSPerKm: planned)
    }

    /// Every input the activity's stored figures depend on. Threshold pace only counts for an activity whose
    /// load cannot come from heart rate: a new fitness level must not invalidate every heart-rate load.
    static func inputsHash(_ a: TrainingActivity, heartRate: HeartRateProfile, thresholdPaceSPerKm: Double?)
        -> String
    {
        let usesHeartRate = a.avgHR != nil && heartRate.isUsable
        // FNV-1a, 64 bit, over the inputs' bits: stable across processes and releases (Swift's `Hasher` is
        // seeded per process), and no text to build for each of thousands of activities.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ value: UInt64) {
            var v = value
            for _ in 0..<8 {
                hash ^= v & 0xff
                hash &*= 0x100_0000_01b3
                v >>= 8
            }
        }
        func mix(_ value: Int?) { mix(value.map { UInt64(bitPattern: Int64($0)) } ?? 0xdead_beef_0000_0001) }
        func mix(_ value: Double?) { mix(value.map(\.bitPattern) ?? 0xdead_beef_0000_0002) }
        mix(algorithmVersion)
        mix(a.localDate.year * 10_000 + a.localDate.month * 100 + a.localDate.day)
        for byte in a.sport.rawValue.utf8 { mix(Int(byte)) }
        mix(a.isRace ? 1 : 0)
        mix(a.distanceM)
        mix(a.movingTimeS)
        mix(a.durationS)
        mix(a.avgHR)
        mix(a.maxHR)
        mix(a.elevationGainM)
        mix(heartRate.maxHR)
        mix(heartRate.restingHR)
        mix(usesHeartRate ? nil : thresholdPaceSPerKm)
        for effort in a.bestEfforts {
            mix(effort.distanceM)
            mix(effort.elapsedS)
        }
        return String(hash, radix: 16)
    }

    // MARK: writes

    private static func insertMetrics(_ rows: [MetricsRow], athleteID: UUID, on sql: any SQLDatabase) async throws {
        for chunk in rows.chunked(insertBatch) {
            var insert = sql.insert(into: ActivityMetrics.schema)
                .columns(
                    "activity_id", "athlete_id", "local_date", "load", "load_method", "efficiency", "new_records",
                    "inputs_hash")
            for row in chunk {
                insert = insert.values(
                    SQLBind(row.activityID), SQLBind(athleteID), SQLBind(row.localDate.description), SQLBind(row.load),
                    SQLBind(row.loadMethod.rawValue), SQLBind(row.efficiency),
                    SQLBind(AnalyticsCoding.encodeRecords(row.newRecords)), SQLBind(row.inputsHash))
            }
            try await insert.run()
        }
    }

    private static func insertDays(_ days: [StoredTrainingDay], athleteID: UUID, on sql: any SQLDatabase) async throws {
        for chunk in days.chunked(insertBatch) {
            var insert = sql.insert(into: "training_days")
                .columns(["athlete_id"] + AnalyticsStore.dayColumns)
            for d in chunk {
                insert = insert.values(
                    SQLBind(athleteID), SQLBind(d.date.description), SQLBind(d.load), SQLBind(d.fitness),
                    SQLBind(d.fatigue), SQLBind(d.form), SQLBind(d.activities), SQLBind(d.runCount),
                    SQLBind(d.distanceM), SQLBind(d.runDistanceM), SQLBind(Int64(d.movingTimeS)),
                    SQLBind(Int64(d.durationS)), SQLBind(d.elevationGainM), SQLBind(d.runPacedDistanceM),
                    SQLBind(Int64(d.runPacedTimeS)))
            }
            try await insert.run()
        }
    }
}

/// One stored `activity_metrics` row as the recompute diffs it.
struct MetricsRow: Sendable, Equatable {
    var activityID: UUID
    var localDate: LocalDate
    var load: Double
    var loadMethod: LoadMethod
    var efficiency: Double?
    var newRecords: [String]
    var inputsHash: String
}

extension Array {
    fileprivate func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

extension LocalDate {
    fileprivate static let distantFuture = LocalDate(year: 9999, month: 12, day: 31)!
    fileprivate static let distantPast = LocalDate(year: 1, month: 1, day: 1)!
}
