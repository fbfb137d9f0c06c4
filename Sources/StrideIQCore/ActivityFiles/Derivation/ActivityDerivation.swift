import Foundation

/// One kilometre or one mile of an activity. The last split is the remainder, with its real distance.
public struct ActivitySplit: Codable, Sendable, Equatable {
    /// 1-based.
    public var index: Int
    public var distanceM: Double
    public var elapsedS: Double
    public var movingS: Double
    /// Climbing within the split (the same hysteresis as the activity's total); null without altitude.
    @Nullable public var elevationGainM: Double?
    /// Mean of the heart-rate samples within the split; null without heart rate.
    @Nullable public var avgHeartRate: Double?

    public init(index: Int, distanceM: Double, elapsedS: Double, movingS: Double, elevationGainM: Double?, avgHeartRate: Double?) {
        self.index = index
        self.distanceM = distanceM
        self.elapsedS = elapsedS
        self.movingS = movingS
        self.elevationGainM = elevationGainM
        self.avgHeartRate = avgHeartRate
    }

    enum CodingKeys: String, CodingKey {
        case index
        case distanceM = "distance_m"
        case elapsedS = "elapsed_s"
        case movingS = "moving_s"
        case elevationGainM = "elevation_gain_m"
        case avgHeartRate = "avg_hr"
    }
}

/// The fastest stretch of an activity over a standard distance, by elapsed time.
public struct BestEffort: Codable, Sendable, Equatable {
    /// One of `ActivityDerivation.bestEffortDistances`' names.
    public var name: String
    public var distanceM: Double
    public var elapsedS: Double
    /// Where the stretch starts, in seconds since the activity's start time (the streams' time axis).
    public var startOffsetS: Double

    public init(name: String, distanceM: Double, elapsedS: Double, startOffsetS: Double) {
        self.name = name
        self.distanceM = distanceM
        self.elapsedS = elapsedS
        self.startOffsetS = startOffsetS
    }

    enum CodingKeys: String, CodingKey {
        case name
        case distanceM = "distance_m"
        case elapsedS = "elapsed_s"
        case startOffsetS = "start_offset_s"
    }
}

/// Everything worked out from one decoded activity.
public struct DerivedActivity: Sendable, Equatable {
    public var distanceM: Double?
    public var movingTimeS: Int?
    public var elapsedTimeS: Int?
    public var elevationGainM: Double?
    public var elevationLossM: Double?
    public var avgHeartRate: Int?
    public var maxHeartRate: Int?
    public var avgCadence: Double?
    public var splitsKm: [ActivitySplit]
    public var splitsMile: [ActivitySplit]
    public var bestEfforts: [BestEffort]
    /// The simplified route as [longitude, latitude] pairs (GeoJSON order), at most 500; empty without positions.
    public var track: [[Double]]
    /// Nil when the activity has no samples.
    public var streams: ActivityStreams?

    public init(
        distanceM: Double? = nil, movingTimeS: Int? = nil, elapsedTimeS: Int? = nil, elevationGainM: Double? = nil,
        elevationLossM: Double? = nil, avgHeartRate: Int? = nil, maxHeartRate: Int? = nil, avgCadence: Double? = nil,
        splitsKm: [ActivitySplit] = [], splitsMile: [ActivitySplit] = [], bestEfforts: [BestEffort] = [],
        track: [[Double]] = [], streams: ActivityStreams? = nil
    ) {
        self.distanceM = distanceM
        self.movingTimeS = movingTimeS
        self.elapsedTimeS = elapsedTimeS
        self.elevationGainM = elevationGainM
        self.elevationLossM = elevationLossM
        self.avgHeartRate = avgHeartRate
        self.maxHeartRate = maxHeartRate
        self.avgCadence = avgCadence
        self.splitsKm = splitsKm
        self.splitsMile = splitsMile
        self.bestEfforts = bestEfforts
        self.track = track
        self.streams = streams
    }
}

