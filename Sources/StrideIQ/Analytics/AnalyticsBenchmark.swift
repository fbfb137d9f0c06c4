import Fluent
import Foundation
import SQLKit
import StrideIQCore
import Vapor

/// `strideiq bench-analytics`: times the analytics recompute for one athlete with years of daily runs, on the
/// configured database (`DATABASE_URL`, default the SQLite file under `DATA_DIR`). It creates its own athlete
/// (a fresh e-mail each run) and deletes it at the end, so it can run against a development database.
///
/// Printed as a table: the full recompute from scratch, and the recompute after one new activity (the job's
/// usual case: one new run, its day and the days after it, the document), each the median of `runs`.
public enum AnalyticsBenchmark {
    public struct Options: Sendable {
        public var years: Int
        public var runs: Int
        public init(years: Int, runs: Int) {
            self.years = years
            self.runs = runs
        }
    }

    static func run(_ app: Application, _ options: Options) async throws -> String {
        let db = app.db
        let sql = db as! any SQLDatabase
        let now = Date()
        let service = AnalyticsService(now: { now })
        let athlete = Athlete(
            email: "bench-analytics-\(UUID().uuidString.prefix(8).lowercased())@example.com", passwordHash: "-",
            displayName: "Bench", timezone: "UTC")
        try await athlete.create(on: db)
        let athleteID = try athlete.requireID()
        let today = LocalDate(now, in: .gmt)
        let days = options.years * 365 + options.years / 4
        let first = today.adding(days: -days)
        var rows: [[any SQLExpression]] = []
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        for k in 0..<days {
            let date = first.adding(days: k)
            let race = k % 60 == 30
            let km = race ? 10.0 : 6 + 10 * next()
            let pace = race ? 235 + 20 * next() : 290 + 50 * next()
            let moving = Int(km * pace)
            let avgHR = race ? 172 : 135 + Int(20 * next())
            rows.append(
                activityRow(
                    athleteID: athleteID, start: date.start(in: .gmt).addingTimeInterval(7 * 3600), km: km,
                    movingS: moving, avgHR: avgHR, maxHR: avgHR + 12, isRace: race, name: race ? "Race" : "Run"))
        }
        for chunk in stride(from: 0, to: rows.count, by: 400) {
            try await insertActivities(Array(rows[chunk..<min(chunk + 400, rows.count)]), on: sql)
        }
        // Check-ins with resting heart rate and sleep (the what-works pairs), every other day.
        for chunk in stride(from: 0, to: days, by: 400) {
            var insert = sql.insert(into: DailyCheckin.schema).columns(
                "id", "athlete_id", "date", "sleep_h", "soreness_1_5", "stress_1_5", "readiness_1_5", "resting_hr",
                "created_at", "updated_at")
            var any = false
            for k in stride(from: chunk, to: min(chunk + 400, days), by: 1) where k % 2 == 0 {
                any = true
                insert = insert.values(
                    SQLBind(UUID()), SQLBind(athleteID), SQLBind(first.adding(days: k).description),
                    SQLBind(6 + 3 * next()), SQLBind(1 + Int(4 * next())), SQLBind(1 + Int(4 * next())),
                    SQLBind(1 + Int(4 * next())), SQLBind(44 + Int(8 * next())), SQLBind(now), SQLBind(now))
            }
            if any { try await insert.run() }
        }

        var full: [Double] = []
        for _ in 0..<options.runs {
            let start = ContinuousClock.now
            let outcome = try await service.recompute(athleteID: athleteID, full: true, on: db)
            full.append(milliseconds(since: start))
            precondition(outcome.kind == .full)
        }
        var incremental: [Double] = []
        var daysWritten: [Int] = []
        for i in 0..<options.runs {
            // One new run today (a few minutes apart: not duplicates of each other).
            let start = today.start(in: .gmt).addingTimeInterval(Double(6 * 3600 + i * 600))
            try await insertActivities(
                [
                    activityRow(
                        athleteID: athleteID, start: start, km: 5, movingS: 1_650, avgHR: 140, maxHR: 150,
                        isRace: false, name: "New run")
                ], on: sql)
            let began = ContinuousClock.now
            let outcome = try await service.recompute(athleteID: athleteID, on: db)
            incremental.append(milliseconds(since: began))
            daysWritten.append(outcome.daysWritten)
        }
        // The athlete's rows (activities, check-ins, figures, jobs) go with it.
        try await sql.delete(from: "jobs").where("athlete_id", .equal, SQLBind(athleteID)).run()
        try await sql.delete(from: Athlete.schema).where("id", .equal, SQLBind(athleteID)).run()

        let kind = (db as? any SQLDatabase)?.dialect.name ?? "?"
        let rowsLine = "\(days) daily runs over \(options.years) years, \(days / 2) check-ins, database \(kind)"
        var out = "analytics recompute: \(rowsLine); median of \(options.runs) runs\n"
        out += "| case | median ms | min ms | max ms | goal |\n|---|---:|---:|---:|---|\n"
        out += line("full recompute (from scratch)", full, goal: "≤ 2000 ms")
        out += line("after one new activity (days written: \(daysWritten.max() ?? 0))", incremental, goal: "≤ 50 ms")
        return out
    }

    private static func activityRow(
        athleteID: UUID, start: Date, km: Double, movingS: Int, avgHR: Int, maxHR: Int, isRace: Bool, name: String
    ) -> [any SQLExpression] {
        [
            SQLBind(UUID()), SQLBind(athleteID), SQLBind(name), SQLBind(Sport.run.rawValue), SQLBind(start),
            SQLBind(0), SQLBind(km * 1000), SQLBind(movingS), SQLBind(movingS + 30), SQLBind(avgHR), SQLBind(maxHR),
            SQLBind(20.0), SQLBind("bench"), SQLBind(isRace), SQLBind(start),
        ]
    }

    private static func insertActivities(_ rows: [[any SQLExpression]], on sql: any SQLDatabase) async throws {
        var insert = sql.insert(into: Activity.schema).columns(
            "id", "athlete_id", "name", "sport", "start_time", "utc_offset_s", "distance_m", "moving_time_s",
            "duration_s", "avg_hr", "max_hr", "elevation_gain_m", "source", "is_race", "created_at")
        for row in rows { insert = insert.values(row) }
        try await insert.run()
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    private static func line(_ name: String, _ values: [Double], goal: String) -> String {
        let sorted = values.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        return String(
            format: "| %@ | %.1f | %.1f | %.1f | %@ |\n", name, median, sorted.first ?? 0, sorted.last ?? 0, goal)
    }
}

extension StrideIQProcess {
    /// `strideiq bench-analytics`: see `AnalyticsBenchmark`.
    public static func benchAnalytics(_ options: AnalyticsBenchmark.Options) async -> Int32 {
        guard let config = loadConfig() else { return configErrorExitCode }
        bootstrapLogging(config)
        return await withApp(config, role: .serve) { app in
            try await app.asyncBoot()
            if config.autoMigrate { try await app.autoMigrate() }
            print(try await AnalyticsBenchmark.run(app, options), terminator: "")
        }
    }
}
