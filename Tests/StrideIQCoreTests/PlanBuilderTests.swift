import Foundation
import Testing

@testable import StrideIQCore

@Suite("Plan builder: rules hold over many generated plans")
struct PlanBuilderTests {
    static let today = LocalDate("2027-01-06")!  // a Wednesday

    static func request(
        distance: Double, weeks: Int, days: Int, volumeKm: Double, longDay: Int = 6, unavailable: Set<Int> = [], raceWeekday: Int = 6,
        goal: Int? = nil, vdot: Double? = nil
    ) -> PlanRequest {
        let monday = PlanBuilder.monday(of: today)
        let race = monday.adding(days: (weeks - 1) * 7 + raceWeekday)
        return PlanRequest(
            raceDate: race, raceDistanceM: distance, goalTimeS: goal, daysPerWeek: days, longRunWeekday: longDay,
            unavailableWeekdays: unavailable, currentWeeklyM: volumeKm * 1000, vdot: vdot, today: today)
    }

    static let distances: [Double] = [5000, 10000, 16093.44, 21097.5, 42195, 15000]
    /// Long-run day, unavailable weekdays, race weekday, fitness source (0 default, 1 goal time, 2 athlete VDOT).
    static let dayConfigs: [(long: Int, unavailable: Set<Int>, raceWeekday: Int)] = [(6, [], 6), (5, [0, 3], 5), (2, [4], 6), (0, [], 3)]

