import Fluent
import Foundation
import SQLKit
import StrideIQCore
import Vapor

/// The training-intelligence endpoints: `/v1/analytics/…`, the original's `/v1/correlations/what-works` and
/// `/what-doesnt-work`, `/v1/activities/summary` and `/v1/consent/ai`. Each reads what the analytics job stored
/// (`AnalyticsStore`); none recomputes a history. Before the first recompute they answer 200 with empty figures
/// and `computed_at: null`.
struct AnalyticsRoutes: RouteCollection {
    /// The longest `/v1/analytics/load` range, in days (ten years of daily rows).
    static let maxLoadRangeDays = 3660
    /// The default `/v1/analytics/load` range: the last 90 days.
    static let defaultLoadDays = 90
    static let efficiencyDays = 7...365
    static let correlationDays = 30...365
    static let summaryDays = 1...365
    /// The years a `from`/`to` may name (no training history lies outside them).
    static let dayYears = 1900...2200

    func boot(routes: any RoutesBuilder) throws {
        let analytics = routes.grouped("v1", "analytics")
        analytics.get("load", use: load)
        analytics.get("paces", use: paces)
        analytics.get("predictions", use: predictions)
        analytics.get("records", use: records)
        analytics.get("efficiency-trends", use: efficiencyTrends)
        analytics.get("what-works", use: whatWorks)
        let correlations = routes.grouped("v1", "correlations")
        correlations.get("what-works", use: correlationsWhatWorks)
        correlations.get("what-doesnt-work", use: correlationsWhatDoesntWork)
        routes.get("v1", "activities", "summary", use: summary)
        let consent = routes.grouped("v1", "consent", "ai")
        consent.get(use: consentState)
        consent.post(use: setConsent)
    }

    // MARK: /v1/analytics

    func load(req: Request) async throws -> JSONResponse<LoadResponse> {
        let athlete = try req.currentAthlete.athlete
        let today = LocalDate(req.application.now(), in: athlete.timeZone)
        var v = FieldValidator()
        let to = Self.day(req.query, "to", &v) ?? today
        let from = Self.day(req.query, "from", &v) ?? to.adding(days: -(Self.defaultLoadDays - 1))
        if v.errors.isEmpty {
            v.check(from <= to, "from", "must not be after to")
            v.check(
                from.days(until: to) < Self.maxLoadRangeDays, "from",
                "the range must be at most \(Self.maxLoadRangeDays) days")
        }
        try v.throwIfInvalid()
        let id = try athlete.requireID()
        let doc = try await AnalyticsStore.latest(athleteID: id, on: req.db)
        let days = try await AnalyticsStore.days(athleteID: id, from: from, through: to, on: req.db)
        let current = try await Self.currentStatus(athleteID: id, today: today, on: req.db)
        return JSONResponse(
            .ok,
            LoadResponse(
                computedAt: doc?.computedAt, from: from, to: to, today: today, current: current.map(LoadStatusDTO.init),
                days: days.map { LoadDayDTO($0.fitnessDay) }, heartRate: HeartRateDTO(doc?.heartRate)))
    }

    /// Today's load status from the stored days: the last 35 stored days, carried forward through rest days to
    /// today when the last recompute was before today (`FitnessModel.project`, closed form). Arithmetic on at
    /// most 35 stored rows, never the history.
    static func currentStatus(athleteID: UUID, today: LocalDate, on db: any Database) async throws -> LoadStatus? {
        var series = try await AnalyticsStore.days(
            athleteID: athleteID, from: today.adding(days: -35), through: today, on: db
        ).map(\.fitnessDay)
        if series.isEmpty {
            guard let last = try await AnalyticsStore.lastDay(athleteID: athleteID, onOrBefore: today, on: db) else {
                return nil
            }
            series = [last.fitnessDay]
        }
        if let last = series.last, last.date < today {
            var date = last.date.adding(days: 1)
            while date <= today {
                series.append(FitnessModel.project(last, to: date))
                date = date.adding(days: 1)
            }
        }
        return FitnessModel.status(series: series)
    }

