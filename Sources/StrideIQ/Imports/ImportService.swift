import Fluent
import Foundation
import SQLKit
import StrideIQCore
import Vapor

/// Imports activity files: starts an import from an upload (inline, or queued for the worker), and turns each
/// file into activities with their details, streams and original file.
///
/// Every file is one transaction: its activities, their details, the original file, its result row and the
/// import's counters commit together or not at all, so a failure (or a killed worker) never leaves half an
/// activity, and a resumed import continues after the last recorded file. The duplicate rule is the manual
/// one (`ActivityDuplicateRule`); the same file again is recognised by its SHA-256 and answers its activities.
struct ImportService: Sendable {
    let limits: AppConfig.ImportLimits
    let trigger: BriefingTrigger
    let threadPool: NIOThreadPool
    let now: @Sendable () -> Date

    /// Rows of `import_chunks` written per transaction while queuing a background import.
    private static let chunkBytes = 1 << 20
    private static let chunksPerTransaction = 8

    // MARK: starting

    /// Validates the upload's files and either imports them now (small batches of plain files) or queues them
    /// (archives, and batches over `inlineMaxBytes`). Returns the import and whether it already ran.
    func start(
        files: [SpooledFile], body: SpooledFile, contentType: String?, athlete: Athlete, on db: any Database
    ) async throws -> (record: ActivityImport, ranInline: Bool) {
        let limits = limits
        let plan = try await threadPool.runIfActive { try Self.inspect(files, limits: limits) }
        let background = plan.hasArchive || files.reduce(0, { $0 + $1.size }) > limits.inlineMaxBytes
        if files.count == 1 && !plan.hasArchive && files[0].size > limits.maxFileBytes && body == files[0] {
            throw APIError(
                .payloadTooLarge, code: .fileTooLarge,
                detail: "The file is larger than \(ByteCountText.format(limits.maxFileBytes)) (IMPORT_MAX_FILE_BYTES)")
        }
        let athleteID = try athlete.requireID()
        let record = ActivityImport()
        record.id = UUID()
        record.$athlete.id = athleteID
        record.status = background ? .queued : .running
        record.filesTotal = plan.fileCount
        record.filesDone = 0
        record.created = 0
        record.duplicate = 0
        record.failed = 0
        record.uploadName = files.count == 1 ? files[0].name : nil
        record.contentType = contentType
        record.uploadBytes = Int64(body.size)
        record.createdAt = now()
        record.updatedAt = record.createdAt
        guard background else {
            try await record.create(on: db)
            try await process(record, files: files, athlete: athlete, on: db)
            return (record, true)
        }
        try await queue(record, body: body, on: db)
        return (record, false)
    }

    private struct UploadPlan: Sendable {
        var fileCount = 0
        var hasArchive = false
    }

    /// Counts the files (archive members included) and checks every archive before anything is stored.
    private static func inspect(_ files: [SpooledFile], limits: AppConfig.ImportLimits) throws -> UploadPlan {
        var plan = UploadPlan()
        for file in files {
            if isZip(file.path) {
                plan.hasArchive = true
                let members = try ImportArchive(
                    path: file.path, size: file.size, limits: limits, scratch: (file.path as NSString).deletingLastPathComponent
                ).members.count
                guard members > 0 else {
                    throw APIError(
                        .unprocessableEntity, code: .noFiles,
                        detail: "The archive \(file.name) holds no FIT, GPX or TCX file (nor a zip of them)")
                }
                plan.fileCount += members
            } else {
                plan.fileCount += 1
            }
            guard plan.fileCount <= limits.maxArchiveEntries else {
                throw APIError(
                    .unprocessableEntity, code: .tooManyFiles,
                    detail: "The upload has more than \(limits.maxArchiveEntries) files (IMPORT_MAX_ARCHIVE_ENTRIES)")
            }
        }
        return plan
    }

