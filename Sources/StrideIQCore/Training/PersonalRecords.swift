import Foundation

/// Personal records per standard distance, from best efforts (the fastest stretches found in an activity's
/// streams) and from whole runs whose distance falls in the distance's tolerance band.
///
/// Only runs count: a ride or a walk over 5 km is not a 5 km record (the original took every sport). A whole
/// activity is timed by its moving time, falling back to elapsed time when no moving time was recorded. The
/// time is the one actually run, not scaled to the standard distance: a GPS track of a measured course usually
/// reads a little long, and scaling its time down would invent a faster time than the athlete ran.
public enum PersonalRecords {
    /// One standard distance.
    public struct Category: Sendable, Equatable {
        /// The record's name ("400m", "mile", "5k", "half_marathon", …): the original's category names.
        public var name: String
        public var distanceM: Double
        /// Whole activities whose distance lies in this band count for the category; `nil` when only best
        /// efforts do (no band is defined for it).
        public var band: ClosedRange<Double>?
        /// A pace faster than this (seconds per mile) is not believed: a GPS glitch or a mislabelled ride.
        public var floorSPerMile: Double

        public init(name: String, distanceM: Double, band: ClosedRange<Double>?, floorSPerMile: Double) {
            self.name = name
            self.distanceM = distanceM
            self.band = band
            self.floorSPerMile = floorSPerMile
        }

        /// The fastest believable time over the category's distance.
        public var fastestPlausibleS: Double { floorSPerMile * distanceM / metresPerMile }
    }

    static let metresPerMile = 1609.344

    /// The standard distances, shortest first, with the original's whole-activity bands and plausibility floors
    /// (the floor for the categories it gave none, "1k", is its default of 180 s/mile).
    public static let categories: [Category] = [
        Category(name: "400m", distanceM: 400, band: 380...420, floorSPerMile: 55),
        Category(name: "800m", distanceM: 800, band: 780...820, floorSPerMile: 100),
        Category(name: "1k", distanceM: 1000, band: nil, floorSPerMile: 180),
        Category(name: "mile", distanceM: 1609.344, band: 1570...1660, floorSPerMile: 200),
        Category(name: "2mile", distanceM: 3218.688, band: 3180...3270, floorSPerMile: 210),
        Category(name: "5k", distanceM: 5000, band: 4957...5311, floorSPerMile: 240),
        Category(name: "10k", distanceM: 10000, band: 9914...10622, floorSPerMile: 250),
        Category(name: "15k", distanceM: 15000, band: 14850...15150, floorSPerMile: 255),
        Category(name: "half_marathon", distanceM: 21097.5, band: 21000...21300, floorSPerMile: 260),
        Category(name: "25k", distanceM: 25000, band: 24750...25250, floorSPerMile: 260),
        Category(name: "30k", distanceM: 30000, band: 29700...30300, floorSPerMile: 260),
        Category(name: "marathon", distanceM: 42195, band: 42000...42400, floorSPerMile: 270),
        Category(name: "50k", distanceM: 50000, band: 49500...50500, floorSPerMile: 270),
        Category(name: "100k", distanceM: 100000, band: 99000...101000, floorSPerMile: 300),
    ]

    /// The category a best effort's name (`ActivityDerivation.bestEffortDistances`) belongs to: the same name,
    /// except "1mile", which is the original's "mile".
    public static func category(forBestEffort name: String) -> Category? {
        indexByName[name == "1mile" ? "mile" : name].map { categories[$0] }
    }

    /// The category whose band holds a whole activity's distance (the bands do not overlap).
    public static func category(forActivityDistanceM distanceM: Double) -> Category? {
        categories.first { $0.band?.contains(distanceM) == true }
    }

    /// Whether `timeS` over `distanceM` is a believable running pace: not faster than the floor of the longest
    /// standard distance the effort covers (a 7 km run is held to the 5 km floor). Shorter than 400 m: never.
    public static func isPlausible(distanceM: Double, timeS: Double) -> Bool {
        guard distanceM > 0, timeS > 0,
            let category = categories.last(where: { $0.distanceM <= distanceM * 1.01 })
        else { return false }
        return timeS / (distanceM / metresPerMile) >= category.floorSPerMile
    }

    /// The records over `activities` (any order, any sport), shortest category first, and for each activity
    /// the categories it set a record in when it was run (chronologically: it beat every earlier run). The first
    /// time in a category is a record. A time equal to the standing record is not: the earlier one keeps it.
    /// Activities with no record are absent from the map.
    public static func compute(activities: [TrainingActivity]) -> (records: [PersonalRecord], newRecordsByActivity: [UUID: [String]]) {
        // Same start (one run imported twice): the id decides, so the answer does not depend on input order.
        let ordered = activities.filter { $0.sport == .run }.map { (key: $0.id.uuidString, activity: $0) }.sorted {
            ($0.activity.startTime, $0.key) < ($1.activity.startTime, $1.key)
        }
        var best = [PersonalRecord?](repeating: nil, count: categories.count)
        var flags: [UUID: [String]] = [:]
        for (_, activity) in ordered {
            var set: [String] = []
            for (index, candidate) in candidates(in: activity).enumerated() {
                guard let candidate else { continue }
                if let standing = best[index], standing.timeS <= candidate.timeS { continue }
                best[index] = candidate
                set.append(candidate.category)
            }
            if !set.isEmpty { flags[activity.id] = set }
        }
        return (best.compactMap { $0 }, flags)
    }

    private static let indexByName: [String: Int] = Dictionary(
        uniqueKeysWithValues: categories.enumerated().map { ($1.name, $0) })

    /// One activity's fastest believable time per category (best efforts and the whole activity), indexed like
    /// `categories`. When both give the same category the faster wins; on a tie the whole activity, the time the
    /// athlete saw on their watch.
    static func candidates(in activity: TrainingActivity) -> [PersonalRecord?] {
        var found = [PersonalRecord?](repeating: nil, count: categories.count)
        if let distance = activity.distanceM, let time = activity.timeS, time > 0,
            let index = categories.firstIndex(where: { $0.band?.contains(distance) == true }),
            Double(time) >= categories[index].floorSPerMile * distance / metresPerMile
        {
            found[index] = PersonalRecord(
                category: categories[index].name, distanceM: distance, timeS: Double(time), activityID: activity.id,
                date: activity.localDate, source: .wholeActivity)
        }
        for effort in activity.bestEfforts {
            guard let index = indexByName[effort.name == "1mile" ? "mile" : effort.name], effort.elapsedS > 0,
                effort.elapsedS >= categories[index].floorSPerMile * effort.distanceM / metresPerMile
            else { continue }
            if let existing = found[index], existing.timeS <= effort.elapsedS { continue }
            found[index] = PersonalRecord(
                category: categories[index].name, distanceM: effort.distanceM, timeS: effort.elapsedS,
                activityID: activity.id, date: activity.localDate, source: .bestEffort)
        }
        return found
    }
}
