import Foundation
import Testing

@testable import StrideIQCore

/// Fixtures shared by the fitness-level and personal-record tests.
enum Perf {
    /// A run (or another sport) for the estimator and the records: `daysAgo` before `today`.
    static func run(
        daysAgo: Int, from today: LocalDate = LocalDate("2026-06-30")!, sport: Sport = .run, isRace: Bool = false,
        distanceM: Double?, movingS: Int?, elapsedS: Int? = nil, efforts: [BestEffort] = [], id: UUID = UUID()
    ) -> TrainingActivity {
        let day = today.adding(days: -daysAgo)
        return TrainingActivity(
            id: id, startTime: day.start(in: TimeZone(identifier: "UTC")!).addingTimeInterval(7 * 3600), localDate: day,
            sport: sport, name: isRace ? "Race" : "Run", isRace: isRace, distanceM: distanceM, movingTimeS: movingS,
            durationS: elapsedS ?? movingS, avgHR: nil, maxHR: nil, elevationGainM: nil, bestEfforts: efforts)
    }

    /// A best effort by its `ActivityDerivation.bestEffortDistances` name.
    static func effort(_ name: String, _ timeS: Double) -> BestEffort {
        let distance = ActivityDerivation.bestEffortDistances.first { $0.name == name }!.distanceM
        return BestEffort(name: name, distanceM: distance, elapsedS: timeS, startOffsetS: 0)
    }
}

@Suite("Fitness level: Daniels' VDOT tables, Riegel, and the choice of performance")
struct FitnessLevelTests {
    let today = LocalDate("2026-06-30")!

    /// Daniels' Running Formula, VDOT table (race times): VDOT → 5 km, 10 km, half marathon, marathon.
    static let danielsTable: [(vdot: Double, times: [String])] = [
        (30, ["30:40", "63:46", "2:21:04", "4:49:17"]),
        (31, ["29:51", "62:03", "2:17:21", "4:41:57"]),
        (32, ["29:05", "60:26", "2:13:49", "4:34:59"]),
        (33, ["28:21", "58:54", "2:10:27", "4:28:22"]),
        (34, ["27:39", "57:26", "2:07:16", "4:22:03"]),
        (35, ["27:00", "56:03", "2:04:13", "4:16:03"]),
        (36, ["26:22", "54:44", "2:01:19", "4:10:19"]),
        (37, ["25:46", "53:29", "1:58:34", "4:04:50"]),
        (38, ["25:12", "52:17", "1:55:55", "3:59:35"]),
        (39, ["24:39", "51:09", "1:53:24", "3:54:34"]),
        (40, ["24:08", "50:03", "1:50:59", "3:49:45"]),
        (41, ["23:38", "49:01", "1:48:40", "3:45:09"]),
        (42, ["23:09", "48:01", "1:46:27", "3:40:43"]),
        (43, ["22:41", "47:04", "1:44:20", "3:36:28"]),
        (44, ["22:15", "46:09", "1:42:17", "3:32:23"]),
        (45, ["21:50", "45:16", "1:40:20", "3:28:26"]),
        (46, ["21:25", "44:25", "1:38:27", "3:24:39"]),
        (47, ["21:02", "43:36", "1:36:38", "3:21:00"]),
        (48, ["20:39", "42:50", "1:34:53", "3:17:29"]),
        (49, ["20:18", "42:04", "1:33:12", "3:14:06"]),
        (50, ["19:57", "41:21", "1:31:35", "3:10:49"]),
        (51, ["19:36", "40:39", "1:30:02", "3:07:39"]),
        (52, ["19:17", "39:59", "1:28:31", "3:04:36"]),
        (53, ["18:58", "39:20", "1:27:04", "3:01:39"]),
        (54, ["18:40", "38:42", "1:25:40", "2:58:47"]),
        (55, ["18:22", "38:06", "1:24:18", "2:56:01"]),
        (56, ["18:05", "37:31", "1:23:00", "2:53:20"]),
        (57, ["17:49", "36:57", "1:21:43", "2:50:45"]),
        (58, ["17:33", "36:24", "1:20:30", "2:48:14"]),
        (59, ["17:17", "35:52", "1:19:18", "2:45:47"]),
        (60, ["17:03", "35:22", "1:18:09", "2:43:25"]),
    ]

