import Fluent
import StrideIQCore
import Vapor

/// `POST /v1/activities/import` (files in, one result each) and `GET /v1/imports/{id}` (a background import's
/// progress). The body is streamed to disk, never collected in memory.
struct ImportRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "v1", "activities", "import", body: .stream, use: create)
        routes.get("v1", "imports", ":import_id", use: show)
    }

    func create(req: Request) async throws -> Response {
        let athlete = try req.currentAthlete.athlete
        let limits = req.application.config.imports
        let pool = req.application.threadPool
        let directory = try await pool.runIfActive { try ImportUpload.makeDirectory() }
        do {
            let result = try await importUpload(req, athlete: athlete, limits: limits, directory: directory)
            try? await pool.runIfActive { ImportUpload.removeDirectory(directory) }
            return result
        } catch {
            try? await pool.runIfActive { ImportUpload.removeDirectory(directory) }
            throw error
        }
    }

    private func importUpload(_ req: Request, athlete: Athlete, limits: AppConfig.ImportLimits, directory: String)
        async throws -> Response
    {
        let filename = req.query[String.self, at: "filename"]
        var v = FieldValidator()
        v.length(filename, "filename", Self.filenameLength)
        try v.throwIfInvalid()
        let path = (directory as NSString).appendingPathComponent("body")
        let size = try await ImportUpload.spool(req, limit: limits.maxArchiveBytes, to: path)
        let name = filename.map(Self.displayName) ?? "upload"
        let body = SpooledFile(name: name, path: path, size: size)
        let contentType = req.headers.contentType
        let files = try await req.application.threadPool.runIfActive {
            try ImportUpload.files(body: body, contentType: contentType, maxFiles: limits.maxArchiveEntries, directory: directory)
        }
        let (record, ranInline) = try await service(req).start(
            files: files, body: body, contentType: req.headers.first(name: .contentType), athlete: athlete, on: req.db)
        let dto = try await ImportDTO.load(record, on: req.db)
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        if ranInline {
            status = record.created > 0 ? .created : .ok
        } else {
            status = .accepted
            headers.replaceOrAdd(name: .location, value: "/v1/imports/\(dto.id.uuidString)")
        }
        return try await JSONResponse(status, dto, headers: headers).encodeResponse(for: req)
    }

    func show(req: Request) async throws -> JSONResponse<ImportDTO> {
        let id = try req.uuidParameter("import_id", resource: "Import")
        guard
            let record = try await ActivityImport.query(on: req.db)
                .filter(\.$id == id).filter(\.$athlete.$id == req.currentAthlete.id).first()
        else {
            throw APIError.notFound("Import")
        }
        return JSONResponse(.ok, try await ImportDTO.load(record, on: req.db))
    }

    /// Characters `?filename=` may have (the OpenAPI document states the same bound).
    static let filenameLength = 1...1024

    /// The last path component of a client-given name, at most 255 characters.
    static func displayName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return last.isEmpty ? "upload" : String(last.prefix(255))
    }

    private func service(_ req: Request) -> ImportService {
        ImportService(
            limits: req.application.config.imports, trigger: req.briefingTrigger, threadPool: req.application.threadPool,
            now: req.application.strideIQ.now)
    }
}
