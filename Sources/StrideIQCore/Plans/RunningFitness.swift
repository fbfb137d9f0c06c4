import Foundation

/// Named race distances (metres) the plan builder and the API accept.
public enum RaceDistances {
    public static let presets: [String: Double] = [
        "5k": 5000, "10k": 10000, "10_mile": 16093.44, "half_marathon": 21097.5, "marathon": 42195,
    ]

    /// A readable name for a distance: the preset's name when it is one, else "12.3 km".
    public static func displayName(_ distanceM: Double) -> String {
        switch distanceM {
        case 4999...5001: return "5 km"
        case 9999...10001: return "10 km"
        case 16090...16097: return "10 mile"
        case 21090...21100: return "half marathon"
        case 42190...42200: return "marathon"
        default: return String(format: "%.1f km", distanceM / 1000)
        }
    }
}

/// A target pace range in seconds per kilometre (`fastSPerKm` ≤ `slowSPerKm`).
public struct PaceRange: Sendable, Equatable, Codable {
    public var fastSPerKm: Int
    public var slowSPerKm: Int

    public init(fastSPerKm: Int, slowSPerKm: Int) {
        self.fastSPerKm = fastSPerKm
        self.slowSPerKm = slowSPerKm
    }

    /// Whether `other` lies entirely inside this range.
    public func contains(_ other: PaceRange) -> Bool {
        other.fastSPerKm >= fastSPerKm && other.slowSPerKm <= slowSPerKm && other.fastSPerKm <= other.slowSPerKm
    }

    public func contains(sPerKm: Int) -> Bool { (fastSPerKm...slowSPerKm).contains(sPerKm) }

    var midpoint: Double { Double(fastSPerKm + slowSPerKm) / 2 }
}

/// Daniels training paces (s/km) for one VDOT.
public struct TrainingPaces: Sendable, Equatable, Codable {
    public var easy: PaceRange
    public var long: PaceRange
    public var recovery: PaceRange
    public var marathon: PaceRange
    public var threshold: PaceRange
    public var interval: PaceRange
    public var repetition: PaceRange

    public init(
        easy: PaceRange, long: PaceRange, recovery: PaceRange, marathon: PaceRange, threshold: PaceRange, interval: PaceRange,
        repetition: PaceRange
    ) {
        self.easy = easy
        self.long = long
        self.recovery = recovery
        self.marathon = marathon
        self.threshold = threshold
        self.interval = interval
        self.repetition = repetition
    }
}

/// The Daniels/Gilbert running-fitness model (VDOT, called RPI in the original).
public enum RunningFitness {
    public static let vdotRange: ClosedRange<Double> = 20...85

    /// Daniels/Gilbert: VO2 = −4.60 + 0.182258 v + 0.000104 v² (v m/min); fraction = 0.8 + 0.1894393 e^(−0.012778 t)
    /// + 0.2989558 e^(−0.1932605 t) (t min). Unrounded.
    public static func vdot(distanceM: Double, timeS: Double) -> Double {
        guard distanceM > 0, timeS > 0 else { return 0 }
        let minutes = timeS / 60
        return vo2(metresPerMinute: distanceM / minutes) / fraction(minutes: minutes)
    }

    /// The time (s) for `distanceM` at `vdot` (bisection on the formula above).
    public static func raceTime(vdot: Double, distanceM: Double) -> Double {
        guard distanceM > 0, vdot > 0 else { return 0 }
        // Between 1:00/km and 30:00/km; VDOT falls as the time grows.
        var fast = distanceM / 1000 * 60
        var slow = distanceM / 1000 * 1800
        for _ in 0..<80 {
            let mid = (fast + slow) / 2
            if Self.vdot(distanceM: distanceM, timeS: mid) > vdot { fast = mid } else { slow = mid }
        }
        return (fast + slow) / 2
    }

    /// Riegel's endurance model: the time for `toDistanceM` from a performance over `distanceM` in `timeS`,
    /// T₂ = T₁ × (D₂ / D₁)^exponent. The exponent 1.06 is Riegel's fit to world-class running performances; the
    /// model is an independent check beside the VDOT prediction, not a replacement for it.
    public static func riegel(distanceM: Double, timeS: Double, toDistanceM: Double, exponent: Double = 1.06) -> Double {
        guard distanceM > 0, timeS > 0, toDistanceM > 0 else { return 0 }
        return timeS * pow(toDistanceM / distanceM, exponent)
    }

