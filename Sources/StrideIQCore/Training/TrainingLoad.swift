import Foundation

/// The training load of one activity, on one scale whatever the method: one hour at lactate-threshold
/// intensity scores 100 (the training-stress-score convention), so heart-rate, pace and duration loads can be
/// summed into the same day and fed to `FitnessModel`.
///
/// Methods, best first (the first that applies wins):
/// 1. `.heartRate`: Banister's TRIMP from the activity's average heart rate, when it has one and the athlete's
///    `HeartRateProfile` is usable. Any sport: heart rate measures the effort whatever produced it.
/// 2. `.pace`: for runs with a distance, a time and a threshold pace: hours × IF² × 100 with IF = threshold pace ÷
///    average pace.
/// 3. `.duration`: hours × IF² × 100 at an assumed intensity for the sport (`assumedIntensity`).
///
/// Time is moving time when recorded (elapsed time counts the stops at traffic lights as training), else the
/// elapsed time. There is no minimum duration: every formula is proportional to time, so a 3-minute activity
/// adds a few points at most, and a cut-off would make 4:59 score 0 and 5:00 score 8.
public enum TrainingLoad {
    /// The fraction of heart-rate reserve at lactate threshold, where one hour scores 100. Trained runners reach
    /// their threshold at roughly 85–90 % of heart-rate reserve; 0.88 is the usual anchor of heart-rate training
    /// stress and puts the heart-rate and pace loads of the same threshold hour at the same 100.
    public static let thresholdHeartRateReserve = 0.88
    /// Banister's TRIMP weighting: b in HRr × e^(b·HRr) (the published value for men; the profile has no sex, and
    /// the women's 1.67 would change a threshold-normalised load by under 10 % from half the reserve up).
    public static let trimpExponent = 1.92
    /// Banister's TRIMP scale factor. It cancels in the normalisation; kept so `trimp` is the published figure.
    public static let trimpScale = 0.64
    /// Intensity factor bounds for the pace load. An activity's average pace is rarely beyond these: 0.5 is a run
    /// at half threshold speed (walking breaks), 1.3 is faster than mile race pace for a whole activity. Beyond
    /// them the distance or time is wrong (GPS glitch, a forgotten pause), and the clamp keeps one bad record
    /// from dominating a month.
    public static let paceIntensityRange = 0.5...1.3
    /// A threshold pace outside this range (s/km) is not usable (2:00/km is beyond a world record; 15:00/km is a
    /// walk).
    public static let plausibleThresholdPaceSPerKm = 120.0...900.0
    /// An activity marked as a race and loaded by duration is taken at this intensity (races run near or above
    /// threshold: a 5 km above it, a marathon near 0.85).
    public static let raceIntensity = 0.95

    /// The assumed intensity factor (fraction of threshold) of an activity with neither heart rate nor a usable
    /// pace. Typical whole-session averages: most running is easy to steady (0.75); cycling and swimming sessions
    /// of a runner are mostly aerobic cross-training (0.70); hiking climbs (0.60); walking is light (0.50);
    /// strength work raises heart rate in bursts (0.65); flexibility barely loads (0.20); anything else 0.60.
    /// Names are never parsed (the original matched substrings, so "spring" contained "pr" and scored as a race).
    public static func assumedIntensity(for sport: Sport) -> Double {
        switch sport {
        case .run: 0.75
        case .cycling: 0.70
        case .swimming: 0.70
        case .hiking: 0.60
        case .walking: 0.50
        case .strength: 0.65
        case .flexibility: 0.20
        case .other: 0.60
        }
    }

    /// The load of one activity and how it was obtained. Never negative, never NaN; 0 when the activity has no
    /// time.
    public static func load(of activity: TrainingActivity, heartRate: HeartRateProfile, thresholdPaceSPerKm: Double?)
        -> (load: Double, method: LoadMethod)
    {
        let seconds = Double(min(max(activity.timeS ?? 0, 0), Limits.Activity.timeS.upperBound))
        let hours = seconds / 3600

        if let avg = activity.avgHR, Limits.Activity.heartRate.contains(avg), heartRate.isUsable,
            let maxHR = heartRate.maxHR, let restingHR = heartRate.restingHR
        {
            let reserve = heartRateReserve(avgHR: avg, maxHR: maxHR, restingHR: restingHR)
            return (heartRateLoad(minutes: seconds / 60, reserve: reserve), .heartRate)
        }

        if activity.sport == .run, let threshold = thresholdPaceSPerKm,
            plausibleThresholdPaceSPerKm.contains(threshold),
            let distance = activity.distanceM, distance.isFinite, distance > 0, seconds > 0
        {
            let pace = seconds / (distance / 1000)
            let intensity = min(max(threshold / pace, paceIntensityRange.lowerBound), paceIntensityRange.upperBound)
            return (hours * intensity * intensity * 100, .pace)
        }

        let intensity = activity.isRace ? raceIntensity : assumedIntensity(for: activity.sport)
        return (hours * intensity * intensity * 100, .duration)
    }

    /// (avg − rest) ÷ (max − rest), clamped to 0…1: the share of the heart-rate reserve used. An average below
    /// resting counts as no effort; above the maximum as the maximum.
    public static func heartRateReserve(avgHR: Int, maxHR: Int, restingHR: Int) -> Double {
        guard maxHR > restingHR else { return 0 }
        let reserve = Double(avgHR - restingHR) / Double(maxHR - restingHR)
        return min(max(reserve, 0), 1)
    }

    /// Banister's TRIMP: minutes × HRr × 0.64 × e^(1.92·HRr).
    public static func trimp(minutes: Double, reserve: Double) -> Double {
        minutes * reserve * trimpScale * exp(trimpExponent * reserve)
    }

    /// TRIMP of one hour at `thresholdHeartRateReserve` (≈ 183.06): the TRIMP that scores 100.
    public static let thresholdHourTRIMP = trimp(minutes: 60, reserve: thresholdHeartRateReserve)

    /// TRIMP rescaled so that one hour at threshold heart rate scores 100.
    public static func heartRateLoad(minutes: Double, reserve: Double) -> Double {
        trimp(minutes: minutes, reserve: reserve) / thresholdHourTRIMP * 100
    }
}
