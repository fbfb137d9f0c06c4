import Foundation

/// GPX 1.0 and 1.1 tracks: each `trk` is one activity, its `trkseg`s are joined in order, and the gap between
/// two segments is recorded as a pause. Routes (`rte`) and waypoints carry no times and are not activities.
///
/// Per point: `lat`/`lon`, `ele`, `time`, GPX 1.0's `speed`, and the extensions Garmin's TrackPointExtension
/// (and Strava, which writes the same) put in a point: `hr` and `cad` (`speed` from its version 2). Other
/// extensions, such as `power`, are skipped.
///
/// Cadence: TrackPointExtension's `cad` is revolutions per minute, which for a runner is one foot's strides,
/// so for foot sports (run, walk, hike) it is doubled into steps per minute, the unit `RecordedSample.cadence`
/// holds; for a ride it stays crank rpm.
///
/// The device is the root's `creator` ("StravaGPX", "Garmin Connect"), else `metadata/author/name`, else GPX
/// 1.0's `author`. The name is `trk/name`, else `metadata/name` (GPX 1.0: the root's `name`). The sport is
/// `trk/type`: a run when there is none, `.other` when it names nothing we know.
///
/// Times: points are put in time order and points sharing a time merged; points without a readable time are
/// dropped, and a track with none at all is refused (`.noData`). The start is the first sample's time; the UTC
/// offset is the first point's when it was written with one (`+02:00`), unknown when written in `Z`.
public enum GPXDecoder {
    public static func decode(_ bytes: [UInt8]) throws -> DecodedActivityFile {
        var reader = try XMLReader(bytes)
        var state = GPXState()
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

private struct GPXState {
    private struct Track {
        var name: String?
        var type: String?
        var segments: [[RecordedSample]] = []
        var timelessPoints = 0
    }

    private struct Point {
        var sample = RecordedSample(time: 0)
        var hasTime = false
        var utcOffsetS: Int?
    }

    /// Local names of the open elements.
    private var path: [String] = []
    private var text = ""

    private var creator: String?
    private var authorName: String?
    private var fileName: String?

    private var tracks: [Track] = []
    private var track: Track?
    private var segment: [RecordedSample] = []
    private var point: Point?
    private var firstOffset: [Int: Int] = [:]
    private var routePoints = 0

    init() {
        path.reserveCapacity(16)
    }

    private var parent: String? { path.count >= 2 ? path[path.count - 2] : nil }

    mutating func start(_ name: String, _ attributes: [XMLAttribute]) throws {
        text = ""
        if path.isEmpty {
            guard name == "gpx" else {
                throw ActivityFileError(.unsupportedFormat, "not a GPX file: its root element is <\(name)>, not <gpx>")
            }
            creator = attributes.value("creator").flatMap(XMLValues.trimmed)
        }
        path.append(name)
        switch name {
        case "trk" where parent == "gpx":
            track = Track()
        case "trkseg" where track != nil && parent == "trk":
            segment = []
        case "trkpt" where track != nil && parent == "trkseg":
            var new = Point()
            if let lat = attributes.value("lat").flatMap(XMLValues.double),
                let lon = attributes.value("lon").flatMap(XMLValues.double),
                (-90...90).contains(lat), (-180...180).contains(lon)
            {
                new.sample.latitude = lat
                new.sample.longitude = lon
            }
            point = new
        case "rtept":
            routePoints += 1
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
            switch name {
            case "trkpt":
                finishPoint()
            case "time" where parent == "trkpt":
                if let stamp = XMLValues.timestamp(text) {
                    point?.sample.time = stamp.time
                    point?.utcOffsetS = stamp.utcOffsetS
                    point?.hasTime = true
                }
            case "ele" where parent == "trkpt":
                point?.sample.altitudeM = XMLValues.double(text)
            case "speed":
                // GPX 1.0's element, or TrackPointExtension v2's; the first one given wins.
                if point?.sample.speedMS == nil, let speed = XMLValues.double(text), speed >= 0 {
                    point?.sample.speedMS = speed
                }
            case "hr", "heartrate":
                if let hr = XMLValues.double(text), hr > 0, hr < 300 { point?.sample.heartRate = hr }
            case "cad", "cadence":
                if let cadence = XMLValues.double(text), cadence >= 0, cadence < 400 { point?.sample.cadence = cadence }
            default:
                break
            }
            return
        }
        switch name {
        case "trkseg" where track != nil && parent == "trk":
            if !segment.isEmpty { track?.segments.append(segment) }
            segment = []
        case "trk" where track != nil && parent == "gpx":
            if let track { tracks.append(track) }
            track = nil
        case "name" where parent == "trk":
            track?.name = XMLValues.trimmed(text)
        case "type" where parent == "trk":
            track?.type = XMLValues.trimmed(text)
        case "name" where parent == "metadata" || parent == "gpx":
            fileName = XMLValues.trimmed(text)
        case "name" where parent == "author" && path.count >= 3 && path[path.count - 3] == "metadata":
            authorName = XMLValues.trimmed(text)
        case "author" where parent == "gpx":
            authorName = XMLValues.trimmed(text)
        default:
            break
        }
    }

    private mutating func finishPoint() {
        guard let point else { return }
        self.point = nil
        guard point.hasTime else {
            track?.timelessPoints += 1
            return
        }
        if segment.isEmpty && (track?.segments.isEmpty ?? true), let offset = point.utcOffsetS {
            firstOffset[tracks.count] = offset
        }
        segment.append(point.sample)
    }

    func finish() throws -> DecodedActivityFile {
        var activities: [RecordedActivity] = []
        var timelessPoints = 0
        for (index, track) in tracks.enumerated() {
            timelessPoints += track.timelessPoints
            let sport = track.type.map(XMLValues.sport) ?? .run
            let doubleCadence = sport.countsSteps
            var samples: [RecordedSample] = []
            var pauses: [RecordedPause] = []
            for segment in track.segments {
                let ordered = XMLValues.ordered(segment)
                if let previous = samples.last?.time, let next = ordered.first?.time, next > previous {
                    pauses.append(RecordedPause(start: previous, end: next))
                }
                samples.append(contentsOf: ordered)
            }
            guard !samples.isEmpty else { continue }
            // Segments are normally in time order; if they overlap, the pauses between them mean nothing.
            let merged = XMLValues.ordered(samples)
            if merged.count != samples.count || zip(merged, samples).contains(where: { $0.time != $1.time }) {
                pauses = []
            }
            samples = merged
            if doubleCadence {
                for k in samples.indices {
                    if let cadence = samples[k].cadence { samples[k].cadence = cadence * 2 }
                }
            }
            activities.append(
                RecordedActivity(
                    name: track.name ?? fileName, sport: sport, startTime: samples[0].time, utcOffsetS: firstOffset[index],
                    samples: samples, pauses: pauses))
        }
        guard !activities.isEmpty else {
            if timelessPoints > 0 || routePoints > 0 {
                throw ActivityFileError(
                    .noData, "the track has no times: a GPX route or a track without timestamps cannot be imported as a run")
            }
            throw ActivityFileError(.noData, "the GPX file has no track points")
        }
        return DecodedActivityFile(format: .gpx, device: creator ?? authorName, activities: activities)
    }
}