    /// Distances × weeks (minimum … 24) × days per week (3…7) × start volumes (15/30/50/80 km), with the day
    /// configuration and the fitness source rotating across plans (one parallel test per distance).
    @Test(arguments: distances) func propertyEveryGeneratedPlanKeepsTheRules(distance: Double) throws {
        var checked = 0
        var failures: [String] = []
        let minimum = PlanBuilder.minimumWeeks(raceDistanceM: distance)
        var rotation = 0
        for weeks in minimum...24 {
            for days in 3...7 {
                for volume in [15.0, 30, 50, 80] {
                    rotation += 1
                    var config = Self.dayConfigs[rotation % Self.dayConfigs.count]
                    if 7 - config.unavailable.count < days { config = Self.dayConfigs[0] }
                    let source = rotation % 3
                    let r = Self.request(
                        distance: distance, weeks: weeks, days: days, volumeKm: volume, longDay: config.long,
                        unavailable: config.unavailable, raceWeekday: config.raceWeekday,
                        goal: source == 1 ? Int(RunningFitness.raceTime(vdot: 45, distanceM: distance)) : nil, vdot: source == 2 ? 52 : nil)
                    let plan = try PlanBuilder.generate(r)
                    let problems = PlanInvariants.violations(of: plan, for: r)
                    checked += 1
                    if !problems.isEmpty, failures.count < 10 {
                        failures.append("\(weeks) w, \(days) d, \(volume) km, config \(config): \(problems.prefix(3))")
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(distance) m:\n\(failures.joined(separator: "\n"))")
        #expect(checked == (24 - minimum + 1) * 5 * 4)
        print("property test \(distance) m: \(checked) plans checked")
    }

    @Test func tooShortAndInvalidRequestsAreRefused() {
        #expect(throws: PlanBuilderError.tooShort(minimumWeeks: 10, availableWeeks: 6)) {
            try PlanBuilder.generate(Self.request(distance: 21097.5, weeks: 6, days: 5, volumeKm: 30))
        }
        #expect(throws: PlanBuilderError.tooShort(minimumWeeks: 14, availableWeeks: 13)) {
            try PlanBuilder.generate(Self.request(distance: 42195, weeks: 13, days: 5, volumeKm: 30))
        }
        var r = Self.request(distance: 10000, weeks: 10, days: 8, volumeKm: 30)
        #expect(throws: PlanBuilderError.self) { try PlanBuilder.generate(r) }
        r.daysPerWeek = 5
        r.unavailableWeekdays = [6]
        #expect(throws: PlanBuilderError.invalid(field: "long_run_weekday", message: "the long-run day is one of the unavailable days")) {
            try PlanBuilder.generate(r)
        }
        r.unavailableWeekdays = [0, 1, 2]
        #expect(throws: PlanBuilderError.self) { try PlanBuilder.generate(r) }
        r.unavailableWeekdays = []
        r.raceDate = Self.today
        #expect(throws: PlanBuilderError.self) { try PlanBuilder.generate(r) }
    }

    @Test func peakBoundsAndLongPlans() throws {
        var r = Self.request(distance: 42195, weeks: 20, days: 5, volumeKm: 40)
        r.peakWeeklyM = 50000
        var plan = try PlanBuilder.generate(r)
        #expect(PlanInvariants.violations(of: plan, for: r).isEmpty)
        #expect(plan.weeks.map(\.trainingVolumeM).max()! <= 50000 * 1.01)
        r.peakWeeklyM = nil
        r.minPeakWeeklyM = 60000
        plan = try PlanBuilder.generate(r)
        #expect(PlanInvariants.violations(of: plan, for: r).isEmpty)
        r.minPeakWeeklyM = 150000
        #expect(throws: PlanBuilderError.self) { try PlanBuilder.generate(r) }

        let far = Self.request(distance: 21097.5, weeks: 40, days: 4, volumeKm: 30)
        plan = try PlanBuilder.generate(far)
        #expect(plan.weeks.count == PlanBuilder.maximumWeeks)
        #expect(PlanInvariants.violations(of: plan, for: far).isEmpty)
        #expect(plan.vdotSource == "default" && !plan.notes.isEmpty)
    }

    @Test func theCheckerCatchesBrokenPlans() throws {
        let r = Self.request(distance: 21097.5, weeks: 16, days: 5, volumeKm: 35)
        let good = try PlanBuilder.generate(r)
        #expect(PlanInvariants.violations(of: good, for: r).isEmpty)

        // A hard session the day after another hard session.
        var backToBack = good
        let w = 6
        let hardIndex = backToBack.weeks[w].workouts.firstIndex(where: \.isHard)!
        let hardDate = backToBack.weeks[w].workouts[hardIndex].date
        if let next = backToBack.weeks[w].workouts.firstIndex(where: { $0.date == hardDate.adding(days: 1) }) {
            backToBack.weeks[w].workouts[next].isHard = true
        } else {
            var extra = backToBack.weeks[w].workouts[hardIndex]
            extra.date = hardDate.adding(days: 1)
            backToBack.weeks[w].workouts.append(extra)
        }
        #expect(PlanInvariants.violations(of: backToBack, for: r).contains { $0.contains("consecutive days") })

        // A 30 % jump.
        var jump = good
        let j = jump.weeks.firstIndex { !$0.isRecovery && $0.number > 2 && $0.phase == .build }!
        for k in jump.weeks[j].workouts.indices where jump.weeks[j].workouts[k].type == .easy {
            jump.weeks[j].workouts[k].distanceM! += 0.3 * jump.weeks[j - 1].trainingVolumeM / 2
        }
        #expect(PlanInvariants.violations(of: jump, for: r).contains { $0.contains("more than 10 %") })

        // The race moved off the race date.
        var moved = good
        let last = moved.weeks.count - 1
        let raceIndex = moved.weeks[last].workouts.firstIndex { $0.type == .race }!
        moved.weeks[last].workouts[raceIndex].date = r.raceDate.adding(days: -1)
        #expect(PlanInvariants.violations(of: moved, for: r).contains { $0.contains("race workout") })

        // A workout on an unavailable day, and a pace outside its range.
        var r2 = r
        r2.unavailableWeekdays = [good.weeks[3].workouts[0].date.weekdayIndexFromMonday]
        #expect(PlanInvariants.violations(of: good, for: r2).contains { $0.contains("unavailable") })
        var fast = good
        fast.weeks[3].workouts[0].pace = PaceRange(fastSPerKm: 200, slowSPerKm: 210)
        #expect(PlanInvariants.violations(of: fast, for: r).contains { $0.contains("outside") })
    }

    @Test func halfMarathonSixteenWeeksFiveDays() throws {
        let r = PlanRequest(
            raceName: "City Half", raceDate: LocalDate("2027-04-25")!, raceDistanceM: 21097.5, goalTimeS: 6300, daysPerWeek: 5,
            longRunWeekday: 6, currentWeeklyM: 35000, today: LocalDate("2027-01-04")!)
        let plan = try PlanBuilder.generate(r)
        #expect(plan.weeks.count == 16)
        #expect(PlanInvariants.violations(of: plan, for: r).isEmpty)
        for w in plan.weeks {
            let quality = w.workouts.filter { $0.isHard || $0.type == .strides }.map { "\($0.type.rawValue)" }
            print(
                "| \(w.number) | \(w.phase.rawValue)\(w.isRecovery ? " (recovery)" : "") | \(String(format: "%.1f", w.volumeM / 1000)) | \(String(format: "%.1f", w.longRunM / 1000)) | \(quality.joined(separator: ", ")) |"
            )
        }
    }
}
