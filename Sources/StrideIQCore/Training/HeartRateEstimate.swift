import Foundation

/// The athlete's maximum and resting heart rate, from the profile when set, otherwise estimated from their data.
///
/// Heart-rate load (`TrainingLoad`) needs both anchors. Most athletes never type them in, so they are estimated
/// from what the watch and the check-ins already recorded, and flagged `.estimated` so every reader can say so.
/// Each anchor is decided on its own: a profile maximum with an estimated resting value is fine.
public enum HeartRateEstimate {
    /// A maximum heart rate outside this range is a sensor or typing error, not a person (the highest reliably
    /// recorded adult maxima are a little above 220; a trained adult's is rarely below 140, and 120 leaves room
    /// for older athletes).
    public static let plausibleMaxHR = 120...230
    /// A resting heart rate outside this range is not a resting value (elite endurance athletes reach the 30s;
    /// above 100 is tachycardia, or a reading taken on the move).
    public static let plausibleRestingHR = 30...100
    /// Activities with a recorded maximum heart rate needed before the maximum is estimated. With fewer, the
    /// athlete has likely not had a hard enough session on record, and an estimate would sit too low (a low
    /// maximum inflates every heart-rate load).
    public static let minActivitiesForMaxHR = 5
    /// Check-in resting heart rates needed before the resting value is estimated.
    public static let minCheckinsForRestingHR = 3

    /// The heart-rate anchors for the load model.
    ///
    /// - Profile values win (source `.profile`) when plausible.
    /// - Maximum otherwise: the second-highest plausible activity maximum (one spike from a strap or an
    ///   optical sensor losing contact is discarded), once `minActivitiesForMaxHR` activities recorded one.
    /// - Resting otherwise: the median of the lowest third of the plausible check-in values, once
    ///   `minCheckinsForRestingHR` exist. Resting heart rate is a floor measured with noise that only pushes it
    ///   up (a bad night, a late reading), so the low end is the signal; the median of that end resists one
    ///   freak low reading. Pass the recent check-ins (resting heart rate drifts with fitness); order is free.
    /// - Either is `nil` when neither set nor estimable; `HeartRateProfile.isUsable` tells whether heart-rate load
    ///   can be computed.
    public static func profile(maxHR: Int?, restingHR: Int?, activities: [TrainingActivity], checkinRestingHRs: [Int])
        -> HeartRateProfile
    {
        var result = HeartRateProfile(maxHR: nil, maxHRSource: nil, restingHR: nil, restingHRSource: nil)
        if let maxHR, plausibleMaxHR.contains(maxHR) {
            result.maxHR = maxHR
            result.maxHRSource = .profile
        } else if let estimate = estimatedMaxHR(activityMaxima: activities.compactMap(\.maxHR)) {
            result.maxHR = estimate
            result.maxHRSource = .estimated
        }
        if let restingHR, plausibleRestingHR.contains(restingHR) {
            result.restingHR = restingHR
            result.restingHRSource = .profile
        } else if let estimate = estimatedRestingHR(checkinValues: checkinRestingHRs) {
            result.restingHR = estimate
            result.restingHRSource = .estimated
        }
        return result
    }

    /// The second-highest activity maximum, or `nil` with too few values or an implausible result. Values above
    /// `plausibleMaxHR` are dropped first (they are artefacts); values below it are kept, since an easy walk's
    /// maximum of 105 is a real reading that just says little.
    static func estimatedMaxHR(activityMaxima: [Int]) -> Int? {
        let values = activityMaxima.filter { $0 > 0 && $0 <= plausibleMaxHR.upperBound }
        guard values.count >= minActivitiesForMaxHR else { return nil }
        let descending = values.sorted(by: >)
        let estimate = descending[1]
        return plausibleMaxHR.contains(estimate) ? estimate : nil
    }

    /// The median of the lowest third (at least one value) of the plausible check-in values, rounded.
    static func estimatedRestingHR(checkinValues: [Int]) -> Int? {
        let values = checkinValues.filter { plausibleRestingHR.contains($0) }.sorted()
        guard values.count >= minCheckinsForRestingHR else { return nil }
        let low = Array(values.prefix(max(1, values.count / 3)))
        let median =
            low.count % 2 == 1
            ? Double(low[low.count / 2])
            : Double(low[low.count / 2 - 1] + low[low.count / 2]) / 2
        let estimate = Int(median.rounded())
        return plausibleRestingHR.contains(estimate) ? estimate : nil
    }
}
