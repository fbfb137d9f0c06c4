import Foundation

/// Garmin Training Center (TCX) files: each `Activity` (also inside a `MultiSportSession`) is one activity, its
/// `Lap`s' tracks are joined in order. The start time is the activity's `Id`; each lap's totals (`TotalTimeSeconds`,
/// `DistanceMeters`, average and maximum heart rate, cadence) become a `RecordedLap`, and their sums (time-weighted
/// averages, the maximum of maxima) the activity's device totals. `MaximumSpeed` and `Calories` are read past:
/// the neutral model has no place for them.
///
/// Per trackpoint: `Time`, `Position`, `AltitudeMeters`, `DistanceMeters`, `HeartRateBpm/Value`, `Cadence` and the
/// ActivityExtension's `Speed` and `RunCadence`. A running cadence in TCX counts one foot (Garmin's `RunCadence`,
/// and what running apps write into `Cadence`), so for foot sports it is doubled into steps per minute; a ride's
/// `Cadence` stays crank rpm. The device is `Creator/Name`, else the file's `Author/Name`.
///
/// Trackpoints are put in time order and those sharing a time merged; one without a time is dropped. The UTC
/// offset is the `Id`'s when it was written with one. An activity with laps but no timed trackpoint is skipped
/// (there is nothing to derive from), and a file with none at all is `.noData`.
public enum TCXDecoder {
    public static func decode(_ bytes: [UInt8]) throws -> DecodedActivityFile {
        var reader = try XMLReader(bytes)
        var state = TCXState()
        while let event = try reader.next() {
            switch event {
            case .startElement(let name, let attributes):
                try state.start(name, attributes)
            case .endElement(let name):
                state.end(name)
            case .text(let text):
                state.text(text)
            }
        }
        return try state.finish()
    }
}

private struct TCXState {
    private struct Lap {
        var startTime: Double?
        var totals = DeviceTotals()
        var cadence: Double?
        var runCadence: Double?
    }

    private struct Activity {
        var sport: Sport = .run
        var id: XMLTimestamp?
        var device: String?
        var laps: [Lap] = []
        var samples: [RecordedSample] = []
        var timelessPoints = 0
    }

    private struct Point {
        var sample = RecordedSample(time: 0)
        var hasTime = false
        var latitude: Double?
        var longitude: Double?
        var cadence: Double?
        var runCadence: Double?
    }

    private var path: [String] = []
    private var text = ""
    private var author: String?
    private var activities: [Activity] = []
    private var activity: Activity?
    private var lap: Lap?
    private var point: Point?

    init() {
        path.reserveCapacity(16)
    }

    private var parent: String? { path.count >= 2 ? path[path.count - 2] : nil }

    mutating func start(_ name: String, _ attributes: [XMLAttribute]) throws {
        text = ""
        if path.isEmpty && name != "TrainingCenterDatabase" {
            throw ActivityFileError(
                .unsupportedFormat, "not a TCX file: its root element is <\(name)>, not <TrainingCenterDatabase>")
        }
        path.append(name)
        switch name {
        case "Activity" where activity == nil:
            var new = Activity()
            if let sport = attributes.value("Sport").flatMap(XMLValues.trimmed) { new.sport = XMLValues.sport(sport) }
            activity = new
        case "Lap" where activity != nil && lap == nil:
            var new = Lap()
            new.startTime = attributes.value("StartTime").flatMap(XMLValues.timestamp)?.time
            lap = new
        case "Trackpoint" where activity != nil:
            point = Point()
        default:
            break
        }
    }

    mutating func text(_ chunk: String) {
        // Only short leaves (numbers, times, names) are read; past the reader's bound for one run, the rest of
        // an element's text (a long description in pieces) is not kept.
        guard text.utf8.count < XMLReader.maxTextBytes else { return }
        text += chunk
    }

    mutating func end(_ name: String) {
        let parent = self.parent
        defer {
            path.removeLast()
            text = ""
        }
        if point != nil {
            endInPoint(name, parent: parent)
            return
        }
        if lap != nil {
            endInLap(name, parent: parent)
            return
        }
        switch name {
        case "Activity":
            if let activity { activities.append(activity) }
            activity = nil
        case "Id" where parent == "Activity":
            activity?.id = XMLValues.timestamp(text)
        case "Name" where parent == "Creator" && activity != nil:
            if activity?.device == nil { activity?.device = XMLValues.trimmed(text) }
        case "Name" where parent == "Author":
            author = XMLValues.trimmed(text)
        default:
            break
        }
    }

    private mutating func endInPoint(_ name: String, parent: String?) {
        switch name {
        case "Trackpoint":
            finishPoint()
        case "Time" where parent == "Trackpoint":
            if let stamp = XMLValues.timestamp(text) {
                point?.sample.time = stamp.time
                point?.hasTime = true
            }
        case "LatitudeDegrees" where parent == "Position":
            point?.latitude = XMLValues.double(text)
        case "LongitudeDegrees" where parent == "Position":
            point?.longitude = XMLValues.double(text)
        case "AltitudeMeters":
            point?.sample.altitudeM = XMLValues.double(text)
        case "DistanceMeters":
            if let distance = XMLValues.double(text), distance >= 0 { point?.sample.distanceM = distance }
        case "Value" where parent == "HeartRateBpm":
            if let hr = XMLValues.double(text), hr > 0, hr < 300 { point?.sample.heartRate = hr }
        case "Cadence":
            if let cadence = XMLValues.double(text), cadence >= 0, cadence < 400 { point?.cadence = cadence }
        case "RunCadence":
            if let cadence = XMLValues.double(text), cadence >= 0, cadence < 400 { point?.runCadence = cadence }
        case "Speed":
            if let speed = XMLValues.double(text), speed >= 0 { point?.sample.speedMS = speed }
        default:
            break
        }
    }