    /// Daniels training paces for a VDOT (clamped 20…85).
    ///
    /// Easy (fast/slow), threshold, interval and repetition paces are the speeds at a fraction of VO2max; the
    /// fractions are taken from Daniels' published rows (VDOT 30, 40, 50, 60, 70) and interpolated linearly in between
    /// (held outside 30…70), so the published rows are reproduced and the paces in between follow the physiology.
    /// Marathon pace is the marathon race time the formula predicts. Easy is kept slower than marathon pace.
    public static func trainingPaces(vdot: Double) -> TrainingPaces {
        let v = min(max(vdot, vdotRange.lowerBound), vdotRange.upperBound)
        let f = fractions(at: v)
        func pace(_ fraction: Double) -> Double { 60_000 / velocity(vo2: fraction * v) }
        let marathon = raceTime(vdot: v, distanceM: 42195) / 42.195
        let easyFast = max(pace(f[0]), marathon + 5)
        let easySlow = max(pace(f[1]), easyFast + 15)
        let threshold = pace(f[2])
        let interval = pace(f[3])
        let repetition = pace(f[4])
        func around(_ p: Double, _ half: Int = 3) -> PaceRange {
            let r = Int(p.rounded())
            return PaceRange(fastSPerKm: r - half, slowSPerKm: r + half)
        }
        let ef = Int(easyFast.rounded())
        let es = Int(easySlow.rounded())
        return TrainingPaces(
            easy: PaceRange(fastSPerKm: ef, slowSPerKm: es),
            long: PaceRange(fastSPerKm: ef + 5, slowSPerKm: es + 5),
            recovery: PaceRange(fastSPerKm: es, slowSPerKm: es + 20),
            marathon: around(marathon),
            threshold: around(threshold),
            interval: around(interval),
            repetition: around(repetition))
    }

    /// Daniels' published training paces, s/mile: E fast, E slow, M, T, I, R (reference §6).
    static let publishedRows: [(vdot: Double, sPerMile: [Double])] = [
        (30, [685, 750, 662, 595, 529, 505]),
        (40, [590, 648, 526, 492, 453, 429]),
        (50, [494, 545, 437, 411, 378, 354]),
        (60, [427, 471, 374, 354, 326, 302]),
        (70, [377, 416, 328, 313, 288, 264]),
    ]

    /// Fraction of VDOT for E fast, E slow, T, I, R at each published row.
    private static let anchorFractions: [(vdot: Double, fractions: [Double])] = publishedRows.map { row in
        let paces = [row.sPerMile[0], row.sPerMile[1], row.sPerMile[3], row.sPerMile[4], row.sPerMile[5]]
        return (row.vdot, paces.map { vo2(metresPerMinute: 1609.344 / $0 * 60) / row.vdot })
    }

    private static func fractions(at vdot: Double) -> [Double] {
        let anchors = anchorFractions
        if vdot <= anchors[0].vdot { return anchors[0].fractions }
        if vdot >= anchors[anchors.count - 1].vdot { return anchors[anchors.count - 1].fractions }
        for i in 1..<anchors.count where vdot <= anchors[i].vdot {
            let a = anchors[i - 1]
            let b = anchors[i]
            let w = (vdot - a.vdot) / (b.vdot - a.vdot)
            return zip(a.fractions, b.fractions).map { $0 + ($1 - $0) * w }
        }
        return anchors[anchors.count - 1].fractions
    }

    static func vo2(metresPerMinute v: Double) -> Double { -4.60 + 0.182258 * v + 0.000104 * v * v }

    static func fraction(minutes t: Double) -> Double {
        0.8 + 0.1894393 * exp(-0.012778 * t) + 0.2989558 * exp(-0.1932605 * t)
    }

    /// The speed (m/min) whose oxygen cost is `vo2` (the positive root of the quadratic).
    static func velocity(vo2: Double) -> Double {
        let a = 0.000104
        let b = 0.182258
        let c = -4.60 - vo2
        return (-b + (b * b - 4 * a * c).squareRoot()) / (2 * a)
    }
}