    static func seconds(_ clock: String) -> Double {
        clock.split(separator: ":").reduce(0) { $0 * 60 + Double($1)! }
    }

    @Test func raceTimesMatchDanielsPublishedTable() {
        #expect(Self.danielsTable.count >= 20)
        var worst = 0.0
        for row in Self.danielsTable {
            for (distance, clock) in zip([5000, 10000, 21097.5, 42195], row.times) {
                let published = Self.seconds(clock)
                let ours = RunningFitness.raceTime(vdot: row.vdot, distanceM: distance)
                let error = abs(ours - published) / published
                worst = max(worst, error)
                #expect(error <= 0.01, "VDOT \(row.vdot), \(distance) m: \(ours) s vs published \(clock)")
            }
        }
        // The table is the formula's: in practice every entry is within a quarter of a percent.
        #expect(worst < 0.0025, "worst deviation \(worst)")
    }

    @Test func riegelByHand() {
        // 20:00 for 5 km → 10 km: 1200 × 2^1.06 = 1200 × 2.084931 = 2501.92 s.
        #expect(abs(RunningFitness.riegel(distanceM: 5000, timeS: 1200, toDistanceM: 10000) - 2501.92) < 0.05)
        // 40:00 for 10 km → half: 2400 × 2.10975^1.06 = 2400 × 2.206403 = 5295.37 s (1:28:15).
        #expect(abs(RunningFitness.riegel(distanceM: 10000, timeS: 2400, toDistanceM: 21097.5) - 5295.37) < 0.05)
        // Same distance: the same time; exponent 1 is even pace.
        #expect(RunningFitness.riegel(distanceM: 5000, timeS: 1234, toDistanceM: 5000) == 1234)
        #expect(abs(RunningFitness.riegel(distanceM: 5000, timeS: 1200, toDistanceM: 10000, exponent: 1) - 2400) < 1e-9)
        #expect(RunningFitness.riegel(distanceM: 0, timeS: 1200, toDistanceM: 10000) == 0)
    }

    @Test func aRaceBeatsFasterLookingEasyRuns() throws {
        let race = Perf.run(daysAgo: 30, isRace: true, distanceM: 10000, movingS: 45 * 60)  // VDOT ≈ 45.2
        let easy = (1...20).map { Perf.run(daysAgo: $0, distanceM: 8000, movingS: 8 * 330) }  // 5:30/km ≈ 36
        let level = try #require(FitnessLevelEstimate.estimate(activities: easy + [race], asOf: today))
        #expect(level.source.activityID == race.id)
        #expect(level.source.kind == .race)
        #expect(abs(level.vdot - RunningFitness.vdot(distanceM: 10000, timeS: 2700)) < 1e-9)
        #expect(level.paces == RunningFitness.trainingPaces(vdot: level.vdot))
        // A hard whole run slightly faster than the race (under the whole-run discount) does not replace it…
        let tempo = Perf.run(daysAgo: 10, distanceM: 8000, movingS: 8 * 263)  // VDOT ≈ 46.0
        #expect(FitnessLevelEstimate.estimate(activities: [race, tempo], asOf: today)?.source.activityID == race.id)
        // …but one clearly faster does: the athlete has got fitter than the race showed.
        let fast = Perf.run(daysAgo: 10, distanceM: 8000, movingS: 8 * 250)  // ≈ 48.8
        let fitter = try #require(FitnessLevelEstimate.estimate(activities: [race, fast], asOf: today))
        #expect(fitter.source.activityID == fast.id && fitter.source.kind == .wholeRun)
    }