/// Works out totals, splits, best efforts, the simplified track and the streams from a `RecordedActivity`.
/// Figures the device reported (`totals`) win over derived ones; the per-sample results (splits, best efforts,
/// streams) always come from the samples. Every pass is linear in the sample count except the track's sort.
public enum ActivityDerivation {
    /// Mean Earth radius (IUGG), for haversine.
    public static let earthRadiusM = 6_371_008.8
    public static let metresPerMile = 1609.344
    /// Below this average speed an interval between two samples counts as stopped.
    public static let movingSpeedMS = 0.5
    /// Altitude must move this far from the last turning point before a climb or descent counts.
    public static let elevationHysteresisM = 3.0
    public static let maxTrackPoints = 500

    public static let bestEffortDistances: [(name: String, distanceM: Double)] = [
        ("400m", 400), ("1k", 1000), ("1mile", 1609.344), ("5k", 5000), ("10k", 10000),
        ("half_marathon", 21097.5), ("marathon", 42195),
    ]

    public static func derive(_ a: RecordedActivity) -> DerivedActivity {
        let samples = a.samples
        let n = samples.count
        let totals = a.totals
        var result = DerivedActivity()
        result.distanceM = totals.distanceM
        result.movingTimeS = totals.movingTimeS.map(roundedSeconds)
        result.elapsedTimeS = totals.elapsedTimeS.map(roundedSeconds)
        result.elevationGainM = totals.ascentM
        result.elevationLossM = totals.descentM
        result.avgHeartRate = totals.avgHeartRate.map(roundedSeconds)
        result.maxHeartRate = totals.maxHeartRate.map(roundedSeconds)
        result.avgCadence = totals.avgCadence
        guard n > 0 else { return result }

        let times = samples.map(\.time)
        let distance = distanceStream(samples)
        let moving = movingSeconds(times: times, distance: distance, pauses: a.pauses)
        var cumulativeMoving = [Double](repeating: 0, count: n)
        for i in 1..<max(n, 1) { cumulativeMoving[i] = cumulativeMoving[i - 1] + moving[i] }
        let elevation = elevationProfile(samples.map(\.altitudeM))

        if result.distanceM == nil, let distance { result.distanceM = distance[n - 1] }
        if result.elapsedTimeS == nil { result.elapsedTimeS = roundedSeconds(times[n - 1] - times[0]) }
        if result.movingTimeS == nil { result.movingTimeS = roundedSeconds(cumulativeMoving[n - 1]) }
        if result.elevationGainM == nil { result.elevationGainM = elevation?.gain }
        if result.elevationLossM == nil { result.elevationLossM = elevation?.loss }

        // Plain sample mean over the samples that carry a value (what the oracles compare against); a zero
        // heart rate is a strap that lost contact, not a reading.
        var hrSum = 0.0
        var hrCount = 0
        var hrMax = -Double.infinity
        var cadenceSum = 0.0
        var cadenceCount = 0
        for i in 0..<n {
            if let hr = samples[i].heartRate, hr.isFinite, hr > 0 {
                hrSum += hr
                hrCount += 1
                hrMax = max(hrMax, hr)
            }
            // Cadence over moving samples only (a sample is moving when the interval ending at it, or for the
            // first sample the one after it, had moving time), and a zero is a dropout while moving.
            let sampleMoving = i == 0 ? (n > 1 && moving[1] > 0) : moving[i] > 0
            if sampleMoving || n == 1, let cadence = samples[i].cadence, cadence.isFinite, cadence > 0 {
                cadenceSum += cadence
                cadenceCount += 1
            }
        }
        if result.avgHeartRate == nil, hrCount > 0 { result.avgHeartRate = roundedSeconds(hrSum / Double(hrCount)) }
        if result.maxHeartRate == nil, hrCount > 0 { result.maxHeartRate = roundedSeconds(hrMax) }
        if result.avgCadence == nil, cadenceCount > 0 {
            result.avgCadence = (cadenceSum / Double(cadenceCount) * 10).rounded() / 10
        }

        if let distance {
            let context = SplitContext(
                times: times, distance: distance, cumulativeMoving: cumulativeMoving,
                cumulativeGain: elevation?.cumulativeGain, heartRates: samples.map(\.heartRate))
            result.splitsKm = splits(every: 1000, context)
            result.splitsMile = splits(every: metresPerMile, context)
            result.bestEfforts = bestEfforts(times: times, distance: distance, startTime: a.startTime)
        }
        result.track = track(samples)
        result.streams = streams(a, distance: distance)
        return result
    }

