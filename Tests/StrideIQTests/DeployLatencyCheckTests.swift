import Fluent
import Foundation
import LatencyCheck
import SQLKit
import Synchronization
import Testing
import Vapor

@testable import StrideIQ

/// `strideiq latency-check` against the real app on a loopback port: a baseline, a comparison with nothing
/// changed, and comparisons after a regression is injected by a test-only middleware.
@Suite("latency-check against a running app")
struct DeployLatencyCheckTests {
    @Test func baselineThenCompareCatchesAnInjectedRegression() async throws {
        let fault = InjectedFault()
        try await TestApp.with(.sqlite) { t in
            let s = try await t.register()
            t.app.middleware.use(fault)  // before the server starts: its responder is built then
            try await t.app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(t.app.http.server.shared.localAddress?.port)
            do {
                try await Self.run(t, s, port: port, fault: fault)
            } catch {
                await t.app.server.shutdown()
                throw error
            }
            await t.app.server.shutdown()
        }
    }

    private static func run(_ t: TestApp, _ s: TestApp.Session, port: Int, fault: InjectedFault) async throws {
        let baseline = FileManager.default.temporaryDirectory.appendingPathComponent("latency-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: baseline) }
        let common = ["--base-url", "http://127.0.0.1:\(port)", "--email", s.email, "--password", s.password, "--samples", "10"]

        // 1. Baseline: every endpoint measured, all successful, written to the file.
        let first = Output()
        #expect(
            await LatencyCheck.main(arguments: common + ["--out", baseline], output: first.append, errorOutput: first.append) == 0,
            "\(first.text)")
        for endpoint in ["GET /v1/health", "POST /v1/auth/login", "GET /v1/home"] {
            #expect(first.lines.contains { $0.hasPrefix(endpoint) }, "no row for \(endpoint):\n\(first.text)")
        }
        let saved = try JSON(data: Data(contentsOf: URL(fileURLWithPath: baseline)))
        #expect(saved["endpoints"].array.count == 3)
        #expect(saved["endpoints"].array.allSatisfy { $0["success_rate"].double == 1 && $0["samples"].int == 10 })
        // The check logged its sessions out again: only the test's own registration session is live.
        #expect(try await t.liveSessions(athleteID: s.athleteID) == 1)

        // 2. Nothing changed: no regression (a roomy absolute threshold keeps a noisy machine from flapping).
        let same = Output()
        #expect(
            await LatencyCheck.main(
                arguments: common + ["--compare", baseline, "--min-p95-increase-ms", "60"],
                output: same.append, errorOutput: same.append) == 0, "\(same.text)")
        #expect(!same.text.contains("REGRESSION"))

        // 3. /v1/home 150 ms slower: exit 1, and only home is flagged.
        fault.set(path: "/v1/home", delay: .milliseconds(150))
        let slower = Output()
        #expect(
            await LatencyCheck.main(arguments: common + ["--compare", baseline], output: slower.append, errorOutput: slower.append) == 1,
            "\(slower.text)")
        let flagged = slower.rows.filter { $0.contains("REGRESSION") }
        #expect(flagged.count == 1 && flagged.first?.hasPrefix("GET /v1/home") == true, "\(slower.text)")
        #expect(slower.lines.last?.hasPrefix("verdict: REGRESSION") == true)

        // 4. Health failing (503) but fast: the success rate dropped, which is a regression too.
        fault.set(path: "/v1/health", delay: .zero, status: .serviceUnavailable)
        fault.set(path: "/v1/home", delay: .zero)
        let failing = Output()
        #expect(
            await LatencyCheck.main(
                arguments: common + ["--compare", baseline, "--min-p95-increase-ms", "60"],
                output: failing.append, errorOutput: failing.append) == 1, "\(failing.text)")
        #expect(failing.rows.filter { $0.contains("REGRESSION") }.map { String($0.prefix(14)) } == ["GET /v1/health"], "\(failing.text)")
    }
}

/// Test-only: slows down or fails the requests of chosen paths.
final class InjectedFault: AsyncMiddleware, Sendable {
    private let rules = Mutex<[String: (delay: Duration, status: HTTPStatus?)]>([:])

    func set(path: String, delay: Duration, status: HTTPStatus? = nil) {
        rules.withLock { $0[path] = (delay, status) }
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let rule = rules.withLock({ $0[request.url.path] }) else { return try await next.respond(to: request) }
        if rule.delay > .zero { try await Task.sleep(for: rule.delay) }
        if let status = rule.status { throw APIError(status, code: ErrorCode(status: status), detail: "injected by the test") }
        return try await next.respond(to: request)
    }
}

/// Collects what the command prints.
final class Output: Sendable {
    private let collected = Mutex<[String]>([])
    var append: @Sendable (String) -> Void { { [self] line in collected.withLock { $0.append(line) } } }
    var text: String { collected.withLock { $0.joined(separator: "\n") } }
    var lines: [String] { text.split(separator: "\n").map(String.init) }
    /// Table rows (measurement and comparison), one per endpoint and table.
    var rows: [String] { lines.filter { $0.hasPrefix("GET /") || $0.hasPrefix("POST /") } }
}

extension TestApp {
    /// Refresh sessions of the athlete that are neither revoked nor expired.
    func liveSessions(athleteID: String) async throws -> Int {
        let rows = try await (app.db as! any SQLDatabase).raw(
            """
            SELECT COUNT(*) AS n FROM refresh_tokens WHERE athlete_id = \(bind: UUID(uuidString: athleteID)!) AND revoked_at IS NULL
            """
        ).all()
        return try rows.first?.decode(column: "n", as: Int.self) ?? 0
    }
}
