import Fluent
import SQLKit

/// What file imports keep: the original files, each imported activity's derived detail (splits, best efforts,
/// route, streams), and the imports themselves with one result row per file and the spooled upload of a
/// background import.
struct CreateActivityFilesAndImports: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // The original file, once per athlete and content hash (a multi-sport FIT gives several activities
        // one file). Export gives it back; deleting the last activity that came from it deletes it.
        try await database.schema("activity_files")
            .id()
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("sha256", .string, .required)
            .field("format", .string, .required)
            .field("file_name", .string)
            .field("device", .string)
            .field("size_bytes", .int, .required)
            .field("content", .data, .required)
            .field("created_at", .datetime)
            .unique(on: "athlete_id", "sha256", name: "activity_files_athlete_sha")
            .create()
        // One row per imported activity; it goes with its activity (cascade). Streams are one compact blob
        // (`ActivityStreams.encoded()`), not a row per second.
        try await database.schema("activity_details")
            .field("activity_id", .uuid, .identifier(auto: false), .references("activities", "id", onDelete: .cascade))
            .field("file_id", .uuid, .references("activity_files", "id", onDelete: .setNull))
            .field("elevation_loss_m", .double)
            .field("avg_cadence", .double)
            .field("splits_km", .string, .required)
            .field("splits_mile", .string, .required)
            .field("best_efforts", .string, .required)
            .field("track", .string, .required)
            .field("stream_keys", .string, .required)
            .field("streams", .data)
            .create()
        try await (database as! any SQLDatabase).create(index: "activity_details_file_idx")
            .on("activity_details").column("file_id").run()
        try await database.schema("imports")
            .id()
            .field("athlete_id", .uuid, .required, .references("athletes", "id", onDelete: .cascade))
            .field("status", .string, .required)
            .field("files_total", .int, .required)
            .field("files_done", .int, .required)
            .field("created", .int, .required)
            .field("duplicate", .int, .required)
            .field("failed", .int, .required)
            .field("upload_name", .string)
            .field("content_type", .string)
            .field("upload_bytes", .int64, .required)
            .field("error_code", .string)
            .field("error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("finished_at", .datetime)
            .create()
        try await (database as! any SQLDatabase).create(index: "imports_athlete_status_idx")
            .on("imports").column("athlete_id").column("status").run()
        // Per-file outcome, written in the same transaction as the activity it created: a resumed import
        // continues after the last recorded `seq`, so no file is counted or created twice.
        try await database.schema("import_results")
            .field("import_id", .uuid, .required, .references("imports", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("file", .string, .required)
            .field("status", .string, .required)
            .field("activity_ids", .string, .required)
            .field("code", .string)
            .field("reason", .string)
            .compositeIdentifier(over: "import_id", "seq")
            .create()
        // A background import's upload, in 1 MiB chunks: the api process that received it and the worker that
        // imports it share only the database. Deleted when the import ends.
        try await database.schema("import_chunks")
            .field("import_id", .uuid, .required, .references("imports", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("bytes", .data, .required)
            .compositeIdentifier(over: "import_id", "seq")
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["import_chunks", "import_results", "imports", "activity_details", "activity_files"] {
            try await database.schema(table).delete()
        }
    }
}
