import Foundation

/// Decodes a FIT activity file (Garmin, Coros, Suunto, Wahoo… watches and bike computers) into the neutral
/// `DecodedActivityFile`. One activity per session (a multi-sport file gives several); a file with records but no
/// session gives one. Pure and synchronous: callers run it off the event loop.
public enum FITDecoder {
    public static func decode(_ bytes: [UInt8]) throws(ActivityFileError) -> DecodedActivityFile {
        let content = try FITReader(bytes: bytes).read()
        if let type = content.fileType, type != FITProfile.FileID.activityFile {
            throw ActivityFileError(.unsupportedFormat, "this FIT file is not an activity (file type \(type))")
        }
        var samples = content.samples
        if !content.samplesInOrder { samples = sortedMerged(samples) }
        let utcOffset = utcOffsetS(content)
        var sessions = content.sessions
        // A lone session without a start (its start_time invalid) starts at its first record; among several, one
        // without a start has no window and is dropped.
        if sessions.count == 1 && sessions[0].start == nil { sessions[0].startTime = samples.first?.time }
        sessions = sessions.filter { $0.start != nil }.sorted { ($0.start ?? 0) < ($1.start ?? 0) }
        var activities: [RecordedActivity] = []
        if sessions.isEmpty {
            guard let first = samples.first else {
                throw ActivityFileError(.noData, "FIT file has no records and no session")
            }
            let sport = content.sportMessage.map { FITProfile.sport($0.sport, subSport: $0.subSport) } ?? .run
            let laps = content.laps.compactMap { lap(from: $0, sport: sport) }.sorted { $0.startTime < $1.startTime }
            activities.append(
                RecordedActivity(
                    sport: sport, startTime: first.time, utcOffsetS: utcOffset,
                    samples: perFootDoubled(samples, sport: sport), laps: laps, pauses: content.pauses))
        } else {
            for (index, session) in sessions.enumerated() {
                let start = session.start ?? 0
                let sport = FITProfile.sport(session.sport, subSport: session.subSport)
                var own = samples
                var laps = content.laps.compactMap { lap(from: $0, sport: sport) }
                var pauses = content.pauses
                if sessions.count > 1 {
                    // Several sessions split the file: each owns its window, from its start to the end of its
                    // elapsed time and never into the next session (a triathlon's transitions may belong to none).
                    // The stop that ends one leg and the start of the next are no pause of either.
                    let next = index + 1 < sessions.count ? sessions[index + 1].start ?? .infinity : .infinity
                    let end = min(next, session.elapsedS.map { start + $0 } ?? .infinity)
                    let to = min(firstIndex(samples, after: end), firstIndex(samples, atOrAfter: next))
                    let from = min(firstIndex(samples, atOrAfter: start), to)
                    own = Array(samples[from..<to])
                    laps = laps.filter { $0.startTime >= start && $0.startTime < next }
                    pauses = pauses.filter { $0.start >= start && $0.start < end }.map {
                        RecordedPause(start: $0.start, end: min($0.end, end))
                    }
                }
                activities.append(
                    RecordedActivity(
                        sport: sport, startTime: start, utcOffsetS: utcOffset,
                        samples: perFootDoubled(own, sport: sport), laps: laps.sorted { $0.startTime < $1.startTime },
                        pauses: pauses, totals: totals(session, sport: sport)))
            }
        }
        return DecodedActivityFile(format: .fit, device: device(content), activities: activities)
    }

    /// "garmin 3121" (manufacturer and product number, or the product's name when the file gives one),
    /// "manufacturer 999" for a maker we do not name.
    static func device(_ content: FITContent) -> String? {
        guard let manufacturer = content.manufacturer else { return nil }
        guard let name = FITProfile.manufacturerName(manufacturer) else { return "manufacturer \(manufacturer)" }
        if let product = content.productName { return "\(name) \(product)" }
        if let product = content.product { return "\(name) \(product)" }
        return name
    }

    /// `activity.local_timestamp − timestamp`, to the nearest quarter hour (the device's clock and its UTC time
    /// are written a moment apart), when it is a real offset.
    static func utcOffsetS(_ content: FITContent) -> Int? {
        guard let utc = content.activityTimestamp, let local = content.activityLocalTimestamp else { return nil }
        let offset = ((local - utc) / 900).rounded() * 900
        guard offset.isFinite, abs(offset) <= Double(14 * 3600) else { return nil }
        return Int(offset)
    }

    /// Running, walking and hiking cadence is recorded per foot (strides per minute); we keep steps per minute.
    static func isOnFoot(_ sport: Sport) -> Bool { sport == .run || sport == .walking || sport == .hiking }

    private static func perFootDoubled(_ samples: [RecordedSample], sport: Sport) -> [RecordedSample] {
        guard isOnFoot(sport) else { return samples }
        var samples = samples
        for i in samples.indices where samples[i].cadence != nil { samples[i].cadence = (samples[i].cadence ?? 0) * 2 }
        return samples
    }

    private static func cadence(_ summary: FITSummary, sport: Sport) -> Double? {
        guard let whole = summary.avgCadence else { return nil }
        let cadence = whole + (summary.avgFractionalCadence ?? 0) / 128
        return isOnFoot(sport) ? cadence * 2 : cadence
    }

    private static func totals(_ s: FITSummary, sport: Sport) -> DeviceTotals {
        DeviceTotals(
            distanceM: s.distanceM, movingTimeS: s.timerS, elapsedTimeS: s.elapsedS, ascentM: s.ascentM,
            descentM: s.descentM, avgHeartRate: s.avgHeartRate, maxHeartRate: s.maxHeartRate,
            avgCadence: cadence(s, sport: sport))
    }

    private static func lap(from s: FITSummary, sport: Sport) -> RecordedLap? {
        guard let start = s.start else { return nil }
        return RecordedLap(startTime: start, totals: totals(s, sport: sport))
    }

    /// The first index whose time is at least `time` (samples are in time order).
    private static func firstIndex(_ samples: [RecordedSample], atOrAfter time: Double) -> Int {
        partition(samples) { $0 < time }
    }

    /// The first index whose time is after `time`.
    private static func firstIndex(_ samples: [RecordedSample], after time: Double) -> Int {
        partition(samples) { $0 <= time }
    }

    /// Binary search: the first index whose time is not `before` (which holds for a prefix of the samples).
    private static func partition(_ samples: [RecordedSample], _ before: (Double) -> Bool) -> Int {
        var lo = 0
        var hi = samples.count
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if before(samples[mid].time) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// In time order (stable), with samples of the same second merged into one.
    static func sortedMerged(_ samples: [RecordedSample]) -> [RecordedSample] {
        let sorted = samples.enumerated().sorted {
            $0.element.time < $1.element.time || ($0.element.time == $1.element.time && $0.offset < $1.offset)
        }
        var out: [RecordedSample] = []
        out.reserveCapacity(sorted.count)
        for (_, sample) in sorted {
            if let last = out.last, last.time == sample.time {
                out[out.count - 1] = FITReader.merged(last, sample)
            } else {
                out.append(sample)
            }
        }
        return out
    }
}
