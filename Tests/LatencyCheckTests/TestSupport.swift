import Foundation
import Synchronization

@testable import LatencyCheck

/// Collects what the check prints, from whichever task prints it.
final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])

    var sink: @Sendable (String) -> Void {
        { line in
            self.lines.withLock { $0.append(contentsOf: line.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)) }
        }
    }

    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined(separator: "\n") }
}

struct CheckRun {
    var code: Int32
    var output: CapturedLines
    var errors: CapturedLines
}

/// `environment` replaces the process's, so a password set in the shell cannot leak into a test.
func runLatencyCheck(_ arguments: [String], environment: [String: String] = [:]) async -> CheckRun {
    let output = CapturedLines()
    let errors = CapturedLines()
    let code = await LatencyCheck.main(arguments: arguments, environment: environment, output: output.sink, errorOutput: errors.sink)
    return CheckRun(code: code, output: output, errors: errors)
}

/// A fresh path in the temporary directory; the file itself is not created.
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("latency-check-\(UUID().uuidString)-\(name)").path
}

/// An endpoint result with just the numbers a comparison looks at.
func endpoint(_ name: String, p95: Double?, successRate: Double = 1, samples: Int = 50) -> Baseline.Endpoint {
    let successes = Int((successRate * Double(samples)).rounded())
    return Baseline.Endpoint(
        name: name, samples: samples, successes: successes, successRate: successRate,
        p50Ms: p95, p95Ms: p95, p99Ms: p95, maxMs: p95, durationsMs: [],
        failures: successes == samples ? [:] : ["503": samples - successes])
}
