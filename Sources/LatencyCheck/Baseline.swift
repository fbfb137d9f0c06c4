import Foundation

/// What `--out` writes and `--compare` reads: one measurement run, summary and raw data.
public struct Baseline: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public var version: Int
    public var baseURL: String
    public var takenAt: Date
    public var samples: Int
    public var concurrency: Int
    public var endpoints: [Endpoint]

    public init(
        version: Int = Baseline.currentVersion, baseURL: String, takenAt: Date, samples: Int,
        concurrency: Int, endpoints: [Endpoint]
    ) {
        self.version = version
        self.baseURL = baseURL
        self.takenAt = takenAt
        self.samples = samples
        self.concurrency = concurrency
        self.endpoints = endpoints
    }

    public func endpoint(named name: String) -> Endpoint? {
        endpoints.first { $0.name == name }
    }

    enum CodingKeys: String, CodingKey {
        case version, baseURL = "base_url", takenAt = "taken_at", samples, concurrency, endpoints
    }

    /// One endpoint's result. The summary fields are stored, not recomputed on read, so a comparison uses
    /// exactly the numbers the operator saw when the baseline was taken.
    public struct Endpoint: Codable, Sendable, Equatable {
        public var name: String
        public var samples: Int
        public var successes: Int
        public var successRate: Double
        public var p50Ms: Double?
        public var p95Ms: Double?
        public var p99Ms: Double?
        public var maxMs: Double?
        /// Durations of the successful samples, in the order they were taken.
        public var durationsMs: [Double]
        /// Failed samples counted by reason.
        public var failures: [String: Int]

        public init(name: String, samples: [Sample]) {
            let stats = LatencyStats(samples: samples)
            self.name = name
            self.samples = stats.samples
            self.successes = stats.successes
            self.successRate = stats.successRate
            self.p50Ms = stats.p50Ms
            self.p95Ms = stats.p95Ms
            self.p99Ms = stats.p99Ms
            self.maxMs = stats.maxMs
            self.durationsMs = samples.filter(\.succeeded).map(\.durationMs)
            self.failures = samples.compactMap(\.failure).reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }

        public init(
            name: String, samples: Int, successes: Int, successRate: Double, p50Ms: Double?,
            p95Ms: Double?, p99Ms: Double?, maxMs: Double?, durationsMs: [Double], failures: [String: Int]
        ) {
            self.name = name
            self.samples = samples
            self.successes = successes
            self.successRate = successRate
            self.p50Ms = p50Ms
            self.p95Ms = p95Ms
            self.p99Ms = p99Ms
            self.maxMs = maxMs
            self.durationsMs = durationsMs
            self.failures = failures
        }

        public var failedSamples: Int { samples - successes }

        enum CodingKeys: String, CodingKey {
            case name, samples, successes, successRate = "success_rate"
            case p50Ms = "p50_ms", p95Ms = "p95_ms", p99Ms = "p99_ms", maxMs = "max_ms"
            case durationsMs = "durations_ms", failures
        }

        // Written by hand so that an endpoint without successful samples shows `"p95_ms": null` instead of
        // silently dropping the key.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(samples, forKey: .samples)
            try container.encode(successes, forKey: .successes)
            try container.encode(successRate, forKey: .successRate)
            try container.encode(p50Ms, forKey: .p50Ms)
            try container.encode(p95Ms, forKey: .p95Ms)
            try container.encode(p99Ms, forKey: .p99Ms)
            try container.encode(maxMs, forKey: .maxMs)
            try container.encode(durationsMs, forKey: .durationsMs)
            try container.encode(failures, forKey: .failures)
        }
    }
}

public enum BaselineError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)
    case unsupportedVersion(path: String, version: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read baseline \(path): \(reason)"
        case .invalid(let path, let reason):
            return "\(path) is not a latency-check baseline: \(reason)"
        case .unsupportedVersion(let path, let version):
            return "\(path) is a version \(version) baseline; this tool reads version \(Baseline.currentVersion)"
        }
    }
}

extension Baseline {
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> Baseline {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Baseline.self, from: data)
    }

    /// Loads and checks a baseline file; every failure is a `BaselineError` worded for the operator.
    public static func load(path: String) throws(BaselineError) -> Baseline {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        let baseline: Baseline
        do {
            baseline = try decode(data)
        } catch let error as DecodingError {
            throw .invalid(path: path, reason: error.operatorDescription)
        } catch {
            throw .invalid(path: path, reason: "\(error)")
        }
        guard baseline.version == currentVersion else {
            throw .unsupportedVersion(path: path, version: baseline.version)
        }
        return baseline
    }

    public func write(to path: String) throws {
        try jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

extension DecodingError {
    /// DecodingError's own description is a wall of coding-path internals; the operator needs the field.
    var operatorDescription: String {
        func at(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch self {
        case .dataCorrupted(let context):
            return "not valid JSON\(at(context.codingPath))"
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\"\(at(context.codingPath))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "unexpected value\(at(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(self)"
        }
    }
}
