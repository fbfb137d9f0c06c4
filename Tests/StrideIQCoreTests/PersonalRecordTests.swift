import Foundation
import Testing

@testable import StrideIQCore

@Suite("Personal records: runs only, the original's bands, records flagged on their activity")
struct PersonalRecordTests {
    let today = LocalDate("2026-06-30")!

    @Test func onlyRunsSetRecords() {
        // A ride and a walk "5 km" far faster than the run: the original made them run records.
        let run = Perf.run(daysAgo: 30, distanceM: 5000, movingS: 1500)
        let ride = Perf.run(daysAgo: 20, sport: .cycling, distanceM: 5000, movingS: 800, efforts: [Perf.effort("5k", 790)])
        let walk = Perf.run(daysAgo: 10, sport: .walking, distanceM: 5050, movingS: 1400)
        let (records, flags) = PersonalRecords.compute(activities: [run, ride, walk])
        #expect(records.map(\.category) == ["5k"])
        #expect(records.first?.activityID == run.id && records.first?.timeS == 1500)
        #expect(flags == [run.id: ["5k"]])
    }

    @Test func wholeActivitiesCountInsideTheirBandWithMovingTime() throws {
        let inBand = Perf.run(daysAgo: 40, distanceM: 5300, movingS: 1560, elapsedS: 1700)
        let outside = Perf.run(daysAgo: 30, distanceM: 5400, movingS: 1400)  // 5.4 km: no category
        let tenK = Perf.run(daysAgo: 20, distanceM: 9920, movingS: 3000)
        let half = Perf.run(daysAgo: 10, distanceM: 21150, movingS: 6600)
        let marathonTooLong = Perf.run(daysAgo: 5, distanceM: 42500, movingS: 14000)
        let (records, _) = PersonalRecords.compute(activities: [inBand, outside, tenK, half, marathonTooLong])
        #expect(records.map(\.category) == ["5k", "10k", "half_marathon"])
        let fiveK = try #require(records.first)
        #expect(fiveK.timeS == 1560, "moving time, not elapsed")
        #expect(fiveK.distanceM == 5300 && fiveK.source == .wholeActivity && fiveK.date == inBand.localDate)
        // Elapsed time stands in when no moving time was recorded.
        let elapsedOnly = Perf.run(daysAgo: 1, distanceM: 1600, movingS: nil, elapsedS: 420)
        #expect(PersonalRecords.compute(activities: [elapsedOnly]).records.first?.timeS == 420)
        // The band edges, inclusive: mile 1570–1660.
        #expect(PersonalRecords.category(forActivityDistanceM: 1570)?.name == "mile")
        #expect(PersonalRecords.category(forActivityDistanceM: 1660)?.name == "mile")
        #expect(PersonalRecords.category(forActivityDistanceM: 1569.9) == nil)
        #expect(PersonalRecords.category(forActivityDistanceM: 4956)?.name == nil)
        #expect(PersonalRecords.category(forActivityDistanceM: 42195)?.name == "marathon")
    }

    @Test func bestEffortsAndWholeActivitiesTogether() throws {
        // A 10 km run holding a fast 5 km and mile; a later 5 km race slower than that stretch.
        let long = Perf.run(
            daysAgo: 20, distanceM: 10000, movingS: 2700,
            efforts: [
                Perf.effort("400m", 85), Perf.effort("1k", 240), Perf.effort("1mile", 390), Perf.effort("5k", 1290),
                Perf.effort("10k", 2700),
            ])
        let race = Perf.run(daysAgo: 10, isRace: true, distanceM: 5000, movingS: 1300)
        let (records, flags) = PersonalRecords.compute(activities: [race, long])
        #expect(records.map(\.category) == ["400m", "1k", "mile", "5k", "10k"])
        let fiveK = try #require(records.first { $0.category == "5k" })
        #expect(fiveK.activityID == long.id && fiveK.timeS == 1290 && fiveK.source == .bestEffort)
        let mile = try #require(records.first { $0.category == "mile" })
        #expect(mile.distanceM == 1609.344 && mile.timeS == 390)
        // Within one activity the whole 10 km and its 10 km stretch tie: the whole activity is named.
        #expect(records.first { $0.category == "10k" }?.source == .wholeActivity)
        #expect(flags[long.id] == ["400m", "1k", "mile", "5k", "10k"])
        #expect(flags[race.id] == nil, "slower than the stretch run before it")
    }

