import Fluent
import Foundation
import StrideIQCore

/// Loads `HomeFacts` with a fixed handful of queries (window activities, latest run, activity count, active
/// plan, its workouts this week, today's check-in, the stored analytics document by its key) — never one query
/// per day, and never a history: the training figures are read as the analytics job stored them.
enum HomeFactsLoader {
    static func load(athlete: Athlete, now: Date, on db: any Database) async throws -> HomeFacts {
        let athleteID = athlete.id!
        let zone = athlete.timeZone
        let window = HomeWindow(now: now, timeZone: zone)

        async let windowRows = Activity.query(on: db)
            .filter(\.$athlete.$id == athleteID)
            .filter(\.$startTime >= window.activityRange.lowerBound)
            .filter(\.$startTime < window.activityRange.upperBound)
            .sort(\.$startTime)
            .all()
        async let latestRunRow = Activity.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$sport == .run)
            .sort(\.$startTime, .descending).first()
        async let count = Activity.query(on: db).filter(\.$athlete.$id == athleteID).count()
        async let planRow = TrainingPlan.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$status == .active)
            .sort(\.$goalRaceDate, .descending).first()
        async let checkinRow = DailyCheckin.query(on: db)
            .filter(\.$athlete.$id == athleteID).filter(\.$date == window.today.description).first()
        async let analytics = AnalyticsStore.readable(athleteID: athleteID, on: db)

        let plan = try await planRow
        var workouts: [PlannedWorkout] = []
        if let planID = plan?.id {
            workouts = try await PlannedWorkout.query(on: db)
                .filter(\.$plan.$id == planID)
                .filter(\.$scheduledDate >= window.monday.description)
                .filter(\.$scheduledDate <= window.sunday.description)
                .all()
        }
        return HomeFacts(
            now: now, timeZone: zone, units: athlete.units,
            windowActivities: try await windowRows.map(\.fact),
            latestRun: try await latestRunRow?.fact,
            totalActivities: try await count,
            plan: plan.flatMap(\.fact),
            weekWorkouts: workouts.compactMap(\.fact),
            todayCheckin: try await checkinRow.map(\.fact),
            analytics: try await analytics)
    }
}

extension Activity {
    var fact: ActivityFact {
        ActivityFact(
            id: id!, name: name, sport: sport, startTime: startTime, distanceM: distanceM,
            movingTimeS: movingTimeS, durationS: durationS, avgHR: avgHR)
    }
}

extension TrainingPlan {
    var fact: PlanFact? {
        guard let race = LocalDate(goalRaceDate) else { return nil }
        return PlanFact(
            id: id!, name: name, raceName: goalRaceName, raceDate: race, raceDistanceM: goalRaceDistanceM,
            goalTimeS: goalTimeSeconds, startDate: planStartDate.flatMap(LocalDate.init), totalWeeks: totalWeeks,
            updatedAt: updatedAt)
    }
}

extension PlannedWorkout {
    var fact: WorkoutFact? {
        guard let date = LocalDate(scheduledDate) else { return nil }
        return WorkoutFact(
            id: id!, date: date, type: workoutType, title: title, distanceM: targetDistanceM,
            paceMinSPerKm: targetPaceMinSPerKm, paceMaxSPerKm: targetPaceMaxSPerKm, coachNotes: coachNotes,
            weekNumber: weekNumber, phase: phase)
    }
}

extension DailyCheckin {
    var fact: CheckinFact {
        CheckinFact(
            id: id!, sleepH: sleepH, sleepQuality: sleepQuality, readiness: readiness, soreness: soreness,
            updatedAt: updatedAt ?? createdAt)
    }
}

extension AnalyticsStore {
    /// `latest`, except that a stored document this build cannot decode (written by another version of the
    /// document type) reads as none: home and the coach then show no figures until the next recompute rewrites
    /// it, instead of failing. A database error still throws, as every other read of theirs does.
    static func readable(athleteID: UUID, on db: any Database) async throws -> AthleteAnalytics? {
        do {
            return try await latest(athleteID: athleteID, on: db)
        } catch is DecodingError {
            return nil
        }
    }
}
