import Foundation
import Testing

@testable import LatencyCheck

/// Usage errors end before any request is sent: every case here points at a port nothing listens on.
@Suite("Command line")
struct CommandLineTests {
    let required = ["--base-url", "http://127.0.0.1:9", "--email", "a@example.com", "--password", "pw"]

    @Test(arguments: [
        ["--samples", "0"],
        ["--concurrency", "0"],
        ["--samples", "many"],
        ["--no-such-flag"],
        ["--timeout", "0"],
        ["--max-p95-increase-percent", "-1"],
    ])
    func badFlagsExitTwo(extra: [String]) async {
        let run = await runLatencyCheck(required + extra)
        #expect(run.code == 2)
        #expect(!run.errors.text.isEmpty)
        #expect(run.output.all.isEmpty)
    }

    @Test(arguments: ["not a url", "ftp://example.com", "http://", "127.0.0.1:8080"])
    func invalidBaseURLExitsTwo(url: String) async {
        let run = await runLatencyCheck(["--base-url", url, "--email", "a@example.com", "--password", "pw"])
        #expect(run.code == 2)
        #expect(run.errors.text.contains("--base-url"))
    }

    @Test func missingRequiredFlagExitsTwo() async {
        let run = await runLatencyCheck(["--base-url", "http://127.0.0.1:9", "--password", "pw"])
        #expect(run.code == 2)
        #expect(run.errors.text.contains("--email"))
    }

    @Test func noPasswordAnywhereExitsTwo() async {
        let run = await runLatencyCheck(["--base-url", "http://127.0.0.1:9", "--email", "a@example.com"])
        #expect(run.code == 2)
        #expect(run.errors.text.contains("--password") && run.errors.text.contains("LATENCY_CHECK_PASSWORD"))
        #expect(run.output.all.isEmpty)
    }

    @Test func helpPrintsUsageAndExitsZero() async {
        let run = await runLatencyCheck(["--help"])
        #expect(run.code == 0)
        #expect(run.output.text.contains("strideiq latency-check"))
        #expect(run.output.text.contains("--base-url"))
        #expect(run.output.text.contains("--max-p95-increase-percent"))
        #expect(run.errors.all.isEmpty)
    }

    @Test func invalidBaselineFileExitsTwo() async throws {
        let path = temporaryPath("invalid.json")
        try Data(#"{"version": 1, "endpoints": "nope"}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = await runLatencyCheck(required + ["--compare", path])
        #expect(run.code == 2)
        #expect(run.errors.text.contains("is not a latency-check baseline"))
        #expect(run.output.all.isEmpty)
    }

    @Test func missingBaselineFileExitsTwo() async {
        let run = await runLatencyCheck(required + ["--compare", "/nonexistent/baseline.json"])
        #expect(run.code == 2)
        #expect(run.errors.text.contains("cannot read baseline /nonexistent/baseline.json: no such file"))
    }
}
