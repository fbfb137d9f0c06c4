import ArgumentParser
import Foundation

/// Flags of `strideiq latency-check`. Parsing and validation only; `LatencyCheck.main` runs it.
public struct LatencyCheckOptions: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "strideiq latency-check",
        abstract: "Deploy gate: measure a running StrideIQ API's latency, save a baseline, compare after the deploy.",
        discussion: """
            Measures, in order, GET /v1/health, POST /v1/auth/login and GET /v1/home (with a token from the \
            logins), each --samples times with --concurrency requests in flight, after --warmup unmeasured \
            requests. Every session opened is logged out again. Login pacing follows the server's \
            X-RateLimit-Remaining / X-RateLimit-Reset headers.

            Exit codes: 0 measured cleanly (and no regression with --compare); 1 regression found by --compare; \
            2 usage error, no password or unreadable baseline; 3 without --compare, some sample failed (--out is still written).
            """
    )

    @Option(name: .customLong("base-url"), help: "Base URL of the running API, e.g. http://127.0.0.1:8080.")
    public var baseURL: String

    @Option(help: "Email of an existing account to log in with.")
    public var email: String

    @Option(help: "Password of that account (or set LATENCY_CHECK_PASSWORD, which keeps it out of `ps` and shell history).")
    public var password: String?

    @Option(help: "Measured requests per endpoint.")
    public var samples: Int = 50

    @Option(help: "Requests in flight at once.")
    public var concurrency: Int = 1

    @Option(help: "Unmeasured requests before each endpoint.")
    public var warmup: Int = 2

    @Option(help: ArgumentHelp("Write the measurement as a JSON baseline to this file.", valueName: "file"))
    public var out: String?

    @Option(help: ArgumentHelp("Compare with this baseline file and fail on a regression.", valueName: "file"))
    public var compare: String?

    @Option(name: .customLong("max-p95-increase-percent"), help: "A p95 rise above this percentage can be a regression.")
    public var maxP95IncreasePercent: Double = 25

    @Option(
        name: .customLong("min-p95-increase-ms"),
        help: "…and only when it is also above this many milliseconds, so fast endpoints do not flap.")
    public var minP95IncreaseMs: Double = 20

    @Option(help: "Per-request timeout in seconds; a request that takes longer is a failed sample.")
    public var timeout: Double = 10

    public init() {}

    public func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        guard maxP95IncreasePercent >= 0, maxP95IncreasePercent.isFinite else {
            throw ValidationError("--max-p95-increase-percent must not be negative")
        }
        guard minP95IncreaseMs >= 0, minP95IncreaseMs.isFinite else {
            throw ValidationError("--min-p95-increase-ms must not be negative")
        }
        guard normalizedBaseURL != nil else {
            throw ValidationError("--base-url must be an http:// or https:// URL with a host, got '\(baseURL)'")
        }
    }

    /// The base URL without a trailing slash, so "{base}/v1/health" never has "//"; nil when unusable.
    var normalizedBaseURL: String? {
        var text = baseURL.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else { return nil }
        return text
    }

    /// The environment variable read when `--password` is not given.
    public static let passwordVariable = "LATENCY_CHECK_PASSWORD"

    var thresholds: Comparison.Thresholds {
        .init(maxP95IncreasePercent: maxP95IncreasePercent, minP95IncreaseMs: minP95IncreaseMs)
    }

    /// Standalone use as a command; inside the project `LatencyCheck.main` is the entry point.
    public mutating func run() async throws {
        let code = await LatencyCheck.run(self, output: { print($0) }, errorOutput: LatencyCheck.standardError)
        if code != 0 { throw ExitCode(code) }
    }
}