    /// Stores the upload in `import_chunks` (the worker may run on another machine) and then, in one
    /// transaction, makes the import visible and enqueues its job.
    private func queue(_ record: ActivityImport, body: SpooledFile, on db: any Database) async throws {
        let importID = try record.requireID()
        let athleteID = record.$athlete.id
        // The row exists first (the chunks reference it) but as `failed` with no files, until the last
        // transaction flips it to queued with its job: a crash in between leaves a finished, empty import.
        record.status = .failed
        record.errorCode = ErrorCode.internalError.rawValue
        record.error = "The upload was interrupted before it was stored"
        try await record.create(on: db)
        guard let input = FileHandle(forReadingAtPath: body.path) else {
            throw APIError(.internalServerError, code: .internalError, detail: "Internal server error")
        }
        let box = ReadBox(input)
        defer { try? input.close() }
        var seq = 0
        while true {
            var batch: [Data] = []
            for _ in 0..<Self.chunksPerTransaction {
                let chunk = try await threadPool.runIfActive { try box.handle.read(upToCount: Self.chunkBytes) ?? Data() }
                if chunk.isEmpty { break }
                batch.append(chunk)
            }
            if batch.isEmpty { break }
            let first = seq
            seq += batch.count
            let rows = batch
            try await db.write { tx in
                let sql = tx as! any SQLDatabase
                for (offset, bytes) in rows.enumerated() {
                    try await sql.insert(into: "import_chunks").columns("import_id", "seq", "bytes")
                        .values(SQLBind(importID), SQLBind(first + offset), SQLBind(bytes)).run()
                }
            }
        }
        let now = now()
        let queue = jobQueue
        try await db.write(athlete: athleteID) { tx in
            try await ActivityImport.query(on: tx).filter(\.$id == importID)
                .set(\.$status, to: .queued).set(\.$errorCode, to: nil).set(\.$error, to: nil).set(\.$updatedAt, to: now)
                .update()
            try await queue.enqueue(.activityImport, athleteID: athleteID, priority: .pageView, reason: "import", on: tx)
        }
        record.status = .queued
        record.errorCode = nil
        record.error = nil
    }

    var jobQueue: JobQueue { trigger.briefings.queue }

    // MARK: the worker

    /// The `activity_import` job: every queued (or interrupted) import of the athlete, oldest first. Returns
    /// the job's result label.
    func runQueued(athleteID: UUID, on db: any Database) async throws -> String {
        guard let athlete = try await Athlete.find(athleteID, on: db) else { return "no_athlete" }
        let pending = try await ActivityImport.query(on: db)
            .filter(\.$athlete.$id == athleteID)
            .filter(\.$status ~~ [.queued, .running])
            .sort(\.$createdAt).all()
        for record in pending {
            let directory = try ImportUpload.makeDirectory()
            defer { ImportUpload.removeDirectory(directory) }
            let body = try await restoreUpload(record, to: directory, on: db)
            do {
                let files = try await threadPool.runIfActive { [limits] in
                    try ImportUpload.files(
                        body: body, contentType: record.contentType.flatMap { HTTPHeaders([("Content-Type", $0)]).contentType },
                        maxFiles: limits.maxArchiveEntries,
                        directory: directory)
                }
                let plan = try await threadPool.runIfActive { [limits] in try Self.inspect(files, limits: limits) }
                record.filesTotal = plan.fileCount
                try await ActivityImport.query(on: db).filter(\.$id == record.requireID())
                    .set(\.$status, to: .running).set(\.$filesTotal, to: plan.fileCount).set(\.$updatedAt, to: now()).update()
                try await process(record, files: files, athlete: athlete, on: db)
            } catch let error as APIError {
                try await finish(record, athlete: athlete, failure: error, on: db)
            }
            try await (db as! any SQLDatabase).delete(from: "import_chunks").where("import_id", .equal, SQLBind(record.requireID())).run()
        }
        return pending.isEmpty ? "nothing_queued" : "imported"
    }