    /// Whole seconds (or whole beats) from a Double that may be NaN or huge: those give 0 or clamp instead of
    /// trapping in `Int(_:)`.
    static func roundedSeconds(_ value: Double) -> Int {
        guard value.isFinite else { return 0 }
        return Int(max(-1e15, min(1e15, value.rounded())))
    }

    // MARK: - Distance

    /// Great-circle distance in metres.
    public static func haversine(lat1: Double, lon1: Double, lat2: Double, lon2: Double) -> Double {
        let toRadians = Double.pi / 180
        let dLat = (lat2 - lat1) * toRadians
        let dLon = (lon2 - lon1) * toRadians
        let s1 = sin(dLat / 2)
        let s2 = sin(dLon / 2)
        let h = s1 * s1 + cos(lat1 * toRadians) * cos(lat2 * toRadians) * s2 * s2
        return 2 * earthRadiusM * asin(min(1, h.squareRoot()))
    }

    static func position(_ s: RecordedSample) -> (lat: Double, lon: Double)? {
        guard let lat = s.latitude, let lon = s.longitude, lat.isFinite, lon.isFinite, abs(lat) <= 90, abs(lon) <= 180 else {
            return nil
        }
        return (lat, lon)
    }

    /// Cumulative metres at every sample, never decreasing, from the first source the samples have:
    /// the device's own distance (gaps carried forward, leading gaps take the first value), else haversine
    /// between successive positions, else speed integrated over time (a treadmill's footpod). Nil when none.
    static func distanceStream(_ samples: [RecordedSample]) -> [Double]? {
        let n = samples.count
        var out = [Double](repeating: 0, count: n)
        if let first = samples.firstIndex(where: { $0.distanceM?.isFinite == true }) {
            var current = max(0, samples[first].distanceM!)
            for i in 0..<n {
                // A device distance that goes backwards is a glitch; cumulative distance only grows.
                if let d = samples[i].distanceM, d.isFinite, d > current { current = d }
                out[i] = current
            }
            return out
        }
        if samples.contains(where: { position($0) != nil }) {
            var total = 0.0
            var last: (lat: Double, lon: Double)?
            for i in 0..<n {
                if let p = position(samples[i]) {
                    if let last { total += haversine(lat1: last.lat, lon1: last.lon, lat2: p.lat, lon2: p.lon) }
                    last = p
                }
                out[i] = total
            }
            return out
        }
        if samples.contains(where: { $0.speedMS?.isFinite == true }) {
            var total = 0.0
            for i in 1..<max(n, 1) {
                let dt = samples[i].time - samples[i - 1].time
                // Trapezoid where both ends have a speed, else the one that has it.
                let speeds = [samples[i - 1].speedMS, samples[i].speedMS].compactMap { $0 }.filter { $0.isFinite && $0 >= 0 }
                if dt > 0, !speeds.isEmpty { total += dt * speeds.reduce(0, +) / Double(speeds.count) }
                out[i] = total
            }
            return out
        }
        return nil
    }

    // MARK: - Moving time

