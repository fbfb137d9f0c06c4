import Fluent
import StrideIQCore
import Vapor

/// `/v1/activities`: manual and imported sessions, idempotent on (source, external_id), one duplicate rule
/// (`ActivityService`).
struct ActivityRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let activities = routes.grouped("v1", "activities")
        activities.post(use: create)
        activities.get(use: list)
        activities.get(":activity_id", use: show)
        activities.patch(":activity_id", use: update)
        activities.delete(":activity_id", use: delete)
        activities.get(":activity_id", "streams", use: streams)
        activities.get(":activity_id", "export.gpx", use: exportGPX)
    }

    func create(req: Request) async throws -> JSONResponse<ActivityDTO> {
        let body = try req.decodeBody(ActivityBody.self).value
        let athlete = try req.currentAthlete.athlete
        let (activity, created) = try await service(req).create(body, athlete: athlete, now: req.application.now(), on: req.db)
        return JSONResponse(created ? .created : .ok, ActivityDTO(activity))
    }

    func list(req: Request) async throws -> JSONResponse<ActivityPage> {
        let current = try req.currentAthlete
        var v = FieldValidator()
        let query = ActivityListQuery(req.query, validator: &v)
        try v.throwIfInvalid()
        let (rows, total) = try await service(req).list(query, athleteID: current.id, on: req.db)
        return JSONResponse(
            .ok, ActivityPage(activities: rows.map(ActivityDTO.init), total: total, limit: query.limit, offset: query.offset))
    }

    func show(req: Request) async throws -> JSONResponse<ActivityDetailDTO> {
        let activity = try await owned(req)
        let detail = try await ActivityDetail.find(activity.requireID(), on: req.db)
        var file: ActivityFile?
        if let fileID = detail?.fileID { file = try await ActivityFile.find(fileID, on: req.db) }
        return JSONResponse(.ok, ActivityDetailDTO(activity, detail: detail, file: file))
    }

    /// `?keys=time,heartrate` (default: every recorded key) and `?resolution=low|medium|high` (default medium).
    func streams(req: Request) async throws -> JSONResponse<ActivityStreamsDTO> {
        var v = FieldValidator()
        let rawKeys = req.query[String.self, at: "keys"]
        v.length(rawKeys, "keys", Self.streamKeysLength)
        let keys = rawKeys.map { $0.split(separator: ",").map(String.init) } ?? ActivityStreams.allKeys
        for key in keys where !ActivityStreams.allKeys.contains(key) {
            v.fail("keys", "must be a comma-separated list of \(ActivityStreams.allKeys.joined(separator: ", "))")
            break
        }
        let resolution = req.query[String.self, at: "resolution"] ?? "medium"
        v.check(ActivityStreamsDTO.resolutions[resolution] != nil, "resolution", "must be low, medium or high")
        try v.throwIfInvalid()
        let (activity, recorded) = try await recordedStreams(req)
        return JSONResponse(
            .ok, ActivityStreamsDTO(activityID: try activity.requireID(), resolution: resolution, recorded: recorded, keys: keys))
    }

    /// The activity as GPX 1.1 from its recorded streams (a download: `Content-Disposition: attachment`).
    func exportGPX(req: Request) async throws -> Response {
        let (activity, recorded) = try await recordedStreams(req)
        let gpx = GPXWriter.write(
            name: activity.name, sport: activity.sport, startTime: activity.startTime.timeIntervalSince1970, streams: recorded)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/gpx+xml; charset=utf-8")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(Self.fileName(activity)).gpx\"")
        return Response(status: .ok, headers: headers, body: .init(string: gpx))
    }

    /// Characters `?keys=` may have (the OpenAPI document states the same bound).
    static let streamKeysLength = 1...200

    /// A download's file name: the start day and the activity's name, in letters, digits, `-` and `_` only.
    static func fileName(_ activity: Activity) -> String {
        let day = ActivityDTO(activity).localDate.description
        let name = String(activity.name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "_" })
        return "\(day)_\(name.prefix(60))"
    }

    private func recordedStreams(_ req: Request) async throws -> (Activity, ActivityStreams) {
        let activity = try await owned(req)
        guard let encoded = try await ActivityDetail.find(activity.requireID(), on: req.db)?.streams else {
            throw APIError(
                .notFound, code: .noStreams, detail: "This activity has no recorded streams: it was not imported from a file")
        }
        let bytes = [UInt8](encoded)
        let recorded = try await req.application.threadPool.runIfActive { try? ActivityStreams(decoding: bytes) }
        guard let recorded else {
            throw APIError(.notFound, code: .noStreams, detail: "This activity's stored streams cannot be read")
        }
        return (activity, recorded)
    }

    func update(req: Request) async throws -> JSONResponse<ActivityDTO> {
        let id = try req.uuidParameter("activity_id", resource: "Activity")
        let patch = try req.decodeBody(ActivityPatch.self)
        let activity = try await service(req).update(id, with: patch, athlete: try req.currentAthlete.athlete, on: req.db)
        return JSONResponse(.ok, ActivityDTO(activity))
    }

    func delete(req: Request) async throws -> HTTPStatus {
        let id = try req.uuidParameter("activity_id", resource: "Activity")
        try await service(req).delete(id, athlete: try req.currentAthlete.athlete, on: req.db)
        return .noContent
    }

    private func owned(_ req: Request) async throws -> Activity {
        let id = try req.uuidParameter("activity_id", resource: "Activity")
        return try await service(req).owned(id, athleteID: try req.currentAthlete.id, on: req.db)
    }

    private func service(_ req: Request) -> ActivityService {
        ActivityService(trigger: req.briefingTrigger)
    }
}