    func paces(req: Request) async throws -> JSONResponse<PacesResponse> {
        let athlete = try req.currentAthlete.athlete
        let doc = try await AnalyticsStore.latest(athleteID: athlete.requireID(), on: req.db)
        return JSONResponse(.ok, PacesResponse(doc, units: athlete.units))
    }

    func predictions(req: Request) async throws -> JSONResponse<PredictionsResponse> {
        let athlete = try req.currentAthlete.athlete
        let doc = try await AnalyticsStore.latest(athleteID: athlete.requireID(), on: req.db)
        return JSONResponse(.ok, PredictionsResponse(doc, units: athlete.units))
    }

    func records(req: Request) async throws -> JSONResponse<RecordsResponse> {
        let athlete = try req.currentAthlete.athlete
        let doc = try await AnalyticsStore.latest(athleteID: athlete.requireID(), on: req.db)
        let f = Format(units: athlete.units)
        return JSONResponse(
            .ok,
            RecordsResponse(
                computedAt: doc?.computedAt, units: athlete.units,
                records: (doc?.records ?? []).map { RecordDTO($0, format: f) }))
    }

    /// `?days=` 7–365 (default 90): the trend over the comparable easy runs of those days, fitted on the stored
    /// points (a least-squares fit over at most a year of points, not a recompute).
    func efficiencyTrends(req: Request) async throws -> JSONResponse<EfficiencyTrendsResponse> {
        let athlete = try req.currentAthlete.athlete
        var v = FieldValidator()
        let days = v.integer(req.query, "days", in: Self.efficiencyDays) ?? AnalyticsService.efficiencyDefaultDays
        for flag in ["include_stability", "include_load_response", "include_annotations"] {
            if let raw = req.query[String.self, at: flag] {
                v.check(raw == "true" || raw == "false", flag, "must be true or false")
            }
        }
        try v.throwIfInvalid()
        let doc = try await AnalyticsStore.latest(athleteID: athlete.requireID(), on: req.db)
        let today = LocalDate(req.application.now(), in: athlete.timeZone)
        return JSONResponse(.ok, EfficiencyTrendsResponse(doc, today: today, days: days, units: athlete.units))
    }

    func whatWorks(req: Request) async throws -> JSONResponse<WhatWorksResponse> {
        let athlete = try req.currentAthlete.athlete
        let doc = try await AnalyticsStore.latest(athleteID: athlete.requireID(), on: req.db)
        return JSONResponse(.ok, WhatWorksResponse(doc))
    }

    // MARK: /v1/correlations

    func correlationsWhatWorks(req: Request) async throws -> JSONResponse<WhatWorksCorrelations> {
        let (athlete, doc, period) = try await correlationInputs(req)
        let report = doc?.whatWorks ?? AnalyticsService.emptyWhatWorks
        let list = report.findings.filter(\.higherInputIsBetter).map(CorrelationDTO.init)
        return JSONResponse(
            .ok,
            WhatWorksCorrelations(
                athleteID: try athlete.requireID(), analysisPeriod: period, whatWorks: list, count: list.count,
                minSampleSize: report.minSampleSize, pairs: report.pairs, pairsNeeded: report.pairsNeeded,
                computedAt: doc?.computedAt))
    }

    func correlationsWhatDoesntWork(req: Request) async throws -> JSONResponse<WhatDoesntWorkCorrelations> {
        let (athlete, doc, period) = try await correlationInputs(req)
        let report = doc?.whatWorks ?? AnalyticsService.emptyWhatWorks
        let list = report.findings.filter { !$0.higherInputIsBetter }.map(CorrelationDTO.init)
        return JSONResponse(
            .ok,
            WhatDoesntWorkCorrelations(
                athleteID: try athlete.requireID(), analysisPeriod: period, whatDoesntWork: list, count: list.count,
                minSampleSize: report.minSampleSize, pairs: report.pairs, pairsNeeded: report.pairsNeeded,
                computedAt: doc?.computedAt))
    }