    /// Moving seconds of each interval between samples: entry i is for the interval from sample i−1 to i
    /// (entry 0 is 0). The rule:
    /// - the part of an interval inside a recorded pause (`a.pauses`, merged where they overlap) is never moving;
    /// - the rest counts as moving only when the distance covered over it averages at least 0.5 m/s. This one
    ///   rule also covers long sample gaps (over 10 s: auto-pause in a GPX or TCX that records no pause, smart
    ///   recording standing at a crossing): with little movement across the gap the whole gap is stopped, while a
    ///   GPS drop-out mid-run (the distance jumps on at running pace) stays moving;
    /// - without any distance (no device distance, positions or speed) every unpaused second is moving.
    static func movingSeconds(times: [Double], distance: [Double]?, pauses: [RecordedPause]) -> [Double] {
        let n = times.count
        var moving = [Double](repeating: 0, count: n)
        let merged = mergedPauses(pauses)
        var p = 0
        for i in 1..<max(n, 1) {
            let start = times[i - 1]
            let end = times[i]
            let dt = end - start
            guard dt > 0, dt.isFinite else { continue }
            while p < merged.count, merged[p].end <= start { p += 1 }
            var paused = 0.0
            var q = p
            while q < merged.count, merged[q].start < end {
                paused += max(0, min(end, merged[q].end) - max(start, merged[q].start))
                q += 1
            }
            let active = dt - paused
            guard active > 0 else { continue }
            if let distance {
                let covered = distance[i] - distance[i - 1]
                guard covered / active >= movingSpeedMS else { continue }
            }
            moving[i] = active
        }
        return moving
    }

    static func mergedPauses(_ pauses: [RecordedPause]) -> [RecordedPause] {
        let sorted = pauses.filter { $0.start.isFinite && $0.end.isFinite && $0.end > $0.start }.sorted { $0.start < $1.start }
        var merged: [RecordedPause] = []
        for pause in sorted {
            if let last = merged.last, pause.start <= last.end {
                merged[merged.count - 1].end = max(last.end, pause.end)
            } else {
                merged.append(pause)
            }
        }
        return merged
    }

    // MARK: - Elevation

    struct ElevationProfile {
        var gain: Double
        var loss: Double
        /// Climbing up to each sample, for per-split gain; sums to `gain` at the last sample.
        var cumulativeGain: [Double]
    }

    /// Gain and loss with hysteresis: a climb counts only once the altitude has risen at least 3 m above the last
    /// low turning point (a descent likewise below the last high one), so GPS noise smaller than that adds
    /// nothing, while a real climb counts in full from its low point to its top. Samples without altitude are
    /// skipped. Nil when no sample has an altitude.
    static func elevationProfile(_ altitudes: [Double?]) -> ElevationProfile? {
        let n = altitudes.count
        let threshold = elevationHysteresisM
        enum Direction { case unknown, up, down }
        var direction = Direction.unknown
        // Turning point (where the current climb or descent began) and the current extreme, with their indices.
        var base = 0.0
        var baseIndex = 0
        var extreme = 0.0
        var extremeIndex = 0
        // Before the first 3 m of movement: the lowest and highest so far.
        var low = 0.0
        var lowIndex = 0
        var high = 0.0
        var highIndex = 0
        var gain = 0.0
        var loss = 0.0
        var climbs: [(from: Int, to: Int)] = []
        var seen = false

        for i in 0..<n {
            guard let a = altitudes[i], a.isFinite else { continue }
            guard seen else {
                seen = true
                (low, lowIndex, high, highIndex) = (a, i, a, i)
                continue
            }
            switch direction {
            case .unknown:
                if a < low { (low, lowIndex) = (a, i) }
                if a > high { (high, highIndex) = (a, i) }
                if a - low >= threshold {
                    direction = .up
                    (base, baseIndex, extreme, extremeIndex) = (low, lowIndex, a, i)
                } else if high - a >= threshold {
                    direction = .down
                    (base, baseIndex, extreme, extremeIndex) = (high, highIndex, a, i)
                }
            case .up:
                if a > extreme {
                    (extreme, extremeIndex) = (a, i)
                } else if extreme - a >= threshold {
                    gain += extreme - base
                    climbs.append((baseIndex, extremeIndex))
                    direction = .down
                    (base, baseIndex, extreme, extremeIndex) = (extreme, extremeIndex, a, i)
                }
            case .down:
                if a < extreme {
                    (extreme, extremeIndex) = (a, i)
                } else if a - extreme >= threshold {
                    loss += base - extreme
                    direction = .up
                    (base, baseIndex, extreme, extremeIndex) = (extreme, extremeIndex, a, i)
                }
            }
        }
        guard seen else { return nil }
        // The climb or descent still open at the end already passed the threshold when it began.
        switch direction {
        case .up:
            gain += extreme - base
            climbs.append((baseIndex, extremeIndex))
        case .down:
            loss += base - extreme
        case .unknown:
            break
        }

        // Spread each counted climb over its samples by the highest altitude reached so far within it, so the
        // running total only rises and a split's gain is the part of the climb inside it.
        var cumulative = [Double](repeating: 0, count: n)
        var total = 0.0
        var next = 0
        var i = 0
        while i < n {
            if next < climbs.count, climbs[next].from == i {
                let (from, to) = climbs[next]
                let bottom = altitudes[from] ?? 0
                let top = altitudes[to] ?? bottom
                var highest = bottom
                for j in from...to {
                    if let a = altitudes[j], a.isFinite { highest = max(highest, min(a, top)) }
                    cumulative[j] = total + (highest - bottom)
                }
                total += top - bottom
                next += 1
                i = to + 1
                continue
            }
            cumulative[i] = total
            i += 1
        }
        return ElevationProfile(gain: gain, loss: loss, cumulativeGain: cumulative)
    }