    /// Writes a queued import's stored upload back to a file, one chunk at a time.
    private func restoreUpload(_ record: ActivityImport, to directory: String, on db: any Database) async throws -> SpooledFile {
        let path = (directory as NSString).appendingPathComponent("upload")
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw APIError(.internalServerError, code: .internalError, detail: "Internal server error")
        }
        let box = ReadBox(handle)
        defer { try? handle.close() }
        let sql = db as! any SQLDatabase
        let importID = try record.requireID()
        var seq = 0
        var size = 0
        while let row = try await sql.select().column("bytes").from("import_chunks")
            .where("import_id", .equal, SQLBind(importID)).where("seq", .equal, SQLBind(seq)).first()
        {
            let bytes = try row.decode(column: "bytes", as: Data.self)
            size += bytes.count
            try await threadPool.runIfActive { try box.handle.write(contentsOf: bytes) }
            seq += 1
        }
        return SpooledFile(name: record.uploadName ?? "upload", path: path, size: size)
    }

    // MARK: processing

    /// Imports `files` in order into `record`, skipping those a previous run already recorded, then marks it
    /// completed and (when anything was created) asks for one briefing refresh.
    func process(_ record: ActivityImport, files: [SpooledFile], athlete: Athlete, on db: any Database) async throws {
        let importID = try record.requireID()
        let sql = db as! any SQLDatabase
        // Files a previous run of this import already recorded (a worker that died mid-import) are skipped.
        let last = try await sql.select().column(SQLFunction("MAX", args: SQLColumn("seq")), as: "last")
            .from("import_results").where("import_id", .equal, SQLBind(importID)).first()
        let done = try last?.decode(column: "last", as: Int?.self) ?? -1
        let limits = limits
        var seq = -1
        do {
            for file in files {
                if Self.isZip(file.path) {
                    let archive = try await threadPool.runIfActive {
                        try ImportArchive(
                            path: file.path, size: file.size, limits: limits, scratch: (file.path as NSString).deletingLastPathComponent)
                    }
                    for member in archive.members {
                        seq += 1
                        guard seq > done else { continue }
                        let name = member.path
                        let outcome: FileOutcome
                        if ImportArchive.isUnsafe(name) {
                            outcome = .failed(
                                code: "unsafe_path", reason: "the archive entry's name leaves the archive (an absolute path or ..)")
                        } else {
                            outcome = try await threadPool.runIfActive {
                                do {
                                    return Self.decode(try archive.read(member), name: name, hint: member.hint, limits: limits)
                                } catch let failure as ImportFileFailure {
                                    return .failed(code: failure.code, reason: failure.reason)
                                } catch let error as ActivityFileError {
                                    return .failed(code: error.kind.rawValue, reason: error.reason)
                                }
                            }
                        }
                        try await store(outcome, file: name, seq: seq, importID: importID, athlete: athlete, on: db)
                    }
                } else {
                    seq += 1
                    guard seq > done else { continue }
                    let outcome: FileOutcome
                    if file.size > limits.maxFileBytes {
                        outcome = .failed(
                            code: ErrorCode.fileTooLarge.rawValue,
                            reason: "the file is larger than \(ByteCountText.format(limits.maxFileBytes)) (IMPORT_MAX_FILE_BYTES)")
                    } else {
                        outcome = try await threadPool.runIfActive {
                            guard let data = FileManager.default.contents(atPath: file.path) else {
                                return .failed(code: ActivityFileError.Kind.corrupt.rawValue, reason: "the file could not be read")
                            }
                            return Self.decode([UInt8](data), name: file.name, hint: nil, limits: limits)
                        }
                    }
                    try await store(outcome, file: file.name, seq: seq, importID: importID, athlete: athlete, on: db)
                }
            }
        } catch let abort as ImportAbort {
            try await finish(record, athlete: athlete, failure: abort.error, on: db)
            return
        }
        try await finish(record, athlete: athlete, failure: nil, on: db)
    }

    /// Marks the import finished (completed, or failed with `failure`), with the one briefing refresh.
    private func finish(_ record: ActivityImport, athlete: Athlete, failure: APIError?, on db: any Database) async throws {
        let importID = try record.requireID()
        let now = now()
        let trigger = trigger
        let finished = try await db.write(athlete: try athlete.requireID()) { tx -> ActivityImport? in
            guard let row = try await ActivityImport.find(importID, on: tx) else { return nil }
            row.status = failure == nil ? .completed : .failed
            row.errorCode = failure?.code.rawValue
            row.error = failure?.detail
            row.updatedAt = now
            row.finishedAt = now
            try await row.update(on: tx)
            if row.created > 0 { try await trigger.fire("activities_imported", athlete: athlete, on: tx) }
            return row
        }
        if let finished {
            record.status = finished.status
            record.filesTotal = finished.filesTotal
            record.filesDone = finished.filesDone
            record.created = finished.created
            record.duplicate = finished.duplicate
            record.failed = finished.failed
            record.errorCode = finished.errorCode
            record.error = finished.error
            record.updatedAt = finished.updatedAt
            record.finishedAt = finished.finishedAt
        }
    }

    // MARK: one file

    /// A file decoded and derived (on the thread pool), or why not.
    enum FileOutcome: Sendable {
        case decoded(DecodedFile)
        case failed(code: String, reason: String)
    }

    struct DecodedFile: Sendable {
        let format: ActivityFileFormat
        let device: String?
        let sha256: String
        let content: Data
        let activities: [(recorded: RecordedActivity, derived: DerivedActivity)]
        let hint: ImportHint?
    }

    /// Decodes and derives one file. CPU work: the thread pool runs it.
    static func decode(_ bytes: [UInt8], name: String, hint: ImportHint?, limits: AppConfig.ImportLimits) -> FileOutcome {
        do {
            // The file is kept (and recognised again) without its gzip layer: `run.gpx` and `run.gpx.gz` are one file.
            var bytes = bytes
            if ActivityFileSniffer.sniff(bytes) == .gzip {
                let maxInflated = min(
                    limits.maxFileBytes, max(bytes.count, 1).multipliedReportingOverflow(by: limits.maxInflateRatio).partialValue)
                do {
                    bytes = try ActivityFileDecoding.gunzip(bytes, limit: maxInflated)
                } catch let error as ActivityFileError where error.kind == .tooLarge {
                    return .failed(
                        code: ErrorCode.fileTooLarge.rawValue,
                        reason: "the .gz file expands past \(ByteCountText.format(limits.maxFileBytes)) (IMPORT_MAX_FILE_BYTES) "
                            + "or \(limits.maxInflateRatio)× its size (IMPORT_MAX_INFLATE_RATIO)")
                }
            }
            var decoded = try ActivityFileDecoding.decode(bytes, maxInflatedBytes: 0)
            decoded.activities = decoded.activities.filter { !$0.samples.isEmpty || $0.totals.elapsedTimeS != nil }
            guard !decoded.activities.isEmpty else {
                return .failed(code: ActivityFileError.Kind.noData.rawValue, reason: "the file holds no recorded activity")
            }
            let hash = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            let activities = decoded.activities.map { ($0, ActivityDerivation.derive($0)) }
            return .decoded(
                DecodedFile(
                    format: decoded.format, device: decoded.device, sha256: hash, content: Data(bytes), activities: activities,
                    hint: hint))
        } catch let error as ActivityFileError {
            return .failed(code: error.kind.rawValue, reason: error.reason)
        } catch {
            return .failed(code: ActivityFileError.Kind.corrupt.rawValue, reason: "the file could not be decoded")
        }
    }

    /// Stores one file's outcome: its activities (those not already recorded), their details, the original
    /// file, the result row and the import's counters, in one transaction.
    private func store(
        _ outcome: FileOutcome, file: String, seq: Int, importID: UUID, athlete: Athlete, on db: any Database
    ) async throws {
        let athleteID = try athlete.requireID()
        let now = now()
        let zone = athlete.timeZone
        let fileName = String(file.prefix(255))
        try await db.write(athlete: athleteID) { tx in
            var status: String
            var ids: [UUID] = []
            var code: String?
            var reason: String?
            switch outcome {
            case .failed(let failureCode, let failureReason):
                status = "failed"
                code = failureCode
                reason = failureReason
            case .decoded(let decoded):
                (status, ids, code, reason) = try await Self.insert(
                    decoded, fileName: fileName, athleteID: athleteID, zone: zone, now: now, on: tx)
            }
            try await (tx as! any SQLDatabase).insert(into: "import_results")
                .columns("import_id", "seq", "file", "status", "activity_ids", "code", "reason")
                .values(
                    SQLBind(importID), SQLBind(seq), SQLBind(fileName), SQLBind(status),
                    SQLBind(ids.map(\.uuidString).joined(separator: ",")), SQLBind(code), SQLBind(reason)
                ).run()
            try await (tx as! any SQLDatabase).update("imports")
                .set(SQLIdentifier("files_done"), to: SQLRaw("files_done + 1"))
                .set(
                    SQLIdentifier(status == "created" ? "created" : status == "duplicate" ? "duplicate" : "failed"),
                    to: SQLRaw(status == "created" ? "created + 1" : status == "duplicate" ? "duplicate + 1" : "failed + 1")
                )
                .set("updated_at", to: SQLBind(now))
                .where("id", .equal, SQLBind(importID)).run()
        }
    }

    private static func insert(
        _ file: DecodedFile, fileName: String, athleteID: UUID, zone: TimeZone, now: Date, on tx: any Database
    ) async throws -> (status: String, ids: [UUID], code: String?, reason: String?) {
        // The same file again: its activities.
        if let existing = try await ActivityFile.query(on: tx)
            .filter(\.$athlete.$id == athleteID).filter(\.$sha256 == file.sha256).first()
        {
            let ids = try await ActivityDetail.query(on: tx).filter(\.$fileID == existing.requireID()).all().compactMap(\.id)
            if !ids.isEmpty { return ("duplicate", ids, nil, nil) }
        }
        var ids: [UUID] = []
        var fresh: [(Int, RecordedActivity, DerivedActivity)] = []
        for (index, pair) in file.activities.enumerated() {
            let start = Date(timeIntervalSince1970: pair.recorded.startTime)
            if start > now.addingTimeInterval(ActivityBody.futureTolerance) {
                return ("failed", [], "invalid_start_time", "the activity starts in the future: check the device's clock")
            }
            if start < ActivityBody.earliestStart {
                return ("failed", [], "invalid_start_time", "the activity starts before 1990: check the device's clock")
            }
            let window = ActivityDuplicateRule.window(around: start)
            let nearby = try await Activity.query(on: tx)
                .filter(\.$athlete.$id == athleteID)
                .filter(\.$startTime >= window.lowerBound).filter(\.$startTime <= window.upperBound).all()
            let candidate = ActivityDuplicateRule.Candidate(startTime: start, distanceM: pair.derived.distanceM)
            if let duplicate = nearby.first(where: {
                ActivityDuplicateRule.isDuplicate(candidate, .init(startTime: $0.startTime, distanceM: $0.distanceM))
            }) {
                ids.append(try duplicate.requireID())
            } else {
                fresh.append((index, pair.recorded, pair.derived))
            }
        }
        guard !fresh.isEmpty else { return ("duplicate", ids, nil, nil) }
        let stored: ActivityFile
        if let orphan = try await ActivityFile.query(on: tx)
            .filter(\.$athlete.$id == athleteID).filter(\.$sha256 == file.sha256).first()
        {
            stored = orphan
        } else {
            stored = ActivityFile()
            stored.$athlete.id = athleteID
            stored.sha256 = file.sha256
            stored.format = file.format.rawValue
            stored.fileName = fileName
            stored.device = file.device.map { String($0.prefix(200)) }
            stored.sizeBytes = file.content.count
            stored.content = file.content
            try await stored.create(on: tx)
        }
        for (index, recorded, derived) in fresh {
            let activity = Self.activity(
                recorded, derived, hint: file.hint, athleteID: athleteID, zone: zone,
                externalID: file.activities.count > 1 ? "sha256:\(file.sha256)#\(index)" : "sha256:\(file.sha256)")
            try await activity.create(on: tx)
            let detail = ActivityDetail()
            detail.id = try activity.requireID()
            detail.fileID = try stored.requireID()
            detail.elevationLossM = derived.elevationLossM.flatMap { Limits.Activity.elevationGainM.contains($0) ? $0 : nil }
            detail.avgCadence = derived.avgCadence.flatMap { (0...400).contains($0) ? $0 : nil }
            detail.splitsKm = StoredJSON.encode(derived.splitsKm)
            detail.splitsMile = StoredJSON.encode(derived.splitsMile)
            detail.bestEfforts = StoredJSON.encode(derived.bestEfforts)
            detail.track = StoredJSON.encode(derived.track)
            detail.streamKeys = derived.streams?.keys.joined(separator: ",") ?? ""
            detail.streams = derived.streams.map { Data($0.encoded()) }
            try await detail.create(on: tx)
            ids.append(try activity.requireID())
        }
        return ("created", ids, nil, nil)
    }

    /// The activity row for a decoded activity: the file's values where in range (a device's nonsense is
    /// dropped rather than stored), the export index's name and type over the file's.
    private static func activity(
        _ recorded: RecordedActivity, _ derived: DerivedActivity, hint: ImportHint?, athleteID: UUID, zone: TimeZone,
        externalID: String
    ) -> Activity {
        let start = Date(timeIntervalSince1970: recorded.startTime)
        let activity = Activity()
        activity.$athlete.id = athleteID
        activity.sport = hint?.sport ?? recorded.sport
        let name = (hint?.name ?? recorded.name)?.trimmingCharacters(in: .whitespacesAndNewlines)
        activity.name =
            name.flatMap { $0.isEmpty ? nil : String($0.prefix(Limits.Activity.name.upperBound)) }
            ?? ActivityService.defaultName(for: activity.sport)
        activity.startTime = start
        activity.utcOffsetS =
            recorded.utcOffsetS.flatMap { Limits.Activity.utcOffsetS.contains($0) ? $0 : nil }
            ?? zone.secondsFromGMT(for: start)
        activity.distanceM = derived.distanceM.flatMap { Limits.Activity.distanceM.contains($0) ? $0 : nil }
        activity.movingTimeS = derived.movingTimeS.flatMap { Limits.Activity.timeS.contains($0) ? $0 : nil }
        activity.durationS = derived.elapsedTimeS.flatMap { Limits.Activity.timeS.contains($0) ? $0 : nil }
        if let moving = activity.movingTimeS, let elapsed = activity.durationS, moving > elapsed { activity.movingTimeS = elapsed }
        activity.avgHR = derived.avgHeartRate.flatMap { Limits.Activity.heartRate.contains($0) ? $0 : nil }
        activity.maxHR = derived.maxHeartRate.flatMap { Limits.Activity.heartRate.contains($0) ? $0 : nil }
        if let avg = activity.avgHR, let max = activity.maxHR, max < avg { activity.maxHR = nil }
        activity.elevationGainM = derived.elevationGainM.flatMap { Limits.Activity.elevationGainM.contains($0) ? $0 : nil }
        activity.source = "file"
        activity.externalID = externalID
        return activity
    }

    static func isZip(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        return ActivityFileSniffer.sniff([UInt8](head)) == .zip
    }
}

/// A `FileHandle` used by one import, one read or write after another, from thread-pool closures.
final class ReadBox: @unchecked Sendable {
    let handle: FileHandle
    init(_ handle: FileHandle) { self.handle = handle }
}

/// The detail columns' JSON (splits, best efforts, route): encoded once on import, served as stored.
enum StoredJSON {
    static func encode<T: Encodable>(_ value: T) -> String {
        (try? JSONCoding.encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
