import Foundation
import MultipartKit
import NIOCore
import Vapor

/// A file of an upload, spooled to disk: imports never hold a whole upload in memory.
struct SpooledFile: Sendable, Equatable {
    /// The name the client gave it (multipart `filename`, or `?filename=`), for results and the file record.
    let name: String
    let path: String
    let size: Int
}

/// Getting an upload to disk and splitting it into files. A multipart/form-data body gives one file per part
/// with a filename; any other body is one file (its content says what it is: FIT, GPX, TCX, gzip or zip).
enum ImportUpload {
    /// A directory of its own for one upload, removed by the caller when the import is done with it.
    static func makeDirectory() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("strideiq-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Streams the request body to `path`: at most `limit` bytes (413 `archive_too_large` past it, and at once
    /// when `Content-Length` says so), written on the thread pool as it arrives.
    static func spool(_ req: Request, limit: Int, to path: String) async throws -> Int {
        if let declared = req.headers.first(name: .contentLength).flatMap(Int.init), declared > limit {
            throw tooLarge(limit)
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path)
        else {
            throw APIError(.internalServerError, code: .internalError, detail: "Internal server error")
        }
        let box = ReadBox(handle)
        defer { try? handle.close() }
        var written = 0
        let pool = req.application.threadPool
        for try await chunk in req.body {
            written += chunk.readableBytes
            if written > limit { throw tooLarge(limit) }
            let data = Data(chunk.readableBytesView)
            try await pool.runIfActive { try box.handle.write(contentsOf: data) }
        }
        return written
    }

    /// The files in a spooled body. Blocking file I/O: run it on the thread pool.
    static func files(
        body: SpooledFile, contentType: HTTPMediaType?, maxFiles: Int, directory: String
    ) throws -> [SpooledFile] {
        guard let contentType, contentType.type == "multipart" else {
            if contentType == .json || contentType == .urlEncodedForm {
                throw APIError(
                    .unsupportedMediaType, code: .unsupportedMediaType,
                    detail: "Send activity files as multipart/form-data, or one file as the body with its own content type")
            }
            guard body.size > 0 else { throw noFiles }
            return [body]
        }
        guard contentType.subType == "form-data", let boundary = contentType.parameters["boundary"], !boundary.isEmpty else {
            throw APIError(
                .unsupportedMediaType, code: .unsupportedMediaType,
                detail: "A multipart upload must be multipart/form-data with a boundary")
        }
        let parts = try MultipartSplitter(boundary: boundary, directory: directory, maxFiles: maxFiles).split(body.path)
        guard !parts.isEmpty else { throw noFiles }
        return parts
    }

    static let noFiles = APIError(
        .unprocessableEntity, code: .noFiles, detail: "The upload holds no file: send FIT, GPX, TCX, .gz or .zip files")

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            .payloadTooLarge, code: .archiveTooLarge,
            detail: "The upload is larger than \(ByteCountText.format(limit)) (IMPORT_MAX_ARCHIVE_BYTES)")
    }
}

/// Splits a spooled multipart body into one spool file per part that carries a filename, 64 KiB at a time.
private final class MultipartSplitter {
    let boundary: String
    let directory: String
    let maxFiles: Int
    private var parts: [SpooledFile] = []
    private var current: (name: String, path: String, handle: FileHandle, size: Int)?
    /// The part being read is a form field, not a file: its body is ignored.
    private var skipping = false
    private var headers: [(String, String)] = []
    private var failure: (any Error)?

    init(boundary: String, directory: String, maxFiles: Int) {
        self.boundary = boundary
        self.directory = directory
        self.maxFiles = maxFiles
    }

    func split(_ path: String) throws -> [SpooledFile] {
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in headers.append((name, value)) }
        parser.onBody = { [unowned self] buffer in
            do {
                if current == nil && !skipping { try open() }
                guard var part = current else { return }
                part.size += buffer.readableBytes
                try part.handle.write(contentsOf: buffer.readableBytesView)
                current = part
            } catch {
                failure = failure ?? error
            }
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        }
        parser.onPartComplete = { [unowned self] in
            do {
                if current == nil && !skipping { try open() }  // an empty file part still counts (and fails)
            } catch {
                failure = failure ?? error
            }
            if let part = current {
                try? part.handle.close()
                parts.append(SpooledFile(name: part.name, path: part.path, size: part.size))
            }
            current = nil
            skipping = false
            headers = []
        }
        guard let input = FileHandle(forReadingAtPath: path) else { throw ImportUpload.noFiles }
        defer { try? input.close() }
        do {
            while let data = try input.read(upToCount: 64 * 1024), !data.isEmpty {
                try parser.execute(ByteBuffer(bytes: data))
                if let failure { throw failure }
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, code: .badRequest, detail: "The multipart body is malformed")
        }
        if let part = current { try? part.handle.close() }
        return parts
    }

    /// Starts a spool file for the part whose headers were just read; parts without a filename (form fields)
    /// are skipped.
    private func open() throws {
        let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
        guard let filename = Self.filename(in: disposition) else {
            skipping = true
            return
        }
        guard parts.count < maxFiles else {
            throw APIError(
                .unprocessableEntity, code: .tooManyFiles,
                detail: "The upload has more than \(maxFiles) files (IMPORT_MAX_ARCHIVE_ENTRIES)")
        }
        let path = (directory as NSString).appendingPathComponent("part-\(parts.count)")
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw APIError(.internalServerError, code: .internalError, detail: "Internal server error")
        }
        current = (filename, path, handle, 0)
    }

    /// `filename="…"` (or unquoted) from a Content-Disposition value; only its last path component is kept.
    static func filename(in disposition: String) -> String? {
        for directive in disposition.split(separator: ";") {
            let pair = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "filename" else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            let last = value.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
            return last.isEmpty ? "upload" : String(last.prefix(255))
        }
        return nil
    }
}

/// "25 MiB" for limits in messages.
enum ByteCountText {
    static func format(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
