import Foundation
import Testing

@testable import StrideIQCore

@Suite("Running fitness: VDOT formula and Daniels training paces")
struct PlanFitnessTests {
    /// Published Daniels rows (reference §6), s/mile: E fast, E slow, M, T, I, R. Tolerance 2 %.
    @Test func trainingPacesMatchDanielsTable() {
        let tolerance = 0.02
        var worst = 0.0
        for row in RunningFitness.publishedRows {
            let p = RunningFitness.trainingPaces(vdot: row.vdot)
            let ours = [
                Double(p.easy.fastSPerKm), Double(p.easy.slowSPerKm), p.marathon.midpoint, p.threshold.midpoint, p.interval.midpoint,
                p.repetition.midpoint,
            ]
            for (k, published) in row.sPerMile.enumerated() {
                let expected = published / 1.609344
                let error = abs(ours[k] - expected) / expected
                worst = max(worst, error)
                #expect(error <= tolerance, "VDOT \(row.vdot) column \(k): \(ours[k]) s/km vs \(expected)")
            }
        }
        #expect(worst < 0.01, "worst deviation \(worst)")
    }

    @Test func pacesBetweenRowsAreMonotonic() {
        var previous = RunningFitness.trainingPaces(vdot: 20)
        for v in stride(from: 21.0, through: 85, by: 1) {
            let p = RunningFitness.trainingPaces(vdot: v)
            #expect(p.threshold.fastSPerKm <= previous.threshold.fastSPerKm)
            #expect(p.easy.fastSPerKm <= previous.easy.fastSPerKm)
            #expect(p.marathon.fastSPerKm < previous.marathon.fastSPerKm)
            #expect(p.easy.fastSPerKm > p.marathon.slowSPerKm, "easy slower than marathon pace at \(v)")
            #expect(p.repetition.slowSPerKm < p.interval.fastSPerKm && p.interval.slowSPerKm < p.threshold.fastSPerKm)
            previous = p
        }
        #expect(RunningFitness.trainingPaces(vdot: 10) == RunningFitness.trainingPaces(vdot: 20), "clamped at 20")
        #expect(RunningFitness.trainingPaces(vdot: 99) == RunningFitness.trainingPaces(vdot: 85), "clamped at 85")
    }

    @Test func vdotKnownValues() {
        #expect(abs(RunningFitness.vdot(distanceM: 5000, timeS: 20 * 60) - 49.8) < 0.1)
        #expect(abs(RunningFitness.vdot(distanceM: 42195, timeS: 3 * 3600) - 53.5) < 0.1)
        #expect(abs(RunningFitness.vdot(distanceM: 10000, timeS: 50 * 60) - 39.9) < 0.2)
    }

    @Test func raceTimeRoundTrips() {
        for v in [30.0, 42.5, 50, 61.2, 75] {
            for d in RaceDistances.presets.values {
                let t = RunningFitness.raceTime(vdot: v, distanceM: d)
                #expect(abs(RunningFitness.vdot(distanceM: d, timeS: t) - v) < 0.001)
            }
        }
        #expect(abs(RunningFitness.raceTime(vdot: 49.8, distanceM: 5000) - 1200) < 5)
    }
}
