import Foundation
import StrideIQCore
import ZIPFoundation

/// A zip archive opened for import (Strava's or Garmin's "export my data", or any zip of activity files). Entries
/// are read one at a time into memory, never written to disk under their own names, so a name like `../x`
/// cannot escape anything; such names are still refused as a file's result. Every read counts against the
/// archive's expansion limits.
///
/// ZIPFoundation's `Archive` is a class without `Sendable`: one import uses it, one entry after another.
final class ImportArchive: @unchecked Sendable {
    struct Member: Sendable {
        /// The entry's name; inside a nested zip, prefixed with that zip's name (`export/Uploaded_1.zip/run.fit`).
        let path: String
        /// From Strava's `activities.csv`: the activity's name and type.
        let hint: ImportHint?
        /// Which archive (0: the upload; then the zips inside it) and which of its activity entries.
        fileprivate let archive: Int
        fileprivate let entry: Int
    }

    private(set) var members: [Member] = []
    /// The upload's archive, then each zip inside it (Garmin's export keeps uploaded FIT files in inner zips).
    private var archives: [Archive] = []
    private var entries: [[Entry]] = []
    private let limits: AppConfig.ImportLimits
    private let compressedSize: Int
    private var expanded = 0

    /// Opens and checks the archive at `path`: readable (422 `invalid_archive`), at most `maxArchiveEntries`
    /// activity files (422 `too_many_files`), declared expansion within the limits (413
    /// `archive_expands_too_far`; sizes that lie are caught while reading). Zips inside it are opened one level
    /// deep: each is copied to `scratch` (counted against the expansion limits) and its activity files join the
    /// members. Blocking: call it off the event loop.
    init(path: String, size: Int, limits: AppConfig.ImportLimits, scratch: String) throws {
        self.limits = limits
        self.compressedSize = size
        let outer = try Self.open(path)
        var members: [Member] = []
        var declared: UInt64 = 0
        var nested: [Entry] = []
        var csv: Entry?
        func add(_ archive: Archive, prefix: String) throws {
            let index = archives.count
            var files: [Entry] = []
            for entry in archive where entry.type == .file {
                let name = entry.path
                if Self.isMetadataJunk(name) { continue }
                if Self.isActivityFileName(name) {
                    files.append(entry)
                    members.append(Member(path: prefix + name, hint: nil, archive: index, entry: files.count - 1))
                    guard members.count <= limits.maxArchiveEntries else {
                        throw APIError(
                            .unprocessableEntity, code: .tooManyFiles,
                            detail: "The archive has more than \(limits.maxArchiveEntries) activity files (IMPORT_MAX_ARCHIVE_ENTRIES)")
                    }
                    declared &+= entry.uncompressedSize
                } else if index == 0 && name.lowercased().hasSuffix(".zip") {
                    nested.append(entry)
                } else if index == 0, (name as NSString).lastPathComponent.lowercased() == "activities.csv", csv == nil {
                    csv = entry
                }
            }
            archives.append(archive)
            entries.append(files)
        }
        try add(outer, prefix: "")
        let limit = UInt64(Self.expansionLimit(size: size, limits: limits))
        guard declared <= limit else { throw Self.expandsTooFar(limits) }
        for entry in nested {
            declared &+= entry.uncompressedSize
            guard declared <= limit else { throw Self.expandsTooFar(limits) }
            let copy = (scratch as NSString).appendingPathComponent("nested-\(UUID().uuidString).zip")
            guard FileManager.default.createFile(atPath: copy, contents: nil), let handle = FileHandle(forWritingAtPath: copy) else {
                throw APIError(.internalServerError, code: .internalError, detail: "Internal server error")
            }
            defer { try? handle.close() }
            do {
                _ = try outer.extract(entry, skipCRC32: false) { chunk in
                    self.expanded += chunk.count
                    if self.expanded > Int(limit) { throw Self.expandsTooFar(limits) }
                    try handle.write(contentsOf: chunk)
                }
            } catch let error as APIError {
                throw error
            } catch {
                continue  // an unreadable inner zip only loses its own files
            }
            try? handle.close()
            guard let inner = try? Self.open(copy) else { continue }
            try add(inner, prefix: entry.path + "/")
            guard declared <= limit else { throw Self.expandsTooFar(limits) }
        }
        var hints: [String: ImportHint] = [:]
        if let csv {
            let directory = (csv.path as NSString).deletingLastPathComponent
            let data = try Self.readCSV(csv, archive: outer, limit: limits.maxFileBytes)
            for (file, hint) in StravaActivitiesCSV.parse(data) {
                hints[directory.isEmpty ? file : (directory as NSString).appendingPathComponent(file)] = hint
            }
        }
        self.members = members.map { Member(path: $0.path, hint: hints[$0.path], archive: $0.archive, entry: $0.entry) }
    }

    private static func open(_ path: String) throws -> Archive {
        do {
            return try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw APIError(
                .unprocessableEntity, code: .invalidArchive, detail: "The zip archive cannot be read: it is corrupt or cut short")
        }
    }

