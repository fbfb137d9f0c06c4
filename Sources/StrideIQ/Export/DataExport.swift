import Fluent
import Foundation
import StrideIQCore
import Vapor
import ZIPFoundation

/// `GET /v1/export`: everything the athlete has given us, as a zip. JSON for every record (profile,
/// activities with their details, check-ins, plans with workouts, coach conversations), a GPX per activity
/// with streams, and each original file as uploaded. The zip is written to a temporary file one entry at a
/// time (memory stays flat whatever the history) and streamed; the file is removed when the response ends.
struct DataExportRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("v1", "export", use: export)
    }

    func export(req: Request) async throws -> Response {
        let current = try req.currentAthlete
        let pool = req.application.threadPool
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("strideiq-export-\(UUID().uuidString).zip")
        do {
            let writer = try await pool.runIfActive { try ExportZip(path: path) }
            try await DataExport(db: req.db, pool: pool, zip: writer).write(athlete: current.athlete)
        } catch {
            try? await pool.runIfActive { try FileManager.default.removeItem(atPath: path) }
            throw error
        }
        let response = try await req.fileio.asyncStreamFile(
            at: path, mediaType: HTTPMediaType(type: "application", subType: "zip"),
            onCompleted: { _ in try? FileManager.default.removeItem(atPath: path) })
        let day = LocalDate(req.application.now(), in: current.athlete.timeZone).description
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"strideiq-export-\(day).zip\"")
        response.headers.remove(name: .eTag)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}

/// Writes one athlete's records into an `ExportZip`.
struct DataExport {
    let db: any Database
    let pool: NIOThreadPool
    let zip: ExportZip
    /// Activities read per query.
    private let page = 200

    func write(athlete: Athlete) async throws {
        let athleteID = try athlete.requireID()
        try await add("athlete.json", AthleteDTO(athlete))
        var activities: [ActivityDetailDTO] = []
        var offset = 0
        while true {
            let rows = try await Activity.query(on: db).filter(\.$athlete.$id == athleteID)
                .sort(\.$startTime).sort(\.$id).range(offset..<(offset + page)).all()
            if rows.isEmpty { break }
            offset += rows.count
            let ids = try rows.map { try $0.requireID() }
            let details = try await ActivityDetail.query(on: db).filter(\.$id ~~ ids).all()
            let byID = Dictionary(details.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
            for activity in rows {
                let detail = byID[try activity.requireID()]
                activities.append(ActivityDetailDTO(activity, detail: detail, file: nil))
                if let encoded = detail?.streams, let streams = try? ActivityStreams(decoding: [UInt8](encoded)) {
                    let gpx = GPXWriter.write(
                        name: activity.name, sport: activity.sport, startTime: activity.startTime.timeIntervalSince1970,
                        streams: streams)
                    try await addData("activities/\(ActivityRoutes.fileName(activity))_\(try activity.requireID()).gpx", Data(gpx.utf8))
                }
            }
        }
        try await add("activities.json", activities)
        // Original files, one query each (a file may be up to the import's per-file limit).
        let fileIDs = try await ActivityFile.query(on: db).filter(\.$athlete.$id == athleteID).field(\.$id).all().compactMap(\.id)
        for id in fileIDs {
            guard let file = try await ActivityFile.find(id, on: db) else { continue }
            try await addData("originals/\(file.sha256).\(file.format)", file.content)
        }
        let checkins = try await DailyCheckin.query(on: db).filter(\.$athlete.$id == athleteID).all()
        try await add("checkins.json", checkins.map(CheckinDTO.init))
        let plans = try await TrainingPlan.query(on: db).filter(\.$athlete.$id == athleteID).all()
        var planDTOs: [PlanDTO] = []
        for plan in plans {
            let workouts = try await PlannedWorkout.query(on: db).filter(\.$plan.$id == plan.requireID()).all()
            planDTOs.append(PlanDTO(plan, workouts: workouts))
        }
        try await add("plans.json", planDTOs)
        let messages = try await CoachMessage.query(on: db).filter(\.$athlete.$id == athleteID)
            .sort(\.$createdAt).sort(\.$seq).all()
        try await add("coach_messages.json", messages.map(CoachMessageDTO.init))
        try await pool.runIfActive { [zip] in try zip.finish() }
    }

    private func add<T: Encodable>(_ path: String, _ value: T) async throws {
        try await addData(path, try JSONCoding.encoder.encode(value))
    }

    private func addData(_ path: String, _ data: Data) async throws {
        try await pool.runIfActive { [zip] in try zip.add(path, data) }
    }
}

/// A zip being written, one entry at a time. ZIPFoundation's `Archive` is a class without `Sendable`: one
/// export uses it, one entry after another.
final class ExportZip: @unchecked Sendable {
    private var archive: Archive?

    init(path: String) throws {
        archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    }

    func add(_ path: String, _ data: Data) throws {
        try archive?.addEntry(
            with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
            provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
    }

    /// ZIPFoundation keeps the central directory current after every entry, but writes through a buffered
    /// `FILE *` that only its deinit closes: drop the archive so the file is complete before it is streamed.
    func finish() throws { archive = nil }
}
