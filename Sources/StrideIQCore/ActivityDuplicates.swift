import Foundation

/// The one duplicate rule for activities that carry no (source, external id) pair: same athlete, starts within
/// 120 s and distances within 3 % of the larger one. (The original had four different rules; see the contract.)
public enum ActivityDuplicateRule {
    public struct Candidate: Sendable {
        public let startTime: Date
        public let distanceM: Double?
        public init(startTime: Date, distanceM: Double?) {
            self.startTime = startTime
            self.distanceM = distanceM
        }
    }

    /// The start-time window to query candidates in.
    public static func window(around start: Date) -> ClosedRange<Date> {
        start.addingTimeInterval(-Limits.Activity.duplicateStartWindowS)...start.addingTimeInterval(Limits.Activity.duplicateStartWindowS)
    }

    public static func isDuplicate(_ a: Candidate, _ b: Candidate) -> Bool {
        guard abs(a.startTime.timeIntervalSince(b.startTime)) <= Limits.Activity.duplicateStartWindowS else { return false }
        switch (a.distanceM, b.distanceM) {
        case (nil, nil):
            return true  // two distance-less sessions (e.g. strength) starting together are one session
        case (let x?, let y?):
            let larger = max(x, y)
            if larger == 0 { return true }
            return abs(x - y) / larger <= Limits.Activity.duplicateDistanceFraction
        default:
            return false
        }
    }
}