    @Test func wholeRunsCountWhenTheyAreTheOnlyEvidence() throws {
        let runs = [
            Perf.run(daysAgo: 3, distanceM: 5000, movingS: 25 * 60),  // VDOT 38.3
            Perf.run(daysAgo: 5, distanceM: 10000, movingS: 50 * 60),  // 40.0
            Perf.run(daysAgo: 6, distanceM: 2500, movingS: 10 * 60),  // too short to count
            Perf.run(daysAgo: 7, distanceM: 3200, movingS: 9 * 60 + 50),  // under 10 minutes
        ]
        let level = try #require(FitnessLevelEstimate.estimate(activities: runs, asOf: today))
        #expect(level.source.activityID == runs[1].id)
        #expect(level.source.kind == .wholeRun && level.source.timeS == 50 * 60)
    }

    @Test func bestEffortsFromStreamsCount() throws {
        // A 12 km run at an even 5:00/km holds a fast 5 km stretch (20:00): that is the evidence.
        let run = Perf.run(
            daysAgo: 4, distanceM: 12000, movingS: 12 * 300,
            efforts: [
                Perf.effort("400m", 80), Perf.effort("1k", 230), Perf.effort("1mile", 380), Perf.effort("5k", 1200),
                Perf.effort("10k", 2800),
            ])
        let level = try #require(FitnessLevelEstimate.estimate(activities: [run], asOf: today))
        #expect(level.source.kind == .bestEffort)
        #expect(level.source.distanceM == 5000 && level.source.timeS == 1200)
        #expect(abs(level.vdot - 49.8) < 0.1)
        // 400 m and 1 km stretches are too short to count: only a mile and over.
        let sprint = Perf.run(daysAgo: 4, distanceM: 5000, movingS: 1800, efforts: [Perf.effort("400m", 60), Perf.effort("1k", 170)])
        #expect(FitnessLevelEstimate.estimate(activities: [sprint], asOf: today)?.source.kind == .wholeRun)
    }

    @Test func predictionsAreVDOTAndRiegelFromTheSource() throws {
        let race = Perf.run(daysAgo: 1, isRace: true, distanceM: 5000, movingS: 1200)
        let level = try #require(FitnessLevelEstimate.estimate(activities: [race], asOf: today))
        #expect(level.predictions.map(\.name) == ["5k", "10k", "half_marathon", "marathon"])
        #expect(level.predictions.map(\.distanceM) == [5000, 10000, 21097.5, 42195])
        for p in level.predictions {
            #expect(abs(p.timeS - RunningFitness.raceTime(vdot: level.vdot, distanceM: p.distanceM)) < 1e-6)
            #expect(abs(p.riegelTimeS - 1200 * pow(p.distanceM / 5000, 1.06)) < 1e-6)
        }
        #expect(abs(level.predictions[0].timeS - 1200) < 0.5, "the source race predicts itself")
        #expect(abs(level.predictions[1].riegelTimeS - 2501.92) < 0.05)
    }

    @Test func fitnessFallsWhenAnOldRaceAgesOut() throws {
        let oldRace = Perf.run(daysAgo: 170, isRace: true, distanceM: 10000, movingS: 40 * 60)  // ≈ 51.9
        let recent = Perf.run(daysAgo: 20, isRace: true, distanceM: 10000, movingS: 44 * 60)  // ≈ 46.3
        let activities = [oldRace, recent]
        let now = try #require(FitnessLevelEstimate.estimate(activities: activities, asOf: today))
        #expect(now.source.activityID == oldRace.id)
        // Eleven days later the old race is out of the window: the level drops to what the athlete runs now.
        let later = try #require(FitnessLevelEstimate.estimate(activities: activities, asOf: today.adding(days: 11)))
        #expect(later.source.activityID == recent.id)
        #expect(later.vdot < now.vdot - 5)
        // With nothing recent at all there is no level (rather than an old one).
        #expect(FitnessLevelEstimate.estimate(activities: [oldRace], asOf: today.adding(days: 11)) == nil)
        // Performances after the day asked about do not count either.
        #expect(FitnessLevelEstimate.estimate(activities: [recent], asOf: today.adding(days: -21)) == nil)
    }