    /// `?days=` 30–365 is accepted for the original's clients and validated like theirs, but the findings are
    /// over the athlete's whole history (a correlation needs every pair it can get); `analysis_period` says which
    /// days that is.
    private func correlationInputs(_ req: Request) async throws -> (Athlete, AthleteAnalytics?, AnalysisPeriodDTO) {
        let athlete = try req.currentAthlete.athlete
        var v = FieldValidator()
        _ = v.integer(req.query, "days", in: Self.correlationDays)
        try v.throwIfInvalid()
        let id = try athlete.requireID()
        let doc = try await AnalyticsStore.latest(athleteID: id, on: req.db)
        let today = LocalDate(req.application.now(), in: athlete.timeZone)
        let first = try await (req.db as! any SQLDatabase).select()
            .column(SQLFunction("MIN", args: SQLIdentifier("date")), as: "first")
            .from(DailyCheckin.schema).where("athlete_id", .equal, SQLBind(id)).first()?
            .decode(column: "first", as: String?.self).flatMap { LocalDate($0) }
        let period = AnalysisPeriodDTO(
            start: first, end: today, days: first.map { $0.days(until: today) + 1 } ?? 0)
        return (athlete, doc, period)
    }

    // MARK: /v1/activities/summary

    /// The original's `?days=` buckets (1–365, default 30) read from the activities of those days (a bounded
    /// aggregate per sport), plus this week / month / year / all time and the last 52 weeks from the stored daily
    /// totals.
    func summary(req: Request) async throws -> JSONResponse<ActivitySummaryResponse> {
        let athlete = try req.currentAthlete.athlete
        var v = FieldValidator()
        let days = v.integer(req.query, "days", in: Self.summaryDays) ?? 30
        try v.throwIfInvalid()
        let id = try athlete.requireID()
        let now = req.application.now()
        let today = LocalDate(now, in: athlete.timeZone)
        let since = now.addingTimeInterval(-Double(days) * 86_400)
        let rows = try await (req.db as! any SQLDatabase).raw(
            """
            SELECT sport, COUNT(*) AS n, CAST(SUM(COALESCE(distance_m, 0)) AS DOUBLE PRECISION) AS distance,
                   CAST(SUM(COALESCE(duration_s, moving_time_s, 0)) AS DOUBLE PRECISION) AS duration,
                   CAST(SUM(CASE WHEN distance_m > 0 AND COALESCE(moving_time_s, duration_s) > 0 THEN distance_m ELSE 0 END) AS DOUBLE PRECISION) AS paced_distance,
                   CAST(SUM(CASE WHEN distance_m > 0 AND COALESCE(moving_time_s, duration_s) > 0 THEN COALESCE(moving_time_s, duration_s) ELSE 0 END) AS DOUBLE PRECISION) AS paced_time,
                   CAST(SUM(CASE WHEN is_race THEN 1 ELSE 0 END) AS BIGINT) AS races
            FROM activities WHERE athlete_id = \(bind: id) AND start_time >= \(bind: since)
            GROUP BY sport
            """
        ).all()
        struct Totals {
            var n = 0
            var distance = 0.0
            var duration = 0.0
            var pacedDistance = 0.0
            var pacedTime = 0.0
            var races = 0
        }
        var bySport: [Sport: Totals] = [:]
        for row in rows {
            let sport = Sport(rawValue: try row.decode(column: "sport", as: String.self)) ?? .other
            var t = bySport[sport] ?? Totals()
            t.n += try row.decode(column: "n", as: Int.self)
            t.distance += try row.decode(column: "distance", as: Double?.self) ?? 0
            t.duration += try row.decode(column: "duration", as: Double?.self) ?? 0
            t.pacedDistance += try row.decode(column: "paced_distance", as: Double?.self) ?? 0
            t.pacedTime += try row.decode(column: "paced_time", as: Double?.self) ?? 0
            t.races += try row.decode(column: "races", as: Int?.self) ?? 0
            bySport[sport] = t
        }
        func pace(_ t: Totals) -> Double? {
            t.pacedDistance > 0 ? (t.pacedTime / t.pacedDistance * 1000 * 10).rounded() / 10 : nil
        }
        let run = bySport[.run] ?? Totals()
        let all = bySport.values.reduce(into: Totals()) { a, t in
            a.n += t.n
            a.distance += t.distance
            a.duration += t.duration
            a.races += t.races
        }
        let others = Sport.allCases.filter { $0 != .run }
        let otherTotals = others.reduce(into: Totals()) { a, s in
            let t = bySport[s] ?? Totals()
            a.n += t.n
            a.distance += t.distance
            a.duration += t.duration
        }
        let running = SummaryBucketDTO(
            totalActivities: run.n, totalDistanceM: Int(run.distance.rounded()),
            totalDurationS: Int(run.duration.rounded()), avgPaceSPerKm: pace(run), raceCount: run.races)
        // A pace across sports means nothing (a ride and a run averaged): `combined` has none.
        let combined = SummaryBucketDTO(
            totalActivities: all.n, totalDistanceM: Int(all.distance.rounded()),
            totalDurationS: Int(all.duration.rounded()), avgPaceSPerKm: nil, raceCount: all.races)
        let other = OtherSportsDTO(
            totalActivities: otherTotals.n, totalDistanceM: Int(otherTotals.distance.rounded()),
            totalDurationS: Int(otherTotals.duration.rounded()),
            bySport: Dictionary(
                uniqueKeysWithValues: others.map { s in
                    let t = bySport[s] ?? Totals()
                    return (
                        s.rawValue,
                        SportTotalsDTO(
                            totalActivities: t.n, totalDistanceM: Int(t.distance.rounded()),
                            totalDurationS: Int(t.duration.rounded()))
                    )
                }))

        let doc = try await AnalyticsStore.latest(athleteID: id, on: req.db)
        let stored = try await AnalyticsStore.days(
            athleteID: id, from: LocalDate(year: 1990, month: 1, day: 1)!, through: today, on: req.db)
        let report = TrainingSummary.build(days: stored.map(\.totals), today: today)
        let f = Format(units: athlete.units)
        return JSONResponse(
            .ok,
            ActivitySummaryResponse(
                running: running, other: other, combined: combined, totalActivities: running.totalActivities,
                totalDistanceM: running.totalDistanceM, totalDurationS: running.totalDurationS,
                avgPaceSPerKm: running.avgPaceSPerKm, raceCount: running.raceCount,
                activitiesBySport: Dictionary(uniqueKeysWithValues: Sport.allCases.map { ($0.rawValue, bySport[$0]?.n ?? 0) }),
                periodDays: days, units: athlete.units, computedAt: doc?.computedAt,
                periods: PeriodsDTO(
                    week: PeriodDTO(report.thisWeek, format: f), month: PeriodDTO(report.thisMonth, format: f),
                    year: PeriodDTO(report.thisYear, format: f), allTime: PeriodDTO(report.allTime, format: f)),
                weekly: report.weeks.map { PeriodDTO($0, format: f) }))
    }