    // MARK: - Splits

    struct SplitContext {
        var times: [Double]
        var distance: [Double]
        var cumulativeMoving: [Double]
        var cumulativeGain: [Double]?
        var heartRates: [Double?]
    }

    /// Splits of `unit` metres. Each boundary's crossing time is interpolated linearly between the two samples
    /// that straddle it, as are the moving time and the climbing up to it; heart rate is the mean of the
    /// samples inside the split. A last partial split is kept when it is at least 1 m (less is rounding in the
    /// device's distance).
    static func splits(every unit: Double, _ c: SplitContext) -> [ActivitySplit] {
        let n = c.times.count
        guard n > 1, let end = c.distance.last, end > 0 else { return [] }
        var result: [ActivitySplit] = []

        /// Time, moving time and gain at distance `d`, given sample i is the first with distance ≥ d.
        func at(_ d: Double, _ i: Int) -> (time: Double, moving: Double, gain: Double?) {
            guard i > 0, c.distance[i] > c.distance[i - 1] else {
                return (c.times[i], c.cumulativeMoving[i], c.cumulativeGain?[i])
            }
            let f = (d - c.distance[i - 1]) / (c.distance[i] - c.distance[i - 1])
            func lerp(_ v: [Double]) -> Double { v[i - 1] + f * (v[i] - v[i - 1]) }
            return (lerp(c.times), lerp(c.cumulativeMoving), c.cumulativeGain.map(lerp))
        }

        var previous = (time: c.times[0], moving: 0.0, gain: c.cumulativeGain.map { _ in 0.0 })
        var previousDistance = 0.0
        var i = 0
        var hrSum = 0.0
        var hrCount = 0
        var index = 1
        while true {
            let boundary = Double(index) * unit
            let isLast = boundary > end
            let target = isLast ? end : boundary
            if isLast && target - previousDistance < 1 { break }
            // Samples up to (not including) the first at or past the boundary belong to this split.
            while i < n && c.distance[i] < target {
                if let hr = c.heartRates[i], hr.isFinite, hr > 0 {
                    hrSum += hr
                    hrCount += 1
                }
                i += 1
            }
            let j = min(i, n - 1)
            if isLast {
                // The rest of the samples (those sitting exactly on the final distance) are in the last split too.
                while i < n {
                    if let hr = c.heartRates[i], hr.isFinite, hr > 0 {
                        hrSum += hr
                        hrCount += 1
                    }
                    i += 1
                }
            }
            let here = isLast ? (c.times[n - 1], c.cumulativeMoving[n - 1], c.cumulativeGain?[n - 1]) : at(target, j)
            result.append(
                ActivitySplit(
                    index: index, distanceM: target - previousDistance, elapsedS: here.time - previous.time,
                    movingS: here.moving - previous.moving,
                    elevationGainM: here.gain.flatMap { g in previous.gain.map { g - $0 } },
                    avgHeartRate: hrCount > 0 ? hrSum / Double(hrCount) : nil))
            if isLast || boundary == end { break }
            previous = (here.time, here.moving, here.gain)
            previousDistance = target
            hrSum = 0
            hrCount = 0
            index += 1
        }
        return result
    }

