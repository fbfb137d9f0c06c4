/// The plain-text report. Fixed-width columns so a deploy log lines up; every function returns lines
/// without printing, so the layout is unit-tested.
public enum LatencyTable {
    public static func title(baseURL: String, samples: Int, concurrency: Int) -> String {
        "latency-check \(baseURL) — \(samples) sample\(samples == 1 ? "" : "s") per endpoint, concurrency \(concurrency)"
    }

    public static func measurement(_ endpoints: [Baseline.Endpoint]) -> [String] {
        let header =
            pad("endpoint", 24) + right("samples", 8) + right("ok %", 7)
            + right("p50 ms", 9) + right("p95 ms", 9) + right("p99 ms", 9) + right("max ms", 9)
        let rows = endpoints.map { endpoint in
            pad(endpoint.name, 24) + right(String(endpoint.samples), 8)
                + right(oneDecimal(endpoint.successRate * 100), 7)
                + right(milliseconds(endpoint.p50Ms), 9) + right(milliseconds(endpoint.p95Ms), 9)
                + right(milliseconds(endpoint.p99Ms), 9) + right(milliseconds(endpoint.maxMs), 9)
        }
        return [header] + rows
    }

    /// One line per endpoint that had failures, e.g. "POST /v1/auth/login: 3 failed (429 ×3)".
    public static func failures(_ endpoints: [Baseline.Endpoint]) -> [String] {
        endpoints.compactMap { endpoint in
            guard endpoint.failedSamples > 0 else { return nil }
            let reasons = endpoint.failures
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key) ×\($0.value)" }
                .joined(separator: ", ")
            return "\(endpoint.name): \(endpoint.failedSamples) failed (\(reasons))"
        }
    }

    public static func comparison(_ comparison: Comparison) -> [String] {
        let header =
            pad("endpoint", 21) + right("p95 base", 9) + right("p95 now", 10) + right("change", 10)
            + right("ok % base", 12) + right("ok % now", 11) + "   verdict"
        let rows = comparison.rows.map { row in
            pad(row.name, 21) + right(milliseconds(row.base?.p95Ms), 9) + right(milliseconds(row.now.p95Ms), 10)
                + right(row.p95ChangePercent.map { Comparison.signed($0) + " %" } ?? "-", 10)
                + right(row.base.map { Comparison.percent($0.successRate) } ?? "-", 12)
                + right(Comparison.percent(row.now.successRate), 11)
                + "   " + row.verdict.text
        }
        return [header] + rows
    }

    static func milliseconds(_ value: Double?) -> String {
        value.map(oneDecimal) ?? "-"
    }

    /// Left-justified in `width`, always followed by at least one space so long names stay readable.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count < width ? text + String(repeating: " ", count: width - text.count) : text + " "
    }

    /// Right-justified in `width`, with at least one leading space.
    static func right(_ text: String, _ width: Int) -> String {
        text.count < width ? String(repeating: " ", count: width - text.count) + text : " " + text
    }
}
