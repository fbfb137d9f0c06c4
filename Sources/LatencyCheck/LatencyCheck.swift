import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import StrideIQSupport

/// Exit codes of `strideiq latency-check`, for deploy scripts.
public enum LatencyCheckExitCode: Int32, Sendable {
    /// Measured cleanly (and, with --compare, no regression).
    case clean = 0
    /// --compare found a regression.
    case regression = 1
    /// Bad flags, invalid URL, unreadable or invalid baseline, --out not writable.
    case usage = 2
    /// Without --compare, some sample failed: the measurement is not a clean baseline.
    case failedSamples = 3
}

/// `strideiq latency-check`: the deploy gate. See `LatencyCheckOptions` for the flags.
public enum LatencyCheck {
    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Parses `arguments` (without the program name and "latency-check"), runs the check and returns the
    /// exit code; never exits the process, so the caller decides what happens next.
    public static func main(
        arguments: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        output: @escaping @Sendable (String) -> Void = { print($0) },
        errorOutput: @escaping @Sendable (String) -> Void = LatencyCheck.standardError
    ) async -> Int32 {
        var options: LatencyCheckOptions
        do {
            options = try LatencyCheckOptions.parse(arguments)
        } catch {
            let message = LatencyCheckOptions.fullMessage(for: error)
            if LatencyCheckOptions.exitCode(for: error) == .success {
                output(message)  // --help
                return LatencyCheckExitCode.clean.rawValue
            }
            errorOutput(message)
            return LatencyCheckExitCode.usage.rawValue
        }
        if options.password == nil { options.password = environment[LatencyCheckOptions.passwordVariable] }
        return await run(options, output: output, errorOutput: errorOutput)
    }

    static func run(
        _ options: LatencyCheckOptions,
        output: @escaping @Sendable (String) -> Void,
        errorOutput: @escaping @Sendable (String) -> Void
    ) async -> Int32 {
        guard let baseURL = options.normalizedBaseURL else {
            errorOutput("latency-check: --base-url must be an http:// or https:// URL with a host")
            return LatencyCheckExitCode.usage.rawValue
        }
        guard let password = options.password, !password.isEmpty else {
            errorOutput("latency-check: give the account's password with --password or \(LatencyCheckOptions.passwordVariable)")
            return LatencyCheckExitCode.usage.rawValue
        }
        // Before measuring: a typo in the baseline path should not cost a full run.
        var baseline: Baseline?
        if let path = options.compare {
            do {
                baseline = try Baseline.load(path: path)
            } catch {
                errorOutput("latency-check: \(error)")
                return LatencyCheckExitCode.usage.rawValue
            }
        }

        let timeout = Duration.milliseconds(Int64((options.timeout * 1_000).rounded(.up)))
        let client = makeClient(timeout: timeout, concurrency: options.concurrency)
        let settings = RunSettings(
            baseURL: baseURL, email: options.email, password: password,
            samples: options.samples, concurrency: options.concurrency,
            warmup: options.warmup, timeout: timeout)
        let report = await LatencyRun(client: client, settings: settings, output: output).run()
        try? await client.shutdown()

        let measured = Baseline(
            baseURL: baseURL, takenAt: Date(), samples: options.samples,
            concurrency: options.concurrency, endpoints: report.endpoints)
        output(LatencyTable.title(baseURL: baseURL, samples: options.samples, concurrency: options.concurrency))
        LatencyTable.measurement(report.endpoints).forEach(output)
        LatencyTable.failures(report.endpoints).forEach(output)
        if !report.homeMeasured {
            output("\(LatencyRun.home) was not measured: no login succeeded, so there was no access token")
        }
        if report.sessionsOpened > 0 {
            var line = "sessions: \(report.sessionsOpened) opened, \(report.sessionsClosed) logged out"
            if !report.logoutFailures.isEmpty {
                let reasons = report.logoutFailures.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }
                line += " (logout failed: \(reasons.joined(separator: ", ")))"
            }
            output(line)
        }

        if let path = options.out {
            do {
                try measured.write(to: path)
            } catch {
                errorOutput("latency-check: cannot write \(path): \(error.localizedDescription)")
                return LatencyCheckExitCode.usage.rawValue
            }
        }

        let failed = report.endpoints.reduce(0) { $0 + $1.failedSamples }
        let total = report.endpoints.reduce(0) { $0 + $1.samples }
        guard let baseline, let comparePath = options.compare else {
            if failed == 0 {
                output(
                    "verdict: clean — all \(total) samples succeeded"
                        + (options.out.map { "; baseline written to \($0)" } ?? ""))
                return LatencyCheckExitCode.clean.rawValue
            }
            output(
                "verdict: NOT CLEAN — \(failed) of \(total) samples failed"
                    + (options.out.map { "; \($0) written for inspection, not fit as a baseline" } ?? ""))
            return LatencyCheckExitCode.failedSamples.rawValue
        }

        let comparison = Comparison(baseline: baseline, current: report.endpoints, thresholds: options.thresholds)
        output("")
        output("compared with \(comparePath) (taken \(ISO8601DateFormatter().string(from: baseline.takenAt)))")
        if baseline.samples != options.samples || baseline.concurrency != options.concurrency || baseline.baseURL != baseURL {
            output(
                "note: the baseline measured \(baseline.baseURL) with \(baseline.samples) samples, concurrency "
                    + "\(baseline.concurrency); percentiles of different runs compare only roughly")
        }
        LatencyTable.comparison(comparison).forEach(output)
        if comparison.hasRegression {
            let findings = comparison.regressions.map { row -> String in
                guard case .regression(let reasons) = row.verdict else { return row.name }
                return "\(row.name): \(reasons.joined(separator: "; "))"
            }
            output("verdict: REGRESSION — \(findings.joined(separator: " | "))")
            return LatencyCheckExitCode.regression.rawValue
        }
        output("verdict: ok — no regression against \(comparePath)")
        return LatencyCheckExitCode.clean.rawValue
    }

    private static func makeClient(timeout: Duration, concurrency: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        // A redirect is a misconfigured base URL, and following it would time two requests as one.
        configuration.redirectConfiguration = .disallow
        let amount = TimeAmount.nanoseconds(timeout.nanoseconds)
        configuration.timeout = .init(connect: amount, read: amount)
        // The pool's default of 8 connections per host would queue requests inside the client at higher
        // concurrency, and the queueing would be measured as server latency.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, concurrency)
        // A refused connection fails at once instead of being retried until the connect timeout: a server that
        // is down then costs milliseconds per sample, not a timeout each.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