    @Test func aRecentRaceBeatsASlightlyFasterOldOne() throws {
        let old = Perf.run(daysAgo: 150, isRace: true, distanceM: 5000, movingS: 1200)  // 49.8
        let recent = Perf.run(daysAgo: 5, isRace: true, distanceM: 5000, movingS: 1212)  // ≈ 49.2
        let level = try #require(FitnessLevelEstimate.estimate(activities: [old, recent], asOf: today))
        #expect(level.source.activityID == recent.id)
        // A clearly faster old race still wins while it is in the window.
        let fasterOld = Perf.run(daysAgo: 150, isRace: true, distanceM: 5000, movingS: 1140)  // ≈ 52.8
        #expect(FitnessLevelEstimate.estimate(activities: [fasterOld, recent], asOf: today)?.source.activityID == fasterOld.id)
    }

    @Test func otherSportsAndImplausibleDataAreIgnored() throws {
        let run = Perf.run(daysAgo: 10, distanceM: 10000, movingS: 55 * 60)  // VDOT 35.8
        // Other sports at speeds that would be believable runs (VDOT 82, 70 and 62) and would win if they counted.
        let ride = Perf.run(daysAgo: 2, sport: .cycling, isRace: true, distanceM: 10000, movingS: 1620)
        let rideEfforts = Perf.run(
            daysAgo: 2, sport: .cycling, distanceM: 20000, movingS: 2400, efforts: [Perf.effort("5k", 900)])
        let walk = Perf.run(daysAgo: 3, sport: .walking, distanceM: 5000, movingS: 1000)
        // A "run" at 2:00/km for 10 km (a ride saved as a run) and a 5 km stretch in 9 minutes (a GPS jump).
        let glitch = Perf.run(daysAgo: 4, distanceM: 10000, movingS: 1200)
        let jump = Perf.run(daysAgo: 4, distanceM: 8000, movingS: 3000, efforts: [Perf.effort("5k", 540)])
        let level = try #require(
            FitnessLevelEstimate.estimate(activities: [run, ride, rideEfforts, walk, glitch, jump], asOf: today))
        #expect(level.source.activityID == run.id)
        // Just slower than the original's 5 km floor (240 s/mile, 12:26 for 5 km) but VDOT 86: out of range.
        let tooFast = Perf.run(daysAgo: 1, isRace: true, distanceM: 5000, movingS: 750)
        #expect(PersonalRecords.isPlausible(distanceM: 5000, timeS: 750))
        #expect(FitnessLevelEstimate.estimate(activities: [run, tooFast], asOf: today)?.source.activityID == run.id)
        // An ultra is beyond what the formula is fitted to: a fast 50 km race (VDOT ≈ 47 by the formula) is not used.
        let ultra = Perf.run(daysAgo: 1, isRace: true, distanceM: 50000, movingS: 4 * 3600)
        #expect(FitnessLevelEstimate.estimate(activities: [run, ultra], asOf: today)?.source.activityID == run.id)
        // Missing figures are skipped, not guessed.
        let blank = Perf.run(daysAgo: 1, isRace: true, distanceM: nil, movingS: nil)
        #expect(FitnessLevelEstimate.estimate(activities: [blank], asOf: today) == nil)
        #expect(FitnessLevelEstimate.estimate(activities: [], asOf: today) == nil)
    }

    @Test func plausibilityFollowsTheFloors() {
        // 5 km floor 240 s/mile: 745.6 s is the limit.
        #expect(PersonalRecords.isPlausible(distanceM: 5000, timeS: 746))
        #expect(!PersonalRecords.isPlausible(distanceM: 5000, timeS: 745))
        // A 7 km run is held to the 5 km floor, a 45 km one to the marathon's (270 s/mile).
        #expect(!PersonalRecords.isPlausible(distanceM: 7000, timeS: 7000 / 1609.344 * 239))
        #expect(PersonalRecords.isPlausible(distanceM: 45000, timeS: 45000 / 1609.344 * 271))
        #expect(!PersonalRecords.isPlausible(distanceM: 45000, timeS: 45000 / 1609.344 * 269))
        #expect(!PersonalRecords.isPlausible(distanceM: 300, timeS: 600), "shorter than any standard distance")
        #expect(!PersonalRecords.isPlausible(distanceM: 5000, timeS: 0))
    }
}