    // MARK: - Best efforts

    /// For each standard distance no longer than the activity, the shortest elapsed time over any stretch of
    /// that distance. Two pointers per distance: for every sample j as the end, the start is the last moment the
    /// distance was `d[j] − L`, interpolated between the samples around it; as j advances that moment only moves
    /// forward, so each distance is one O(n) pass.
    static func bestEfforts(times: [Double], distance: [Double], startTime: Double) -> [BestEffort] {
        let n = times.count
        guard n > 1 else { return [] }
        let total = distance[n - 1] - distance[0]
        var result: [BestEffort] = []
        for (name, length) in bestEffortDistances where length <= total + 1e-9 {
            var best = Double.infinity
            var bestStart = 0.0
            var s = 0
            for j in 0..<n {
                let target = distance[j] - length
                guard target >= distance[0] - 1e-9 else { continue }
                // s: the last sample at or before the target distance.
                while s + 1 < j && distance[s + 1] <= target { s += 1 }
                var windowStart = times[s]
                if distance[s] < target, s + 1 < n, distance[s + 1] > distance[s] {
                    let f = (target - distance[s]) / (distance[s + 1] - distance[s])
                    windowStart = times[s] + f * (times[s + 1] - times[s])
                }
                let elapsed = times[j] - windowStart
                if elapsed < best {
                    best = elapsed
                    bestStart = windowStart
                }
            }
            if best.isFinite {
                result.append(BestEffort(name: name, distanceM: length, elapsedS: best, startOffsetS: bestStart - startTime))
            }
        }
        return result
    }

    // MARK: - Track and streams

    static func track(_ samples: [RecordedSample]) -> [[Double]] {
        let points = samples.compactMap { position($0) }.map { ($0.lon, $0.lat) }
        guard points.count >= 2 else { return [] }
        // Six decimals (about 0.1 m) is finer than any GPS and keeps the stored JSON small.
        func round6(_ v: Double) -> Double { (v * 1e6).rounded() / 1e6 }
        return TrackSimplifier.simplify(lonLat: points, maxPoints: maxTrackPoints).map { i in
            [round6(points[i].0), round6(points[i].1)]
        }
    }

    /// The samples as streams, time counted from the activity's start time. Distance is the derived cumulative
    /// distance (the device's, or measured along the positions), so the distance stream exists whenever splits do.
    static func streams(_ a: RecordedActivity, distance: [Double]?) -> ActivityStreams {
        let samples = a.samples
        func column(_ value: (RecordedSample) -> Double?) -> [Double?]? {
            let values = samples.map { s in value(s).flatMap { $0.isFinite ? $0 : nil } }
            return values.contains { $0 != nil } ? values : nil
        }
        let hasPosition = samples.contains { position($0) != nil }
        return ActivityStreams(
            time: samples.map { $0.time - a.startTime }, distance: distance,
            heartRate: column(\.heartRate), cadence: column(\.cadence), altitude: column(\.altitudeM),
            latitude: hasPosition ? samples.map { position($0)?.lat } : nil,
            longitude: hasPosition ? samples.map { position($0)?.lon } : nil)
    }
}