    /// One entry's bytes, bounded by the per-file limit (a per-file `file_too_large`) and the archive's
    /// expansion limits (the whole import stops: `ImportAbort`). Members are identified by position, so two
    /// entries with the same name are two files.
    func read(_ member: Member) throws -> [UInt8] {
        let archive = archives[member.archive]
        let entry = entries[member.archive][member.entry]
        let total = Self.expansionLimit(size: compressedSize, limits: limits)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(entry.uncompressedSize, UInt64(limits.maxFileBytes))))
        var overFile = false
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                if bytes.count + chunk.count > limits.maxFileBytes {
                    overFile = true
                    throw CocoaError(.fileReadTooLarge)
                }
                expanded += chunk.count
                if expanded > total { throw Self.expandsTooFar(limits) }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as APIError {
            throw ImportAbort(error: error)
        } catch {
            if overFile {
                throw ImportFileFailure(
                    code: ErrorCode.fileTooLarge.rawValue,
                    reason: "the file is larger than \(ByteCountText.format(limits.maxFileBytes)) (IMPORT_MAX_FILE_BYTES)")
            }
            throw ActivityFileError(.corrupt, "the archive entry is corrupt (bad checksum or cut short)")
        }
        return bytes
    }

    /// FIT, GPX and TCX files, gzipped or not, by name: the other files of an export (photos, CSVs, JSON)
    /// are not activities.
    static func isActivityFileName(_ path: String) -> Bool {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        return name.hasSuffix(".fit") || name.hasSuffix(".gpx") || name.hasSuffix(".tcx")
    }

    /// macOS resource forks (`__MACOSX/`, `._name`) that zips made on a Mac carry beside each file.
    static func isMetadataJunk(_ path: String) -> Bool {
        path.hasPrefix("__MACOSX/") || (path as NSString).lastPathComponent.hasPrefix("._")
    }

    /// A name that would leave the import's directory if it were extracted: absolute, or with a `..` part.
    static func isUnsafe(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("\\") || path.contains(":") { return true }
        return path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).contains("..")
    }

    private static func expansionLimit(size: Int, limits: AppConfig.ImportLimits) -> Int {
        min(limits.maxExpandedBytes, max(size, 1).multipliedReportingOverflow(by: limits.maxInflateRatio).partialValue)
    }

    static func expandsTooFar(_ limits: AppConfig.ImportLimits) -> APIError {
        APIError(
            .payloadTooLarge, code: .archiveExpandsTooFar,
            detail: """
                The archive expands past \(ByteCountText.format(limits.maxExpandedBytes)) (IMPORT_MAX_EXPANDED_BYTES) or \
                \(limits.maxInflateRatio)× its size (IMPORT_MAX_INFLATE_RATIO)
                """)
    }

    private static func readCSV(_ entry: Entry, archive: Archive, limit: Int) throws -> Data {
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                if data.count + chunk.count > limit { throw CocoaError(.fileReadTooLarge) }
                data.append(chunk)
            }
        } catch {
            return Data()  // an unreadable activities.csv only loses the names and types it would have given
        }
        return data
    }
}

/// The whole import stops (an archive past its expansion limits): the import fails with this error.
struct ImportAbort: Error {
    let error: APIError
}

/// A file's failure that is not a decoding error (too large, unsafe name).
struct ImportFileFailure: Error {
    let code: String
    let reason: String
}

/// What an export's index says about a file.
struct ImportHint: Sendable, Equatable {
    var name: String?
    var sport: Sport?
}

/// Strava's `activities.csv`: `Activity Name`, `Activity Type` and `Filename` (e.g. `activities/123.fit.gz`)
/// for each activity of the export.
enum StravaActivitiesCSV {
    static func parse(_ data: Data) -> [(String, ImportHint)] {
        let rows = CSV.rows(String(decoding: data, as: UTF8.self))
        guard let header = rows.first else { return [] }
        func column(_ name: String) -> Int? { header.firstIndex { $0.trimmingCharacters(in: .whitespaces) == name } }
        guard let file = column("Filename") else { return [] }
        let name = column("Activity Name")
        let type = column("Activity Type")
        return rows.dropFirst().compactMap { row in
            guard file < row.count, !row[file].isEmpty else { return nil }
            let hint = ImportHint(
                name: name.flatMap { $0 < row.count && !row[$0].isEmpty ? String(row[$0].prefix(200)) : nil },
                sport: type.flatMap { $0 < row.count ? sport(row[$0]) : nil })
            return (row[file], hint)
        }
    }

    /// Strava's activity types, as far as our sports go.
    static func sport(_ type: String) -> Sport? {
        switch type.lowercased() {
        case "run", "trail run", "virtual run": .run
        case "ride", "virtual ride", "e-bike ride", "mountain bike ride", "gravel ride": .cycling
        case "walk": .walking
        case "hike": .hiking
        case "swim": .swimming
        case "weight training", "crossfit": .strength
        case "yoga", "pilates": .flexibility
        case "": nil
        default: .other
        }
    }
}

/// RFC 4180 rows: quoted fields, doubled quotes inside them, line breaks inside quotes, CRLF or LF.
enum CSV {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            quoted = false
                            pending = next
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",":
                row.append(field)
                field = ""
            case "\r": continue
            case "\n":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
