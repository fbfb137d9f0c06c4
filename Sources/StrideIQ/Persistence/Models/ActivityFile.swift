import Fluent
import Foundation

/// An original activity file as uploaded (after unwrapping gzip), kept so export can give it back.
final class ActivityFile: Model, @unchecked Sendable {
    static let schema = "activity_files"

    @ID(key: .id) var id: UUID?
    @Parent(key: "athlete_id") var athlete: Athlete
    /// Hex SHA-256 of `content`: the same file imported twice is recognised by it.
    @Field(key: "sha256") var sha256: String
    @Field(key: "format") var format: String
    @OptionalField(key: "file_name") var fileName: String?
    @OptionalField(key: "device") var device: String?
    @Field(key: "size_bytes") var sizeBytes: Int
    @Field(key: "content") var content: Data
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
}

/// What an imported activity has beyond the summary row: splits, best efforts, the simplified route and the
/// encoded streams. Its primary key is the activity's id; it is deleted with the activity.
final class ActivityDetail: Model, @unchecked Sendable {
    static let schema = "activity_details"

    @ID(custom: "activity_id", generatedBy: .user) var id: UUID?
    @OptionalField(key: "file_id") var fileID: UUID?
    @OptionalField(key: "elevation_loss_m") var elevationLossM: Double?
    @OptionalField(key: "avg_cadence") var avgCadence: Double?
    /// JSON arrays of `ActivitySplit` / `BestEffort`, and the route as `[[lon, lat]]`.
    @Field(key: "splits_km") var splitsKm: String
    @Field(key: "splits_mile") var splitsMile: String
    @Field(key: "best_efforts") var bestEfforts: String
    @Field(key: "track") var track: String
    /// Comma-separated stream keys present in `streams` (lets a page of activities say `has_streams` cheaply).
    @Field(key: "stream_keys") var streamKeys: String
    @OptionalField(key: "streams") var streams: Data?

    init() {}
}

/// One import: a batch of files or an archive, inline or in the background, and its running counts.
final class ActivityImport: Model, @unchecked Sendable {
    static let schema = "imports"

    enum Status: String, Codable, Sendable {
        case queued, running, completed, failed
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "athlete_id") var athlete: Athlete
    @Field(key: "status") var status: Status
    @Field(key: "files_total") var filesTotal: Int
    @Field(key: "files_done") var filesDone: Int
    @Field(key: "created") var created: Int
    @Field(key: "duplicate") var duplicate: Int
    @Field(key: "failed") var failed: Int
    @OptionalField(key: "upload_name") var uploadName: String?
    /// The upload's media type (a multipart body is split into its files again by the worker).
    @OptionalField(key: "content_type") var contentType: String?
    @Field(key: "upload_bytes") var uploadBytes: Int64
    /// Why the whole import failed (an unreadable archive, a limit); per-file failures are results.
    @OptionalField(key: "error_code") var errorCode: String?
    @OptionalField(key: "error") var error: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}
}

/// One file's outcome in an import (`import_results`, keyed by import and file order). Read and written with
/// SQLKit: Fluent's composite ids buy nothing for an append-only row.
struct ImportResultRow: Codable, Sendable {
    var file: String
    var status: String
    /// Comma-separated activity ids (a multi-sport file gives several).
    var activityIDs: String
    var code: String?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case file, status, code, reason
        case activityIDs = "activity_ids"
    }
}