    private mutating func endInLap(_ name: String, parent: String?) {
        switch name {
        case "Lap":
            if let lap { activity?.laps.append(lap) }
            lap = nil
        case "TotalTimeSeconds" where parent == "Lap":
            lap?.totals.movingTimeS = XMLValues.double(text).flatMap { $0 >= 0 ? $0 : nil }
        case "DistanceMeters" where parent == "Lap":
            lap?.totals.distanceM = XMLValues.double(text).flatMap { $0 >= 0 ? $0 : nil }
        case "Value" where parent == "AverageHeartRateBpm":
            lap?.totals.avgHeartRate = XMLValues.double(text).flatMap { $0 > 0 ? $0 : nil }
        case "Value" where parent == "MaximumHeartRateBpm":
            lap?.totals.maxHeartRate = XMLValues.double(text).flatMap { $0 > 0 ? $0 : nil }
        case "Cadence" where parent == "Lap":
            lap?.cadence = XMLValues.double(text).flatMap { $0 > 0 ? $0 : nil }
        case "AvgRunCadence":
            lap?.runCadence = XMLValues.double(text).flatMap { $0 > 0 ? $0 : nil }
        default:
            break
        }
    }

    private mutating func finishPoint() {
        guard var point else { return }
        self.point = nil
        guard point.hasTime else {
            activity?.timelessPoints += 1
            return
        }
        if let lat = point.latitude, let lon = point.longitude, (-90...90).contains(lat), (-180...180).contains(lon) {
            point.sample.latitude = lat
            point.sample.longitude = lon
        }
        // The sport is an attribute of `Activity`, so it is known before any trackpoint.
        if let run = point.runCadence {
            point.sample.cadence = run * 2
        } else if let cadence = point.cadence {
            point.sample.cadence = activity?.sport.countsSteps == true ? cadence * 2 : cadence
        }
        activity?.samples.append(point.sample)
    }

    func finish() throws -> DecodedActivityFile {
        var decoded: [RecordedActivity] = []
        var timelessPoints = 0
        for activity in activities {
            timelessPoints += activity.timelessPoints
            let footSport = activity.sport.countsSteps
            var samples = activity.samples
            samples = XMLValues.ordered(samples)
            guard let first = samples.first else { continue }
            let laps = activity.laps.map { lap in
                var totals = lap.totals
                if let run = lap.runCadence {
                    totals.avgCadence = run * 2
                } else if let cadence = lap.cadence {
                    totals.avgCadence = footSport ? cadence * 2 : cadence
                }
                return RecordedLap(startTime: lap.startTime ?? activity.id?.time ?? first.time, totals: totals)
            }
            decoded.append(
                RecordedActivity(
                    sport: activity.sport, startTime: activity.id?.time ?? laps.first?.startTime ?? first.time,
                    utcOffsetS: activity.id?.utcOffsetS, samples: samples, laps: laps, totals: Self.sum(laps)))
        }
        guard !decoded.isEmpty else {
            if timelessPoints > 0 {
                throw ActivityFileError(.noData, "the TCX track has no times, so it cannot be imported as a run")
            }
            throw ActivityFileError(.noData, "the TCX file has no track points")
        }
        let device = activities.lazy.compactMap(\.device).first ?? author
        return DecodedActivityFile(format: .tcx, device: device, activities: decoded)
    }

    /// The activity's totals from its laps: distances and times add up, averages are weighted by lap time,
    /// the maximum is the largest lap maximum. A total is given only when every lap has it, so a lap missing
    /// its distance does not make the sum look like a shorter run.
    private static func sum(_ laps: [RecordedLap]) -> DeviceTotals {
        guard !laps.isEmpty else { return DeviceTotals() }
        func total(_ value: (DeviceTotals) -> Double?) -> Double? {
            var sum = 0.0
            for lap in laps {
                guard let v = value(lap.totals) else { return nil }
                sum += v
            }
            return sum
        }
        func weighted(_ value: (DeviceTotals) -> Double?) -> Double? {
            var sum = 0.0
            var weight = 0.0
            for lap in laps {
                guard let v = value(lap.totals) else { continue }
                let w = lap.totals.movingTimeS ?? 0
                sum += v * w
                weight += w
            }
            return weight > 0 ? sum / weight : nil
        }
        return DeviceTotals(
            distanceM: total(\.distanceM), movingTimeS: total(\.movingTimeS), avgHeartRate: weighted(\.avgHeartRate),
            maxHeartRate: laps.compactMap(\.totals.maxHeartRate).max(), avgCadence: weighted(\.avgCadence))
    }
}
