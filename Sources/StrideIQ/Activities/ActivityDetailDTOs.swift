import Foundation
import StrideIQCore

/// `GET /v1/activities/{id}`: the activity (every `Activity` field) plus what an imported file gave it —
/// splits, best efforts, the simplified route, whether streams exist, and the file it came from. A typed-in
/// activity has empty splits and efforts, no route and no file.
struct ActivityDetailDTO: Encodable, Sendable {
    let activity: ActivityDTO
    let extras: Extras

    struct Extras: Encodable, Sendable {
        let splits: Splits
        let bestEfforts: [BestEffort]
        let hasStreams: Bool
        @Nullable var track: Track?
        @Nullable var sourceFile: SourceFile?
        @Nullable var elevationLossM: Double?
        @Nullable var avgCadence: Double?

        enum CodingKeys: String, CodingKey {
            case splits, track
            case bestEfforts = "best_efforts", hasStreams = "has_streams", sourceFile = "source_file"
            case elevationLossM = "elevation_loss_m", avgCadence = "avg_cadence"
        }
    }

    struct Splits: Codable, Sendable {
        let km: [ActivitySplit]
        let mile: [ActivitySplit]
    }

    /// The route as a GeoJSON LineString: `[longitude, latitude]` pairs, at most 500.
    struct Track: Codable, Sendable {
        var type = "LineString"
        let coordinates: [[Double]]
    }

    struct SourceFile: Codable, Sendable {
        let format: ActivityFileFormat
        @Nullable var fileName: String?
        @Nullable var device: String?
        let sizeBytes: Int
        let sha256: String

        enum CodingKeys: String, CodingKey {
            case format, device, sha256
            case fileName = "file_name", sizeBytes = "size_bytes"
        }
    }

    init(_ activity: Activity, detail: ActivityDetail?, file: ActivityFile?) {
        self.activity = ActivityDTO(activity)
        let track = detail.flatMap { StoredJSON.decode([[Double]].self, $0.track) } ?? []
        extras = Extras(
            splits: Splits(
                km: detail.flatMap { StoredJSON.decode([ActivitySplit].self, $0.splitsKm) } ?? [],
                mile: detail.flatMap { StoredJSON.decode([ActivitySplit].self, $0.splitsMile) } ?? []),
            bestEfforts: detail.flatMap { StoredJSON.decode([BestEffort].self, $0.bestEfforts) } ?? [],
            hasStreams: detail?.streams != nil,
            track: track.count >= 2 ? Track(coordinates: track) : nil,
            sourceFile: file.map {
                SourceFile(
                    format: ActivityFileFormat(rawValue: $0.format) ?? .fit, fileName: $0.fileName, device: $0.device,
                    sizeBytes: $0.sizeBytes, sha256: $0.sha256)
            },
            elevationLossM: detail?.elevationLossM,
            avgCadence: detail?.avgCadence)
    }

    func encode(to encoder: any Encoder) throws {
        try activity.encode(to: encoder)
        try extras.encode(to: encoder)
    }
}

/// `GET /v1/activities/{id}/streams`: the recorded streams, resampled to the asked resolution.
struct ActivityStreamsDTO: Encodable, Sendable {
    let activityID: UUID
    let resolution: String
    /// Samples recorded, and samples in this answer.
    let originalSize: Int
    let size: Int
    let keys: [String]
    let streams: Streams

    /// Each present key's values, one per sample; `null` where the device recorded nothing (a heart-rate
    /// dropout, no position indoors). `latlng` pairs are `[latitude, longitude]`.
    struct Streams: Encodable, Sendable {
        var time: [Double]?
        var distance: [Double]?
        var heartrate: [Double?]?
        var cadence: [Double?]?
        var altitude: [Double?]?
        var latlng: [[Double]?]?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            if let time { try c.encode(time, forKey: .time) }
            if let distance { try c.encode(distance, forKey: .distance) }
            if let heartrate { try c.encode(heartrate, forKey: .heartrate) }
            if let cadence { try c.encode(cadence, forKey: .cadence) }
            if let altitude { try c.encode(altitude, forKey: .altitude) }
            if let latlng { try c.encode(latlng, forKey: .latlng) }
        }

        enum Key: String, CodingKey { case time, distance, heartrate, cadence, altitude, latlng }
    }

    enum CodingKeys: String, CodingKey {
        case resolution, size, keys, streams
        case activityID = "activity_id", originalSize = "original_size"
    }

    /// Points per resolution: `low` for a thumbnail, `medium` for a chart, `high` for everything recorded.
    static let resolutions: [String: Int] = ["low": 100, "medium": 1_000, "high": Int.max]

    init(activityID: UUID, resolution: String, recorded: ActivityStreams, keys wanted: [String]) {
        let points = Self.resolutions[resolution] ?? 1_000
        let streams = points >= recorded.count ? recorded : recorded.resampled(maxPoints: points)
        let present = streams.keys.filter { wanted.contains($0) }
        self.activityID = activityID
        self.resolution = resolution
        originalSize = recorded.count
        size = streams.count
        keys = present
        var out = Streams()
        if present.contains("time") { out.time = streams.time }
        if present.contains("distance") { out.distance = streams.distance }
        if present.contains("heartrate") { out.heartrate = streams.heartRate }
        if present.contains("cadence") { out.cadence = streams.cadence }
        if present.contains("altitude") { out.altitude = streams.altitude }
        if present.contains("latlng"), let lat = streams.latitude, let lon = streams.longitude {
            out.latlng = zip(lat, lon).map { pair in pair.0.flatMap { la in pair.1.map { [la, $0] } } }
        }
        self.streams = out
    }
}