    // MARK: /v1/consent/ai

    func consentState(req: Request) async throws -> JSONResponse<ConsentResponse> {
        // A fresh read: the consent may have changed since the authenticator loaded the row.
        let current = try req.currentAthlete.athlete
        let athlete = try await Athlete.find(current.requireID(), on: req.db) ?? current
        return JSONResponse(.ok, ConsentResponse(athlete))
    }

    /// The same switch as `ai_consent` on the profile, through the same service (the briefing it enables or
    /// stops follows in the same write); every call is audited, a repeat of the current state too.
    func setConsent(req: Request) async throws -> JSONResponse<ConsentResponse> {
        let body = try req.decodeBody(ConsentBody.self).value
        let athlete = try req.currentAthlete.athlete
        try await AthleteService(trigger: req.briefingTrigger, now: req.application.now).setConsent(
            athlete, granted: body.granted, source: body.source ?? ConsentBody.defaultSource, on: req.db)
        return JSONResponse(.ok, ConsentResponse(athlete))
    }

    // MARK: helpers

    static func day(_ query: any URLQueryContainer, _ name: String, _ v: inout FieldValidator) -> LocalDate? {
        guard let raw = query[String.self, at: name] else { return nil }
        guard let day = LocalDate(raw), Self.dayYears.contains(day.year) else {
            v.fail(name, "must be a date, YYYY-MM-DD, in the years \(Self.dayYears.lowerBound)–\(Self.dayYears.upperBound)")
            return nil
        }
        return day
    }
}
