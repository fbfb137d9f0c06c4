import CompressNIO
import Foundation
import SQLKit
import StrideIQCore
import Testing
import Vapor
import ZIPFoundation

@testable import StrideIQ

/// Activity-file import through the real app: inline and background imports, per-file results, duplicates,
/// limits, the activity's details and streams, exports, and deletes taking the file with them.
@Suite("Activity-file import")
struct ImportTests {
    // MARK: fixtures

    /// A 1 Hz GPX run heading north at `paceSPerKm`, with heart rate, cadence and altitude. 1° of latitude is
    /// 111,195 m on the mean-radius sphere the derivation uses.
    static func gpx(
        start: Date = Date(timeIntervalSince1970: 1_795_500_000), seconds: Int = 1_500, paceSPerKm: Double = 300,
        name: String = "Lunch Run", creator: String = "StravaGPX"
    ) -> String {
        let metresPerDegree = 6_371_008.8 * Double.pi / 180
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <gpx creator="\(creator)" version="1.1" xmlns="http://www.topografix.com/GPX/1/1" \
            xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
             <metadata><time>\(iso(start))</time></metadata>
             <trk><name>\(name)</name><type>running</type><trkseg>

            """
        for i in 0...seconds {
            let metres = Double(i) * 1000 / paceSPerKm
            let lat = 48.0 + metres / metresPerDegree
            out += """
                  <trkpt lat="\(lat)" lon="2.0"><ele>\(100 + Double(i % 7) * 0.1)</ele><time>\(iso(start.addingTimeInterval(Double(i))))</time>\
                <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>\(140 + i % 10)</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad>\
                </gpxtpx:TrackPointExtension></extensions></trkpt>

                """
        }
        return out + "  </trkseg></trk>\n</gpx>\n"
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// A zip in memory with these entries (stored or deflated).
    static func zip(_ entries: [(String, Data)], compression: CompressionMethod = .deflate) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, data) in entries {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: compression,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        return try #require(archive.data)
    }

    static func multipart(_ files: [(String, Data)], boundary: String = "strideiq-test-boundary") -> (Data, String) {
        var body = Data()
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nnot a file\r\n".utf8))
        for (name, data) in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n".utf8))
            body.append(Data("Content-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    static func upload(
        _ t: TestApp, _ body: Data, contentType: String, token: String, query: String = ""
    ) async throws -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: contentType)
        headers.bearerAuthorization = .init(token: token)
        let response = try await t.app.testing().sendRequest(
            .POST, "/v1/activities/import\(query)", headers: headers, body: ByteBuffer(data: body))
        return Reply(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
    }

    /// Runs the worker until the import is finished (or 200 polls).
    static func awaitImport(_ t: TestApp, _ id: String, token: String) async throws -> Reply {
        for _ in 0..<200 {
            await t.app.strideIQ.worker.pollOnce()
            let reply = try await t.request(.GET, "/v1/imports/\(id)", token: token)
            if ["completed", "failed"].contains(reply.json["status"].string) { return reply }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("import \(id) did not finish")
        return try await t.request(.GET, "/v1/imports/\(id)", token: token)
    }

    static func count(_ t: TestApp, _ table: String) async throws -> Int {
        let row = try await (t.app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
        return try row?.decode(column: "n", as: Int.self) ?? -1
    }

    // MARK: tests

    @Test(arguments: TestBackend.available)
    func aGPXFileBecomesAnActivityWithItsDetailsStreamsAndExport(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let file = Data(Self.gpx().utf8)
            let reply = try await Self.upload(
                t, file, contentType: "application/gpx+xml", token: s.accessToken, query: "?filename=lunch.gpx")
            #expect(reply.status == .created, "\(reply.text)")
            #expect(reply.json["status"].string == "completed")
            #expect(reply.json["files_total"].int == 1)
            #expect(reply.json["created"].int == 1)
            #expect(reply.json["progress_pct"].int == 100)
            let result = reply.json["results"][0]
            #expect(result["file"].string == "lunch.gpx")
            #expect(result["status"].string == "created")
            let id = try #require(result["activity_id"].string)

            let activity = try await t.request(.GET, "/v1/activities/\(id)", token: s.accessToken)
            #expect(activity.status == .ok)
            #expect(activity.json["name"].string == "Lunch Run")
            #expect(activity.json["source"].string == "file")
            #expect(abs((activity.json["distance_m"].double ?? 0) - 5_000) < 25, "\(activity.json["distance_m"])")
            #expect(activity.json["duration_s"].int == 1_500)
            #expect(activity.json["has_streams"].bool == true)
            #expect(activity.json["splits"]["km"].array.count == 5)
            #expect(abs((activity.json["splits"]["km"][0]["elapsed_s"].double ?? 0) - 300) < 2)
            let efforts = activity.json["best_efforts"].array.compactMap { $0["name"].string }
            #expect(efforts.contains("1k") && efforts.contains("5k") == (activity.json["distance_m"].double ?? 0 >= 5_000))
            #expect(activity.json["track"]["type"].string == "LineString")
            #expect((2...500).contains(activity.json["track"]["coordinates"].array.count))
            #expect(activity.json["source_file"]["format"].string == "gpx")
            #expect(activity.json["source_file"]["file_name"].string == "lunch.gpx")
            #expect(activity.json["source_file"]["size_bytes"].int == file.count)

            let streams = try await t.request(
                .GET, "/v1/activities/\(id)/streams?keys=time,heartrate,latlng&resolution=low", token: s.accessToken)
            #expect(streams.status == .ok, "\(streams.text)")
            #expect(streams.json["original_size"].int == 1_501)
            #expect((2...100).contains(streams.json["size"].int ?? 0))
            #expect(streams.json["keys"].array.compactMap(\.string) == ["time", "heartrate", "latlng"])
            #expect(streams.json["streams"]["distance"] == .null)
            #expect(streams.json["streams"]["latlng"][0].array.count == 2)
            expectError(
                try await t.request(.GET, "/v1/activities/\(id)/streams?keys=speed", token: s.accessToken), .unprocessableEntity)

            let gpx = try await t.request(.GET, "/v1/activities/\(id)/export.gpx", token: s.accessToken)
            #expect(gpx.status == .ok)
            #expect(gpx.headers.first(name: .contentType)?.hasPrefix("application/gpx+xml") == true)
            #expect(gpx.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            let back = try GPXDecoder.decode([UInt8](gpx.body))
            #expect(back.activities.first?.samples.count == 1_501)

            // The same file again: the same activity, nothing new.
            let again = try await Self.upload(t, file, contentType: "application/octet-stream", token: s.accessToken)
            #expect(again.status == .ok)
            #expect(again.json["results"][0]["status"].string == "duplicate")
            #expect(again.json["results"][0]["activity_id"].string == id)
            #expect(try await Self.count(t, "activities") == 1)
            #expect(try await Self.count(t, "activity_files") == 1)

            // Gzipped, it is still the same file (kept and recognised without its gzip layer).
            let gzipped = Data(try HTTPEdgeTests.compress(Self.gpx(), .gzip()).readableBytesView)
            let zipped = try await Self.upload(t, gzipped, contentType: "application/gzip", token: s.accessToken)
            #expect(zipped.json["results"][0]["status"].string == "duplicate", "\(zipped.text)")
            #expect(zipped.json["results"][0]["activity_id"].string == id)

            // Another athlete sees none of it.
            let other = try await t.register()
            expectError(try await t.request(.GET, "/v1/activities/\(id)/streams", token: other.accessToken), .notFound)
            expectError(try await t.request(.GET, "/v1/activities/\(id)/export.gpx", token: other.accessToken), .notFound)
            expectError(try await t.request(.GET, "/v1/imports/\(reply.json["id"].string ?? "")", token: other.accessToken), .notFound)

            // Deleting the activity takes its streams and its file with it.
            #expect(try await t.request(.DELETE, "/v1/activities/\(id)", token: s.accessToken).status == .noContent)
            #expect(try await Self.count(t, "activity_details") == 0)
            #expect(try await Self.count(t, "activity_files") == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func aBatchGivesEveryFileItsOwnResultAndOneBadFileBlocksNothing(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            // A manual entry of the second run: the file's activity is its duplicate (same start, 3 % distance).
            let secondStart = Date(timeIntervalSince1970: 1_795_600_000)
            let manual = try await t.request(
                .POST, "/v1/activities",
                json: ["start_time": "\(Self.iso(secondStart.addingTimeInterval(60)))", "distance_m": 3_000, "moving_time_s": 900],
                token: s.accessToken)
            #expect(manual.status == .created)
            let (body, type) = Self.multipart([
                ("one.gpx", Data(Self.gpx().utf8)),
                ("broken.fit", Data([14, 0x20, 0, 0, 0, 0, 0, 0]) + Data(".FIT".utf8) + Data(repeating: 7, count: 40)),
                ("notes.txt", Data("just some notes".utf8)),
                ("two.gpx", Data(Self.gpx(start: secondStart, seconds: 900).utf8)),
                ("xxe.gpx", Data(#"<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx>&x;</gpx>"#.utf8)),
            ])
            let reply = try await Self.upload(t, body, contentType: type, token: s.accessToken)
            #expect(reply.status == .created, "\(reply.text)")
            let results = reply.json["results"].array
            #expect(results.compactMap { $0["file"].string } == ["one.gpx", "broken.fit", "notes.txt", "two.gpx", "xxe.gpx"])
            #expect(results.compactMap { $0["status"].string } == ["created", "failed", "failed", "duplicate", "failed"])
            #expect(results[1]["code"].string == "corrupt_file" || results[1]["code"].string == "unsupported_format")
            #expect(results[2]["code"].string == "unsupported_format")
            #expect(results[3]["activity_id"].string == manual.json["id"].string)
            #expect(results[4]["reason"].string?.contains("document type") == true, "\(results[4])")
            for failed in results where failed["status"].string == "failed" {
                #expect(!(failed["reason"].string ?? "").isEmpty)
            }
            #expect(reply.json["created"].int == 1)
            #expect(reply.json["duplicate"].int == 1)
            #expect(reply.json["failed"].int == 3)
            #expect(try await Self.count(t, "activities") == 2)
        }
    }

    @Test(arguments: TestBackend.available)
    func anExportArchiveImportsInTheBackgroundWithOneBriefingRefresh(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            try await (t.app.db as! any SQLDatabase).update("athletes").set("ai_consent", to: SQLBind(true))
                .where("id", .equal, SQLBind(UUID(uuidString: s.athleteID)!)).run()
            let day: TimeInterval = 86_400
            let base = Date(timeIntervalSince1970: 1_795_000_000)
            let gz = Data(
                try HTTPEdgeTests.compress(Self.gpx(start: base.addingTimeInterval(2 * day), seconds: 600), .gzip())
                    .readableBytesView)
            let csv = """
                Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Filename
                1,"Nov 1, 2026, 7:00:00 AM",Hill reps,Run,600,activities/1.gpx
                2,"Nov 3, 2026, 7:00:00 AM","Easy spin, legs",Ride,600,activities/2.gpx.gz

                """
            let archive = try Self.zip([
                ("activities.csv", Data(csv.utf8)),
                ("activities/1.gpx", Data(Self.gpx(start: base, seconds: 600).utf8)),
                ("activities/2.gpx.gz", gz),
                ("activities/3.tcx", Data("<TrainingCenterDatabase><Activities></Activities>".utf8)),
                ("../escape.gpx", Data(Self.gpx(start: base.addingTimeInterval(4 * day)).utf8)),
                ("media/photo.jpg", Data(repeating: 0xFF, count: 100)),
            ])
            let reply = try await Self.upload(t, archive, contentType: "application/zip", token: s.accessToken)
            #expect(reply.status == .accepted, "\(reply.text)")
            let id = try #require(reply.json["id"].string)
            #expect(reply.headers.first(name: .location) == "/v1/imports/\(id)")
            #expect(["queued", "running"].contains(reply.json["status"].string))
            let done = try await Self.awaitImport(t, id, token: s.accessToken)
            #expect(done.json["status"].string == "completed", "\(done.text)")
            #expect(done.json["files_total"].int == 4)
            #expect(done.json["files_done"].int == 4)
            #expect(done.json["progress_pct"].int == 100)
            let byFile = Dictionary(
                done.json["results"].array.map { ($0["file"].string ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byFile["activities/1.gpx"]?["status"].string == "created")
            #expect(byFile["activities/2.gpx.gz"]?["status"].string == "created")
            #expect(byFile["activities/3.tcx"]?["status"].string == "failed")
            #expect(byFile["../escape.gpx"]?["code"].string == "unsafe_path")
            let list = try await t.request(.GET, "/v1/activities", token: s.accessToken)
            let names = Set(list.json["activities"].array.compactMap { $0["name"].string })
            #expect(names == ["Hill reps", "Easy spin, legs"])
            #expect(list.json["activities"].array.first { $0["name"].string == "Easy spin, legs" }?["sport"].string == "cycling")
            // One briefing refresh for the whole import, and the uploaded archive is gone from the database.
            let jobs = try await (t.app.db as! any SQLDatabase).raw(
                "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'briefing' AND reason = 'activities_imported'"
            ).first()?.decode(column: "n", as: Int.self)
            #expect(jobs == 1)
            #expect(try await Self.count(t, "import_chunks") == 0)
        }
    }

    /// Garmin's export keeps uploaded files in zips inside the zip; two entries with one name are two files; an
    /// archive with nothing to import says so.
    @Test(arguments: TestBackend.available)
    func innerZipsAndRepeatedNamesAreImportedAndAnEmptyArchiveIsRefused(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let base = Date(timeIntervalSince1970: 1_794_000_000)
            let inner = try Self.zip([
                ("run-a.gpx", Data(Self.gpx(start: base, seconds: 300).utf8)),
                ("run-b.gpx", Data(Self.gpx(start: base.addingTimeInterval(86_400), seconds: 300).utf8)),
            ])
            let archive = try Self.zip([
                ("DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip", inner),
                ("same.gpx", Data(Self.gpx(start: base.addingTimeInterval(2 * 86_400), seconds: 300).utf8)),
                ("same.gpx", Data(Self.gpx(start: base.addingTimeInterval(3 * 86_400), seconds: 300).utf8)),
            ])
            let reply = try await Self.upload(t, archive, contentType: "application/zip", token: s.accessToken)
            #expect(reply.status == .accepted, "\(reply.text)")
            let done = try await Self.awaitImport(t, try #require(reply.json["id"].string), token: s.accessToken)
            #expect(done.json["files_total"].int == 4, "\(done.text)")
            #expect(done.json["created"].int == 4)
            #expect(
                Set(done.json["results"].array.compactMap { $0["file"].string }) == [
                    "same.gpx", "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip/run-a.gpx",
                    "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip/run-b.gpx",
                ])
            #expect(try await Self.count(t, "activities") == 4)
            expectError(
                try await Self.upload(
                    t, try Self.zip([("readme.txt", Data("no runs here".utf8))]), contentType: "application/zip", token: s.accessToken),
                .unprocessableEntity, code: "no_files")
        }
    }

    @Test(arguments: TestBackend.available)
    func everyLimitHasItsOwnAnswer(backend: TestBackend) async throws {
        try await TestApp.with(
            backend,
            config: {
                $0.imports.maxFileBytes = 64 * 1024
                $0.imports.maxArchiveBytes = 256 * 1024
                $0.imports.maxArchiveEntries = 3
                $0.imports.maxInflateRatio = 20
            }
        ) { t in
            let s = try await t.register()
            let big = Data(Self.gpx(seconds: 500).utf8)
            #expect(big.count > 64 * 1024 && big.count < 256 * 1024)
            expectError(
                try await Self.upload(t, big, contentType: "application/gpx+xml", token: s.accessToken), .payloadTooLarge,
                code: "file_too_large")
            expectError(
                try await Self.upload(
                    t, Data(repeating: 1, count: 300 * 1024), contentType: "application/octet-stream", token: s.accessToken),
                .payloadTooLarge, code: "archive_too_large")
            let many = try Self.zip((0..<4).map { ("\($0).gpx", Data(Self.gpx(seconds: 10).utf8)) })
            expectError(
                try await Self.upload(t, many, contentType: "application/zip", token: s.accessToken), .unprocessableEntity,
                code: "too_many_files")
            // 60 KiB of one byte deflates to almost nothing: far past 20× its compressed size.
            let bomb = try Self.zip([("bomb.gpx", Data(repeating: 0x20, count: 60 * 1024))])
            expectError(
                try await Self.upload(t, bomb, contentType: "application/zip", token: s.accessToken), .payloadTooLarge,
                code: "archive_expands_too_far")
            expectError(
                try await Self.upload(t, Data("PK\u{03}\u{04}garbage".utf8), contentType: "application/zip", token: s.accessToken),
                .unprocessableEntity, code: "invalid_archive")
            expectError(
                try await Self.upload(t, Data(), contentType: "application/octet-stream", token: s.accessToken),
                .unprocessableEntity, code: "no_files")
            // The query's documented bounds hold: a name past 1,024 characters is refused, not truncated.
            expectError(
                try await Self.upload(
                    t, Data(Self.gpx(seconds: 10).utf8), contentType: "application/gpx+xml", token: s.accessToken,
                    query: "?filename=" + String(repeating: "o", count: 1_025)),
                .unprocessableEntity, code: "validation_error")
            expectError(
                try await Self.upload(t, Data("{}".utf8), contentType: "application/json", token: s.accessToken),
                .unsupportedMediaType, code: "unsupported_media_type")
            // In a batch, an oversized file is its own failure; the others import.
            let (body, type) = Self.multipart([("big.gpx", big), ("small.gpx", Data(Self.gpx(seconds: 100).utf8))])
            let batch = try await Self.upload(t, body, contentType: type, token: s.accessToken)
            #expect(batch.status == .created, "\(batch.text)")
            #expect(batch.json["results"].array.compactMap { $0["code"].string } == ["file_too_large"])
            #expect(try await Self.count(t, "activities") == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func theExportHoldsEveryRecordAGPXPerActivityAndTheOriginals(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let s = try await t.register()
            let file = Data(Self.gpx(seconds: 300).utf8)
            #expect(try await Self.upload(t, file, contentType: "application/gpx+xml", token: s.accessToken).status == .created)
            #expect(
                try await t.request(
                    .POST, "/v1/activities", json: ["start_time": "2026-11-20T07:00:00Z", "distance_m": 4000], token: s.accessToken
                ).status == .created)
            let reply = try await t.request(.GET, "/v1/export", token: s.accessToken)
            #expect(reply.status == .ok)
            #expect(reply.headers.first(name: .contentType) == "application/zip")
            let archive = try Archive(data: reply.body, accessMode: .read)
            let paths = archive.map(\.path)
            for expected in ["athlete.json", "activities.json", "checkins.json", "plans.json", "coach_messages.json"] {
                #expect(paths.contains(expected), "\(paths)")
            }
            #expect(paths.filter { $0.hasPrefix("activities/") && $0.hasSuffix(".gpx") }.count == 1)
            #expect(paths.filter { $0.hasPrefix("originals/") }.count == 1)
            var json = Data()
            _ = try archive.extract(try #require(archive["activities.json"])) { json.append($0) }
            let activities = try JSON(data: json)
            #expect(activities.array.count == 2)
            var original = Data()
            _ = try archive.extract(try #require(archive.first { $0.path.hasPrefix("originals/") })) { original.append($0) }
            #expect(original == file)
        }
    }
}
