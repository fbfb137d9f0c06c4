import Foundation
import Testing

/// `strideiq` as a newcomer meets it: help never reads configuration or touches state, every command
/// describes itself, a bad command exits 64, an invalid setting 78.
@Suite(.serialized) struct CommandTreeTests {
    static let commands = [
        "serve", "api", "coach", "worker", "scheduler", "migrate", "seed-demo", "routes", "inspect-activity-file",
        "latency-check", "bench-analytics",
    ]

    @Test func helpExitsZeroAndLeavesAnEmptyFolderEmpty() async throws {
        let folder = try makeEmptyDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var invocations = [["--help"], ["help"], ["-h"]]
        invocations += Self.commands.map { [$0, "--help"] }
        invocations += Self.commands.map { ["help", $0] }
        for arguments in invocations {
            let run = try await ChildProcess.run(arguments, environment: [:], directory: folder)
            #expect(run.status == 0, "strideiq \(arguments.joined(separator: " ")): \(run.stderr)")
            #expect(run.stdout.contains("USAGE"), "strideiq \(arguments.joined(separator: " ")) printed: \(run.stdout)")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty,
                "strideiq \(arguments.joined(separator: " ")) left files behind")
        }
    }

    @Test func everyCommandIsListedWithItsOwnDescription() async throws {
        let folder = try makeEmptyDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let help = try await ChildProcess.run(["--help"], directory: folder).stdout
        var descriptions: [String] = []
        for command in Self.commands {
            let line = help.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(command + " ") }
            let text = try #require(line, "\(command) is not listed:\n\(help)")
                .trimmingCharacters(in: .whitespaces).dropFirst(command.count).trimmingCharacters(in: .whitespaces)
            #expect(!text.isEmpty)
            descriptions.append(text)
        }
        #expect(Set(descriptions).count == descriptions.count, "two commands share a description")
    }

    @Test func eachRunningCommandListsTheEnvironmentItReads() async throws {
        let folder = try makeEmptyDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (command, variable) in [
            ("serve", "DATABASE_URL"), ("api", "REDIS_URL"), ("coach", "COACH_MAX_STREAMS"),
            ("worker", "WORKER_CONCURRENCY"), ("scheduler", "SCHEDULER_INTERVAL_S"),
            ("migrate", "DATABASE_URL"), ("seed-demo", "DATABASE_URL"),
            ("latency-check", "LATENCY_CHECK_PASSWORD"),
        ] {
            let help = try await ChildProcess.run([command, "--help"], directory: folder).stdout
            #expect(help.contains(variable), "\(command) --help does not mention \(variable)")
        }
        let serve = try await ChildProcess.run(["serve", "--help"], directory: folder).stdout
        #expect(serve.contains("--hostname") && serve.contains("--port"))
    }

    @Test func unknownCommandsAndBadFlagsExit64WithTheUsageOnStderr() async throws {
        let folder = try makeEmptyDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for arguments in [
            ["bogus"], ["serve", "--bogus"], ["serve", "--port", "seventy"], ["serve", "--port", "0"],
            ["routes", "--role", "nobody"],
        ] {
            let run = try await ChildProcess.run(arguments, environment: [:], directory: folder)
            #expect(run.status == 64, "strideiq \(arguments.joined(separator: " ")) exited \(run.status)")
            #expect(run.stderr.contains("Usage") || run.stderr.contains("USAGE"), "\(run.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        }
    }

    @Test func routesListsTheRoutesOfARoleWithoutTouchingState() async throws {
        let folder = try makeEmptyDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let serve = try await ChildProcess.run(["routes"], directory: folder)
        #expect(serve.status == 0, "\(serve.stderr)")
        let lines = Set(serve.stdout.split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: ["GET /ping", "GET /v1/home", "POST /v1/coach/chat/stream", "POST /v1/auth/login"]))
        let coach = Set(
            try await ChildProcess.run(["routes", "--role", "coach"], directory: folder).stdout.split(separator: "\n").map(String.init))
        #expect(coach.contains("POST /v1/coach/chat/stream") && coach.contains("GET /health"))
        #expect(!coach.contains("GET /v1/home"))
        let api = Set(
            try await ChildProcess.run(["routes", "--role", "api"], directory: folder).stdout.split(separator: "\n").map(String.init))
        #expect(api.contains("GET /v1/home") && !api.contains("POST /v1/coach/chat/stream"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func inspectActivityFilePrintsOneJSONObjectPerFileAndExits65OnAnUndecodableOne() async throws {
        let folder = try makeEmptyDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Three points 0.001° of latitude (111.2 m) apart, a minute apart.
        let points = (0..<3).map { i in
            #"<trkpt lat="52.\#(500 + i)" lon="13.4"><time>2026-06-14T06:3\#(i):00Z</time></trkpt>"#
        }.joined()
        let gpx = #"<?xml version="1.0"?><gpx version="1.1" creator="test"><trk><trkseg>\#(points)</trkseg></trk></gpx>"#
        try Data(gpx.utf8).write(to: folder.appendingPathComponent("run.gpx"))
        try Data("not an activity".utf8).write(to: folder.appendingPathComponent("notes.txt"))

        let good = try await ChildProcess.run(["inspect-activity-file", "run.gpx"], environment: [:], directory: folder)
        #expect(good.status == 0, "\(good.stderr)")
        let activity = try #require(try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any])
        #expect(activity["format"] as? String == "gpx")
        #expect(activity["start_time"] as? Double == 1_781_418_600)
        #expect(activity["elapsed_time_s"] as? Int == 120)
        #expect(abs((activity["distance_m"] as? Double ?? 0) - 222.4) < 0.5, "\(good.stdout)")

        let bad = try await ChildProcess.run(["inspect-activity-file", "notes.txt", "run.gpx"], environment: [:], directory: folder)
        #expect(bad.status == 65)
        let lines = bad.stdout.split(separator: "\n")
        #expect(lines.count == 2, "the good file is still reported: \(bad.stdout)")
        let failure = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect((failure["error"] as? [String: Any])?["code"] as? String == "unsupported_format")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["run.gpx", "notes.txt"])
    }

    @Test func runningCommandsValidateTheConfiguration() async throws {
        let folder = try makeEmptyDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every problem at once, exit 78, nothing created.
        let invalid = try await ChildProcess.run(["serve"], environment: ["PORT": "99999", "BCRYPT_COST": "2"], directory: folder)
        #expect(invalid.status == 78)
        #expect(invalid.stderr.contains("PORT") && invalid.stderr.contains("BCRYPT_COST"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        // A split role without a shared cache says what to do.
        let api = try await ChildProcess.run(["api"], environment: ["DATABASE_URL": "sqlite://\(folder.path)/db.sqlite"], directory: folder)
        #expect(api.status == 1)
        #expect(api.stderr.contains("REDIS_URL"))
    }
}
