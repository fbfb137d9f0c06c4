import Foundation

// What every activity-file decoder (FIT, GPX, TCX) produces and what `ActivityDerivation` reads: one neutral
// shape, so the derived figures (distance, splits, best efforts, streams) are computed by one piece of code
// whatever the file's format.

/// The formats we decode. Archives (zip) and compression (gzip) are unwrapped before a decoder sees the bytes.
public enum ActivityFileFormat: String, Codable, Sendable, CaseIterable {
    case fit, gpx, tcx
}

/// One recorded point. Every field but `time` is optional: files omit what the device did not measure
/// (no heart rate, no position on a treadmill, no altitude).
public struct RecordedSample: Sendable, Equatable {
    /// Seconds since 1970-01-01 UTC (a plain number: 10,800 of these are decoded per 3-hour run).
    public var time: Double
    public var latitude: Double?
    public var longitude: Double?
    /// Cumulative distance as the device measured it (FIT `distance`, TCX `DistanceMeters`).
    public var distanceM: Double?
    public var altitudeM: Double?
    public var heartRate: Double?
    /// Steps per minute, both feet (a FIT or TCX running cadence per foot is doubled by the decoder).
    public var cadence: Double?
    public var speedMS: Double?

    public init(
        time: Double, latitude: Double? = nil, longitude: Double? = nil, distanceM: Double? = nil,
        altitudeM: Double? = nil, heartRate: Double? = nil, cadence: Double? = nil, speedMS: Double? = nil
    ) {
        self.time = time
        self.latitude = latitude
        self.longitude = longitude
        self.distanceM = distanceM
        self.altitudeM = altitudeM
        self.heartRate = heartRate
        self.cadence = cadence
        self.speedMS = speedMS
    }
}

/// Totals the device itself reported (FIT `session`, TCX `Lap` sums). Used in preference to derived values.
public struct DeviceTotals: Sendable, Equatable {
    public var distanceM: Double?
    /// Timer time: the clock stopped while paused (FIT `total_timer_time`, TCX `TotalTimeSeconds`).
    public var movingTimeS: Double?
    public var elapsedTimeS: Double?
    public var ascentM: Double?
    public var descentM: Double?
    public var avgHeartRate: Double?
    public var maxHeartRate: Double?
    /// Steps per minute, both feet.
    public var avgCadence: Double?

    public init(
        distanceM: Double? = nil, movingTimeS: Double? = nil, elapsedTimeS: Double? = nil, ascentM: Double? = nil,
        descentM: Double? = nil, avgHeartRate: Double? = nil, maxHeartRate: Double? = nil, avgCadence: Double? = nil
    ) {
        self.distanceM = distanceM
        self.movingTimeS = movingTimeS
        self.elapsedTimeS = elapsedTimeS
        self.ascentM = ascentM
        self.descentM = descentM
        self.avgHeartRate = avgHeartRate
        self.maxHeartRate = maxHeartRate
        self.avgCadence = avgCadence
    }
}

/// A lap as the file recorded it.
public struct RecordedLap: Sendable, Equatable {
    /// Seconds since 1970-01-01 UTC.
    public var startTime: Double
    public var totals: DeviceTotals

    public init(startTime: Double, totals: DeviceTotals) {
        self.startTime = startTime
        self.totals = totals
    }
}

/// A pause the device recorded (FIT timer stop → start). GPX and TCX carry none; derivation then finds pauses
/// from the samples themselves.
public struct RecordedPause: Sendable, Equatable {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }
}

/// One activity from a file. A multi-sport FIT gives one per session; GPX and TCX give one per track/activity.
public struct RecordedActivity: Sendable, Equatable {
    public var name: String?
    public var sport: Sport
    /// Seconds since 1970-01-01 UTC.
    public var startTime: Double
    /// The offset from UTC where it was recorded, when the file says (FIT `activity.local_timestamp`).
    public var utcOffsetS: Int?
    /// Samples in time order (decoders sort and drop exact duplicates of a timestamp).
    public var samples: [RecordedSample]
    public var laps: [RecordedLap]
    public var pauses: [RecordedPause]
    public var totals: DeviceTotals

    public init(
        name: String? = nil, sport: Sport, startTime: Double, utcOffsetS: Int? = nil, samples: [RecordedSample],
        laps: [RecordedLap] = [], pauses: [RecordedPause] = [], totals: DeviceTotals = DeviceTotals()
    ) {
        self.name = name
        self.sport = sport
        self.startTime = startTime
        self.utcOffsetS = utcOffsetS
        self.samples = samples
        self.laps = laps
        self.pauses = pauses
        self.totals = totals
    }
}

/// A decoded file: its format, the device that wrote it when known, and its activities (at least one).
public struct DecodedActivityFile: Sendable, Equatable {
    public var format: ActivityFileFormat
    public var device: String?
    public var activities: [RecordedActivity]

    public init(format: ActivityFileFormat, device: String? = nil, activities: [RecordedActivity]) {
        self.format = format
        self.device = device
        self.activities = activities
    }
}

/// Why a file could not be decoded, in words the athlete can act on. Decoders throw only this.
public struct ActivityFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not a format we read (or not what its name says).
        case unsupportedFormat = "unsupported_format"
        /// Cut short, a bad checksum, a malformed structure.
        case corrupt = "corrupt_file"
        /// Well formed but nothing to import (no track points, no times, no records).
        case noData = "no_activity_data"
        /// Over one of the decoder's bounds (XML depth, entity declarations, sample count).
        case tooLarge = "file_too_complex"
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}

/// Which decoder a file's first bytes call for. A file is recognised by its content, never by its name alone.
public enum ActivityFileSniffer {
    public enum Kind: Sendable, Equatable {
        case activity(ActivityFileFormat)
        case gzip
        case zip
        case unknown
    }

    public static func sniff<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> Kind where Bytes.Element == UInt8, Bytes.Index == Int {
        let start = bytes.startIndex
        func at(_ i: Int) -> UInt8? { i < bytes.count ? bytes[start + i] : nil }
        if at(0) == 0x1F && at(1) == 0x8B { return .gzip }
        if at(0) == 0x50 && at(1) == 0x4B && (at(2) == 0x03 || at(2) == 0x05) { return .zip }
        // FIT: header size 12 or 14, then ".FIT" at offset 8.
        if let size = at(0), size == 12 || size == 14, at(8) == 0x2E, at(9) == 0x46, at(10) == 0x49, at(11) == 0x54 {
            return .activity(.fit)
        }
        // XML: look for the root element in the first 4 KB (after a prolog, comments or a byte-order mark).
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
        if head.contains("<gpx") { return .activity(.gpx) }
        if head.contains("<TrainingCenterDatabase") { return .activity(.tcx) }
        return .unknown
    }
}
