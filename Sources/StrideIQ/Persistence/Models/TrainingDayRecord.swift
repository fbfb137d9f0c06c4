import Foundation
import StrideIQCore

/// One row of `training_days`: an athlete's local day in the fitness model, with that day's totals. Read and
/// written with SQLKit (thousands of rows per athlete; Fluent's composite ids buy nothing here).
struct StoredTrainingDay: Codable, Sendable, Equatable {
    var date: LocalDate
    var load: Double
    var fitness: Double
    var fatigue: Double
    var form: Double
    var activities: Int
    var runCount: Int
    var distanceM: Double
    var runDistanceM: Double
    var movingTimeS: Int
    var durationS: Int
    var elevationGainM: Double
    /// Distance and time of the day's runs that have both (the summary's pace is Σ time ÷ Σ distance).
    var runPacedDistanceM: Double
    var runPacedTimeS: Int

    /// The model's part of the row.
    var fitnessDay: FitnessDay { FitnessDay(date: date, load: load, fitness: fitness, fatigue: fatigue, form: form) }

    /// The day's totals as `TrainingSummary` reads them.
    var totals: DayTotals {
        DayTotals(
            date: date, activities: activities, runCount: runCount, distanceM: distanceM, runDistanceM: runDistanceM,
            movingTimeS: movingTimeS, durationS: durationS, elevationGainM: elevationGainM, load: load,
            runPacedDistanceM: runPacedDistanceM, runPacedTimeS: runPacedTimeS)
    }
}