    @Test func recordsAreFlaggedChronologically() {
        // Out of order on purpose: the flags follow the start times, not the input order.
        let a = Perf.run(daysAgo: 90, distanceM: 5000, movingS: 1500)
        let b = Perf.run(daysAgo: 60, distanceM: 5000, movingS: 1550)  // slower: no record
        let c = Perf.run(daysAgo: 30, distanceM: 5000, movingS: 1450)  // new record
        let d = Perf.run(daysAgo: 10, distanceM: 10000, movingS: 3100, efforts: [Perf.effort("5k", 1440)])
        let (records, flags) = PersonalRecords.compute(activities: [d, b, c, a])
        #expect(flags[a.id] == ["5k"], "the first 5 km is the record at the time")
        #expect(flags[b.id] == nil)
        #expect(flags[c.id] == ["5k"])
        #expect(flags[d.id] == ["5k", "10k"])
        #expect(records.first { $0.category == "5k" }?.activityID == d.id)
        // Once a later, faster run is added, the earlier flags stay: they were records when they were run.
        let e = Perf.run(daysAgo: 1, distanceM: 5000, movingS: 1400)
        let after = PersonalRecords.compute(activities: [a, b, c, d, e])
        #expect(after.newRecordsByActivity[c.id] == ["5k"] && after.newRecordsByActivity[e.id] == ["5k"])
        #expect(after.records.first { $0.category == "5k" }?.activityID == e.id)
        // Deleting the record-holder hands the record back to the best remaining run.
        let deleted = PersonalRecords.compute(activities: [a, b, c, e].filter { $0.id != e.id })
        #expect(deleted.records.first { $0.category == "5k" }?.activityID == c.id)
    }

    @Test func aTieGoesToTheEarlierRun() {
        let first = Perf.run(daysAgo: 50, distanceM: 5000, movingS: 1500)
        let second = Perf.run(daysAgo: 5, distanceM: 5020, movingS: 1500)
        let (records, flags) = PersonalRecords.compute(activities: [second, first])
        #expect(records.first?.activityID == first.id && records.first?.date == first.localDate)
        #expect(flags[second.id] == nil)
        // Two runs starting at the same instant (the same run imported twice) give a stable answer.
        let idA = UUID(uuidString: "00000000-0000-0000-0000-00000000000A")!
        let idB = UUID(uuidString: "00000000-0000-0000-0000-00000000000B")!
        let twinA = Perf.run(daysAgo: 3, distanceM: 5000, movingS: 1400, id: idA)
        let twinB = Perf.run(daysAgo: 3, distanceM: 5000, movingS: 1400, id: idB)
        let one = PersonalRecords.compute(activities: [twinB, twinA])
        let other = PersonalRecords.compute(activities: [twinA, twinB])
        #expect(one.records == other.records && one.records.first?.activityID == twinA.id)
        #expect(one.newRecordsByActivity[twinB.id] == nil)
    }

    @Test func implausibleTimesAreNotRecords() {
        // 5 km in 10:00 (a GPS jump or a ride saved as a run): faster than the 240 s/mile floor.
        let glitch = Perf.run(daysAgo: 5, distanceM: 5000, movingS: 600, efforts: [Perf.effort("1mile", 150)])
        let real = Perf.run(daysAgo: 10, distanceM: 5000, movingS: 1500, efforts: [Perf.effort("1mile", 420)])
        let (records, flags) = PersonalRecords.compute(activities: [glitch, real])
        #expect(records.allSatisfy { $0.activityID == real.id })
        #expect(flags[glitch.id] == nil)
        // Missing or zero figures are skipped.
        let blank = Perf.run(daysAgo: 2, distanceM: nil, movingS: nil, efforts: [Perf.effort("1k", 0)])
        #expect(PersonalRecords.compute(activities: [blank]).records.isEmpty)
    }

    @Test func bestEffortNamesMapToTheOriginalsCategories() {
        for (name, distance) in ActivityDerivation.bestEffortDistances {
            let category = PersonalRecords.category(forBestEffort: name)
            #expect(category != nil, "\(name) has a category")
            #expect(category?.distanceM == distance)
        }
        #expect(PersonalRecords.category(forBestEffort: "1mile")?.name == "mile")
        #expect(PersonalRecords.category(forBestEffort: "half_marathon")?.name == "half_marathon")
    }
}
