/// One measured request: its wall time, and why it failed (nil when it succeeded).
public struct Sample: Sendable, Equatable {
    public var durationMs: Double
    /// A status code ("503"), "timeout", "no access token", … — the key counted in `failures`.
    public var failure: String?

    public init(durationMs: Double, failure: String? = nil) {
        self.durationMs = durationMs
        self.failure = failure
    }

    public var succeeded: Bool { failure == nil }
}

/// Summary of one endpoint's samples. Percentiles cover successful samples only: a timeout's duration is
/// the timeout, and a fast 429 is not the endpoint being fast.
public struct LatencyStats: Sendable, Equatable {
    public let samples: Int
    public let successes: Int
    /// 0…1; 0 when there were no samples.
    public let successRate: Double
    public let p50Ms: Double?
    public let p95Ms: Double?
    public let p99Ms: Double?
    public let maxMs: Double?

    /// `durationsMs[i]` belongs to the sample whose outcome is `successes[i]`.
    public init(durationsMs: [Double], successes: [Bool]) {
        precondition(durationsMs.count == successes.count, "one success flag per duration")
        let ok = zip(durationsMs, successes).filter(\.1).map(\.0).sorted()
        self.samples = durationsMs.count
        self.successes = ok.count
        self.successRate = durationsMs.isEmpty ? 0 : Double(ok.count) / Double(durationsMs.count)
        self.p50Ms = percentile(ok, 50)
        self.p95Ms = percentile(ok, 95)
        self.p99Ms = percentile(ok, 99)
        self.maxMs = ok.last
    }

    public init(samples: [Sample]) {
        self.init(durationsMs: samples.map(\.durationMs), successes: samples.map(\.succeeded))
    }
}
