/// The input bounds of the API, in one place: validation and the OpenAPI document both read them.
public enum Limits {
    public enum Password {
        /// bcrypt only reads the first 72 bytes, so a longer password would silently be truncated.
        public static let bytes = 8...72
    }
    public static let displayName = 1...100
    public static let email = 3...254

    public enum Activity {
        public static let name = 1...200
        public static let distanceM = 0.0...1_000_000.0
        public static let timeS = 0...(7 * 24 * 3600)
        public static let heartRate = 20...250
        public static let elevationGainM = 0.0...20_000.0
        public static let utcOffsetS = -(14 * 3600)...(14 * 3600)
        public static let externalID = 1...128
        public static let source = 1...32
        /// Two activities are the same workout when they start within this many seconds …
        public static let duplicateStartWindowS: Double = 120
        /// … and their distances differ by at most this fraction of the larger one.
        public static let duplicateDistanceFraction: Double = 0.03
        public static let pageSize = 1...100
    }

    public enum Checkin {
        public static let sleepH = 0.0...24.0
        public static let scale5 = 1...5
        public static let rpe = 1...10
        public static let notes = 0...2_000
        public static let hrvMs = 0.0...500.0
        public static let restingHR = 20...200
        /// A check-in may be logged for today or up to this many days back (athlete's time zone).
        public static let maxAgeDays = 30
        public static let listLimit = 1...366
    }

    public enum Plan {
        public static let name = 1...200
        public static let raceName = 1...200
        public static let raceDistanceM = 100.0...500_000.0
        public static let goalTimeS = 60...(7 * 24 * 3600)
        public static let totalWeeks = 1...104
        public static let title = 1...200
        public static let text = 0...2_000
        public static let targetDistanceM = 0.0...500_000.0
        public static let targetDurationS = 0...(48 * 3600)
        public static let paceSPerKm = 120...1_200
    }
}
