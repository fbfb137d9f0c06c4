import Fluent
import Foundation
import SQLKit
import StrideIQCore

/// An import and its per-file results, as `POST /v1/activities/import` and `GET /v1/imports/{id}` answer it.
struct ImportDTO: Codable, Sendable {
    let id: UUID
    let status: ActivityImport.Status
    let filesTotal: Int
    let filesDone: Int
    let created: Int
    let duplicate: Int
    let failed: Int
    /// `files_done` of `files_total` in percent; 100 once finished.
    let progressPct: Int
    let results: [ImportFileResultDTO]
    @Nullable var errorCode: String?
    @Nullable var error: String?
    let createdAt: Date
    @Nullable var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, status, created, duplicate, failed, results, error
        case filesTotal = "files_total", filesDone = "files_done", progressPct = "progress_pct"
        case errorCode = "error_code", createdAt = "created_at", finishedAt = "finished_at"
    }

    init(_ record: ActivityImport, results: [ImportResultRow]) {
        id = record.id!
        status = record.status
        filesTotal = record.filesTotal
        filesDone = record.filesDone
        created = record.created
        duplicate = record.duplicate
        failed = record.failed
        let finished = record.status == .completed || record.status == .failed
        progressPct =
            finished ? 100 : record.filesTotal > 0 ? min(99, record.filesDone * 100 / record.filesTotal) : 0
        self.results = results.map(ImportFileResultDTO.init)
        errorCode = record.errorCode
        error = record.error
        createdAt = record.createdAt
        finishedAt = record.finishedAt
    }

    /// The import with its results, in file order.
    static func load(_ record: ActivityImport, on db: any Database) async throws -> ImportDTO {
        let results = try await (db as! any SQLDatabase).select()
            .columns("file", "status", "activity_ids", "code", "reason").from("import_results")
            .where("import_id", .equal, SQLBind(record.requireID())).orderBy("seq")
            .all(decoding: ImportResultRow.self)
        return ImportDTO(record, results: results)
    }
}

struct ImportFileResultDTO: Codable, Sendable {
    let file: String
    /// `created`, `duplicate` (the existing activity's id) or `failed` (`code` and `reason` say why).
    let status: String
    @Nullable var activityID: UUID?
    /// Every activity of the file (a multi-sport FIT has several).
    let activityIDs: [UUID]
    @Nullable var code: String?
    @Nullable var reason: String?

    enum CodingKeys: String, CodingKey {
        case file, status, code, reason
        case activityID = "activity_id", activityIDs = "activity_ids"
    }

    init(_ row: ImportResultRow) {
        file = row.file
        status = row.status
        activityIDs = row.activityIDs.split(separator: ",").compactMap { UUID(uuidString: String($0)) }
        activityID = activityIDs.first
        code = row.code
        reason = row.reason
    }
}
