import CoreMetrics
import Foundation
import Prometheus

/// Every metric StrideIQ exports at `/metrics`, in one place: one method per event, each with a fixed label set.
///
/// Recording goes through swift-metrics (`Counter`, `Timer`, `Gauge`) with an explicit
/// factory over this app's own swift-prometheus registry. Nothing is bootstrapped globally: two apps in one
/// process (the tests) keep separate numbers, and no library can register a family with a different label
/// set (swift-prometheus traps on a family that mixes labelled and unlabelled series).
/// The README's "Operations" section lists these names; keep the two in step.
final class Metrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        // Fast endpoints such as /ping answer in about a millisecond; the defaults start at 5 ms.
        factory.durationHistogramBuckets[Name.httpDuration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        // Model calls take seconds, jobs up to their 15 s deadline.
        let slow: [Duration] = [
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
            .seconds(4), .seconds(8), .seconds(15), .seconds(30), .seconds(60), .seconds(120),
        ]
        for name in [Name.jobDuration, Name.llmDuration, Name.llmFirstToken, Name.coachFirstDelta] {
            factory.durationHistogramBuckets[name] = slow
        }
        self.factory = factory
    }

    /// Metric names (Prometheus conventions: `_total` counters, `_seconds` histograms).
    enum Name {
        static let httpRequests = "http_requests_total"
        static let httpDuration = "http_request_duration_seconds"
        static let briefingStateServed = "briefing_state_served_total"
        static let briefingEnqueue = "briefing_enqueue_total"
        static let jobResults = "job_results_total"
        static let briefingFailures = "briefing_failures_total"
        static let jobs = "jobs_total"
        static let jobDuration = "job_duration_seconds"
        static let jobRetries = "job_retries_total"
        static let jobsQueued = "jobs_queue_depth"
        static let jobsRunning = "jobs_running"
        static let jobOldestQueuedAge = "jobs_oldest_queued_age_seconds"
        static let llmRequests = "llm_requests_total"
        static let llmDuration = "llm_request_duration_seconds"
        static let llmFirstToken = "llm_time_to_first_token_seconds"
        static let llmErrors = "llm_errors_total"
        static let coachStreamsOpen = "coach_streams_open"
        static let coachStreamsFinished = "coach_streams_finished_total"
        static let coachFirstDelta = "coach_time_to_first_delta_seconds"
        static let coachRefused = "coach_refused_total"
        static let coachSaveFailures = "coach_save_failures_total"
        static let cacheFailOpen = "cache_fail_open_total"
        static let loginAttempts = "auth_login_attempts_total"
        static let scrapeErrors = "metrics_scrape_errors_total"
    }

    // MARK: HTTP

    /// One finished request. `route` is the route template (`/v1/activities/:id`), never the raw path, so an
    /// attacker cannot create series; unmatched paths share one value.
    func httpRequest(method: String, route: String, status: UInt, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        Counter(label: Name.httpRequests, dimensions: labels, factory: factory).increment()
        Timer(label: Name.httpDuration, dimensions: labels, factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    // MARK: briefings and jobs

    /// `fresh|stale|missing|refreshing|consent_required`, once per home/briefing read.
    func briefingStateServed(_ state: String) {
        Counter(label: Name.briefingStateServed, dimensions: [("state", state)], factory: factory).increment()
    }

    /// `enqueued|coalesced|cooldown|circuit_open`, with what asked (`page_view`, `checkin`, `scheduled`, …).
    func briefingEnqueue(result: String, reason: String) {
        Counter(label: Name.briefingEnqueue, dimensions: [("result", result), ("reason", reason)], factory: factory).increment()
    }

    /// What a successful job did (a briefing job: `llm`, `deterministic`, `unchanged`, …).
    func jobResult(kind: String, result: String) {
        Counter(label: Name.jobResults, dimensions: [("kind", kind), ("result", result)], factory: factory).increment()
    }

    func briefingFailure(reason: String) {
        Counter(label: Name.briefingFailures, dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// One finished attempt: `succeeded`, `retrying` (failed, will run again: also counted in `job_retries_total`),
    /// `dead`, `superseded`, `released` (shutdown) or `fail_unrecorded`.
    func jobFinished(kind: String, outcome: String, duration: Duration) {
        let labels = [("kind", kind), ("outcome", outcome)]
        Counter(label: Name.jobs, dimensions: labels, factory: factory).increment()
        Timer(label: Name.jobDuration, dimensions: labels, factory: factory).recordNanoseconds(duration.nanoseconds)
        if outcome == "retrying" {
            Counter(label: Name.jobRetries, dimensions: [("kind", kind)], factory: factory).increment()
        }
    }

    /// The queue as the database sees it, set just before each scrape (so every role reports it, not only the worker).
    func queueSnapshot(kind: String, queued: Int, running: Int, oldestQueuedAge: TimeInterval) {
        let labels = [("kind", kind)]
        Gauge(label: Name.jobsQueued, dimensions: labels, factory: factory).record(queued)
        Gauge(label: Name.jobsRunning, dimensions: labels, factory: factory).record(running)
        Gauge(label: Name.jobOldestQueuedAge, dimensions: labels, factory: factory).record(oldestQueuedAge)
    }

    // MARK: LLM

    /// One provider call. `outcome` is `ok` or the `LLMError.code` that ended it; errors are also counted by reason.
    func llmCall(purpose: String, provider: String, model: String, outcome: String,
                 duration: Duration, timeToFirstToken: Duration?) {
        let base = [("purpose", purpose), ("provider", provider), ("model", model)]
        Counter(label: Name.llmRequests, dimensions: base + [("outcome", outcome)], factory: factory).increment()
        Timer(label: Name.llmDuration, dimensions: base + [("outcome", outcome == "ok" ? "ok" : "error")], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        if let timeToFirstToken {
            Timer(label: Name.llmFirstToken, dimensions: base, factory: factory).recordNanoseconds(timeToFirstToken.nanoseconds)
        }
        if outcome != "ok" {
            Counter(label: Name.llmErrors, dimensions: base + [("reason", outcome)], factory: factory).increment()
        }
    }

    // MARK: coach

    func coachStreamsOpen(_ open: Int) {
        Gauge(label: Name.coachStreamsOpen, factory: factory).record(open)
    }

    /// A turn ended (`stop|length|timeout|cancelled|error|shutting_down`), with the time to its first delta.
    func coachStreamFinished(finishReason: String, timeToFirstDelta: Duration?) {
        Counter(label: Name.coachStreamsFinished, dimensions: [("finish_reason", finishReason)], factory: factory).increment()
        if let timeToFirstDelta {
            Timer(label: Name.coachFirstDelta, factory: factory)
                .recordNanoseconds(timeToFirstDelta.nanoseconds)
        }
    }

    /// A turn refused before it started (`coach_busy`, `coach_budget_exhausted`, …).
    func coachRefused(code: String) {
        Counter(label: Name.coachRefused, dimensions: [("code", code)], factory: factory).increment()
    }

    func coachSaveFailure() {
        Counter(label: Name.coachSaveFailures, factory: factory).increment()
    }

    // MARK: auth and cache

    /// `ok`, `invalid` or `locked`.
    func loginAttempt(result: String) {
        Counter(label: Name.loginAttempts, dimensions: [("result", result)], factory: factory).increment()
    }

    /// A check that let a request through because the shared cache failed (`rate_limit`, `login_lockout`, …).
    func cacheFailOpen(check: String) {
        Counter(label: Name.cacheFailOpen, dimensions: [("check", check)], factory: factory).increment()
    }

    /// A scrape could not refresh part of its data (`job_queue`).
    func scrapeError(source: String) {
        Counter(label: Name.scrapeErrors, dimensions: [("source", source)], factory: factory).increment()
    }

    // MARK: exposition

    /// The Prometheus text exposition of every series recorded so far.
    func exposition() -> [UInt8] { registry.emitToBuffer() }

    /// What a scrape would see right now, parsed (for tests and diagnostics).
    var samples: PrometheusSamples { PrometheusSamples(text: registry.emitToString()) }

    /// The value of one series (`_count`/`_sum` names read histograms), 0 when absent.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double { samples.value(name, labels) }

    /// Sum over every series of `name` whose labels include `labels`.
    func total(_ name: String, matching labels: [String: String] = [:]) -> Double { samples.total(name, matching: labels) }
}

/// The Prometheus text format read back into series, enough for tests and diagnostics to ask "what would a
/// scrape see" (label values are the registry's own: no escaped quotes in ours).
struct PrometheusSamples: Sendable {
    struct Series: Sendable, Equatable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    let text: String
    let series: [Series]

    init(text: String) {
        self.text = text
        series = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                  let value = Double(line[line.index(after: space)...]) else { return nil }
            let head = line[..<space]
            guard let open = head.firstIndex(of: "{"), let close = head.lastIndex(of: "}") else {
                return Series(name: String(head), labels: [:], value: value)
            }
            return Series(name: String(head[..<open]), labels: Self.labels(in: head[head.index(after: open)..<close]), value: value)
        }
    }

    /// The value of the series with exactly these labels, 0 when absent.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        series.first { $0.name == name && $0.labels == labels }?.value ?? 0
    }

    /// Sum over every series of `name` whose labels include `labels`.
    func total(_ name: String, matching labels: [String: String] = [:]) -> Double {
        series.filter { entry in entry.name == name && labels.allSatisfy { entry.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }

    /// `a="x",b="y"` → [a: x, b: y].
    private static func labels(in body: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = body
        while let equals = rest.firstIndex(of: "="), let open = rest[equals...].firstIndex(of: "\""),
              let close = rest[rest.index(after: open)...].firstIndex(of: "\"") {
            result[rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", "))] = String(rest[rest.index(after: open)..<close])
            rest = rest[rest.index(after: close)...]
        }
        return result
    }
}
