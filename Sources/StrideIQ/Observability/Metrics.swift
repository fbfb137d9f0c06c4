import CoreMetrics
import Foundation
import LLM
import Prometheus
import StrideIQCore
import Synchronization

/// Every metric StrideIQ exports at `/metrics`, in one place: one method per event, each with a fixed label set.
///
/// Recording goes through swift-metrics (`Counter`, `Timer`, `Gauge`) with an explicit
/// factory over this app's own swift-prometheus registry. Nothing is bootstrapped globally: two apps in one
/// process (the tests) keep separate numbers, and no library can register a family with a different label
/// set (swift-prometheus traps on a family that mixes labelled and unlabelled series).
/// Every family is in the registry from the start (`init`, and `startAtZero(purpose:providers:)` for the LLM
/// providers), with a zero series for each label set known in advance, so a `rate()` has a series to work on before the first event.
/// The README's "Operations" section lists these names; keep the two in step.
final class Metrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The CPU seconds already added to `process_cpu_seconds_total` (a counter only goes up by increments).
    private let cpuSecondsReported = Mutex<Double>(0)

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
        startAtZero()
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
        static let coachBufferedBytes = "coach_stream_buffered_bytes"
        static let coachStreamsFinished = "coach_streams_finished_total"
        static let coachFirstDelta = "coach_time_to_first_delta_seconds"
        static let coachRefused = "coach_refused_total"
        static let coachSaveFailures = "coach_save_failures_total"
        static let cacheFailOpen = "cache_fail_open_total"
        static let cacheCircuitState = "cache_circuit_state"
        static let loginAttempts = "auth_login_attempts_total"
        static let scrapeErrors = "metrics_scrape_errors_total"
        static let processCPU = "process_cpu_seconds_total"
        static let processResident = "process_resident_memory_bytes"
        static let processVirtual = "process_virtual_memory_bytes"
        static let processOpenFDs = "process_open_fds"
        static let processMaxFDs = "process_max_fds"
        static let processStart = "process_start_time_seconds"

        /// Every family, for the test that a fresh app exports them all. `http_*` are left out: their label
        /// sets (route × status) are only known when a request arrives.
        static let fromTheStart = [
            briefingStateServed, briefingEnqueue, jobResults, briefingFailures, jobs, jobDuration, jobRetries, jobsQueued,
            jobsRunning, jobOldestQueuedAge, llmRequests, llmDuration, llmFirstToken, llmErrors, coachStreamsOpen, coachBufferedBytes,
            coachStreamsFinished, coachFirstDelta, coachRefused, coachSaveFailures, cacheFailOpen, cacheCircuitState,
            loginAttempts, scrapeErrors, processCPU, processResident, processVirtual, processOpenFDs, processMaxFDs,
            processStart,
        ]
    }

    /// Label values known before any event: `startAtZero` gives each a zero series. The values are the ones the
    /// recording call sites pass; a value missing here still gets its series on its first event.
    enum Known {
        static let enqueueResults = [BriefingService.EnqueueOutcome.enqueued, .coalesced, .cooldown, .circuitOpen].map(\.rawValue)
        /// What asks for a briefing refresh: the home read, the scheduler, the admin route and the writes that
        /// change what a briefing is built from (`BriefingTrigger.fire`).
        static let enqueueReasons = [
            "page_view", "scheduled", "admin", "checkin", "activity_created", "activity_updated", "activity_deleted",
            "activities_imported", "plan_changed", "workout_changed", "profile_changed",
        ]
        /// `JobWorker`'s outcomes of one attempt.
        static let jobOutcomes = ["succeeded", "retrying", "dead", "superseded", "released", "fail_unrecorded"]
        static let coachRefusals = [ErrorCode.aiConsentRequired, .coachBusy, .coachBudgetExhausted, .shuttingDown].map(\.rawValue)
        static let loginResults = ["ok", "invalid", "locked"]
        static let failOpenChecks = ["rate_limit", "login_lockout", "login_failure_count"]
        /// `RedisCircuitState`'s raw values.
        static let circuitStates = ["closed", "open", "half_open"]
        /// Every `LLMError.code`: the outcomes of a failed provider call.
        static let llmErrorCodes: [String] = {
            let errors: [LLMError] =
                LLMError.TimeoutKind.allCases.map { .timeout($0) }
                + [
                    .rateLimited(retryAfter: nil), .providerError(status: 500, message: ""), .malformedResponse(""), .malformedStream(""),
                    .cancelled, .invalidRequest(""),
                ]
                + LLMError.TransportKind.allCases.map { .transport($0, detail: "") }
            return errors.map(\.code)
        }()
        /// Briefing job failures that are not about one answer's content (`BriefingGenerator.failureReason`).
        static let briefingFailures = llmErrorCodes.map { "provider_" + $0 } + ["job_deadline"]
    }

    /// Registers a zero series for every label set known in advance (the LLM families: `startAtZero(purpose:providers:)`,
    /// once the providers are known).
    private func startAtZero() {
        for state in BriefingState.allCases { counter(Name.briefingStateServed, [("state", state.rawValue)]) }
        for result in Known.enqueueResults {
            for reason in Known.enqueueReasons { counter(Name.briefingEnqueue, [("result", result), ("reason", reason)]) }
        }
        for reason in Known.briefingFailures { counter(Name.briefingFailures, [("reason", reason)]) }
        for kind in JobQueue.Kind.allCases.map(\.rawValue) {
            for result in BriefingGenerator.Outcome.allCases { counter(Name.jobResults, [("kind", kind), ("result", result.rawValue)]) }
            for outcome in Known.jobOutcomes {
                counter(Name.jobs, [("kind", kind), ("outcome", outcome)])
                timer(Name.jobDuration, [("kind", kind), ("outcome", outcome)])
            }
            counter(Name.jobRetries, [("kind", kind)])
            for name in [Name.jobsQueued, Name.jobsRunning, Name.jobOldestQueuedAge] { gauge(name, [("kind", kind)]) }
        }
        gauge(Name.coachStreamsOpen)
        gauge(Name.coachBufferedBytes)
        for reason in CoachFinishReason.allCases { counter(Name.coachStreamsFinished, [("finish_reason", reason.rawValue)]) }
        timer(Name.coachFirstDelta)
        for code in Known.coachRefusals { counter(Name.coachRefused, [("code", code)]) }
        counter(Name.coachSaveFailures)
        for result in Known.loginResults { counter(Name.loginAttempts, [("result", result)]) }
        for check in Known.failOpenChecks { counter(Name.cacheFailOpen, [("check", check)]) }
        for state in Known.circuitStates { gauge(Name.cacheCircuitState, [("state", state)]) }
        counter(Name.scrapeErrors, [("source", "job_queue")])
        refreshProcessMetrics()
    }

    /// Zero series for every provider `purpose` may call (a fallback chain's too), each outcome and error code.
    /// Safe to call again: an existing series keeps its value.
    func startAtZero(purpose: String, providers: [ProviderDescriptor]) {
        for provider in providers {
            let base = llmLabels(purpose: purpose, provider: provider.name, model: provider.model)
            for outcome in ["ok"] + Known.llmErrorCodes { counter(Name.llmRequests, base + [("outcome", outcome)]) }
            for reason in Known.llmErrorCodes { counter(Name.llmErrors, base + [("reason", reason)]) }
            for outcome in ["ok", "error"] { timer(Name.llmDuration, base + [("outcome", outcome)]) }
            timer(Name.llmFirstToken, base)
        }
    }

    // Every series goes through these, so a zero series and the one its event records share one label order
    // (the registry tells series apart by their ordered labels).
    @discardableResult
    private func counter(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
    }

    @discardableResult
    private func timer(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: name, dimensions: labels, factory: factory)
    }

    @discardableResult
    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
    }

    private func llmLabels(purpose: String, provider: String, model: String) -> [(String, String)] {
        [("purpose", purpose), ("provider", provider), ("model", model)]
    }

    // MARK: HTTP

    /// One finished request. `route` is the route template (`/v1/activities/:id`), never the raw path, so an
    /// attacker cannot create series; unmatched paths share one value.
    func httpRequest(method: String, route: String, status: UInt, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        counter(Name.httpRequests, labels).increment()
        timer(Name.httpDuration, labels).recordNanoseconds(duration.nanoseconds)
    }

    /// The two series of one (method, route, status), made once and kept: the request path records into them
    /// without building label arrays or asking the registry again (the registry's lookup takes its lock and
    /// compares label lists).
    final class HTTPSeries: Sendable {
        let route: String
        let counter: CoreMetrics.Counter
        let timer: CoreMetrics.Timer

        fileprivate init(route: String, counter: CoreMetrics.Counter, timer: CoreMetrics.Timer) {
            self.route = route
            self.counter = counter
            self.timer = timer
        }

        func record(_ duration: Duration) {
            counter.increment()
            timer.recordNanoseconds(duration.nanoseconds)
        }
    }

    /// `route` identifies a matched route object (it lives as long as the app, like these metrics); `nil` is
    /// every unmatched path.
    struct HTTPSeriesKey: Hashable {
        let route: ObjectIdentifier?
        let method: String
        let status: UInt
    }

    private let httpSeriesCache = Mutex<[HTTPSeriesKey: HTTPSeries]>([:])

    /// The series for `key`, made on first use; `routeTemplate` is only asked for then.
    func httpSeries(_ key: HTTPSeriesKey, routeTemplate: () -> String) -> HTTPSeries {
        if let series = httpSeriesCache.withLock({ $0[key] }) { return series }
        let route = routeTemplate()
        let labels = [("method", key.method), ("route", route), ("status", String(key.status))]
        let series = HTTPSeries(route: route, counter: counter(Name.httpRequests, labels), timer: timer(Name.httpDuration, labels))
        return httpSeriesCache.withLock { cache in
            if let existing = cache[key] { return existing }
            cache[key] = series
            return series
        }
    }

    // MARK: briefings and jobs

    /// `fresh|stale|missing|refreshing|consent_required`, once per home/briefing read.
    func briefingStateServed(_ state: String) {
        counter(Name.briefingStateServed, [("state", state)]).increment()
    }

    /// `enqueued|coalesced|cooldown|circuit_open`, with what asked (`page_view`, `checkin`, `scheduled`, …).
    func briefingEnqueue(result: String, reason: String) {
        counter(Name.briefingEnqueue, [("result", result), ("reason", reason)]).increment()
    }

    /// What a successful job did (a briefing job: `llm`, `deterministic`, `unchanged`, …).
    func jobResult(kind: String, result: String) {
        counter(Name.jobResults, [("kind", kind), ("result", result)]).increment()
    }

    func briefingFailure(reason: String) {
        counter(Name.briefingFailures, [("reason", reason)]).increment()
    }

    /// One finished attempt: `succeeded`, `retrying` (failed, will run again: also counted in `job_retries_total`),
    /// `dead`, `superseded`, `released` (shutdown) or `fail_unrecorded`.
    func jobFinished(kind: String, outcome: String, duration: Duration) {
        let labels = [("kind", kind), ("outcome", outcome)]
        counter(Name.jobs, labels).increment()
        timer(Name.jobDuration, labels).recordNanoseconds(duration.nanoseconds)
        if outcome == "retrying" {
            counter(Name.jobRetries, [("kind", kind)]).increment()
        }
    }

    /// The queue as the database sees it, set just before each scrape (so every role reports it, not only the worker).
    func queueSnapshot(kind: String, queued: Int, running: Int, oldestQueuedAge: TimeInterval) {
        let labels = [("kind", kind)]
        gauge(Name.jobsQueued, labels).record(queued)
        gauge(Name.jobsRunning, labels).record(running)
        gauge(Name.jobOldestQueuedAge, labels).record(oldestQueuedAge)
    }

    // MARK: LLM

    /// One provider call. `outcome` is `ok` or the `LLMError.code` that ended it; errors are also counted by reason.
    func llmCall(
        purpose: String, provider: String, model: String, outcome: String,
        duration: Duration, timeToFirstToken: Duration?
    ) {
        let base = llmLabels(purpose: purpose, provider: provider, model: model)
        counter(Name.llmRequests, base + [("outcome", outcome)]).increment()
        timer(Name.llmDuration, base + [("outcome", outcome == "ok" ? "ok" : "error")])
            .recordNanoseconds(duration.nanoseconds)
        if let timeToFirstToken {
            timer(Name.llmFirstToken, base).recordNanoseconds(timeToFirstToken.nanoseconds)
        }
        if outcome != "ok" {
            counter(Name.llmErrors, base + [("reason", outcome)]).increment()
        }
    }

    // MARK: coach

    func coachStreamsOpen(_ open: Int) {
        gauge(Name.coachStreamsOpen).record(open)
    }

    /// Answer bytes read from providers and not yet written to clients, over the open coach streams.
    func coachBufferedBytes(_ bytes: Int) {
        gauge(Name.coachBufferedBytes).record(bytes)
    }

    /// A turn ended (`stop|length|timeout|cancelled|error|shutting_down`), with the time to its first delta.
    func coachStreamFinished(finishReason: String, timeToFirstDelta: Duration?) {
        counter(Name.coachStreamsFinished, [("finish_reason", finishReason)]).increment()
        if let timeToFirstDelta {
            timer(Name.coachFirstDelta).recordNanoseconds(timeToFirstDelta.nanoseconds)
        }
    }

    /// A turn refused before it started (`coach_busy`, `coach_budget_exhausted`, …).
    func coachRefused(code: String) {
        counter(Name.coachRefused, [("code", code)]).increment()
    }

    func coachSaveFailure() {
        counter(Name.coachSaveFailures).increment()
    }

    // MARK: auth and cache

    /// `ok`, `invalid` or `locked`.
    func loginAttempt(result: String) {
        counter(Name.loginAttempts, [("result", result)]).increment()
    }

    /// A check that let a request through because the shared cache failed (`rate_limit`, `login_lockout`, …).
    func cacheFailOpen(check: String) {
        counter(Name.cacheFailOpen, [("check", check)]).increment()
    }

    /// The Redis client's circuit breaker moved to `current`: 1 for it, 0 for the other states.
    func cacheCircuitState(_ current: String) {
        for state in Known.circuitStates { gauge(Name.cacheCircuitState, [("state", state)]).record(state == current ? 1 : 0) }
    }

    /// A scrape could not refresh part of its data (`job_queue`).
    func scrapeError(source: String) {
        counter(Name.scrapeErrors, [("source", source)]).increment()
    }

    // MARK: exposition

    /// The Prometheus text exposition of every series, the `process_*` ones read just now.
    func exposition() -> [UInt8] {
        refreshProcessMetrics()
        return registry.emitToBuffer()
    }

    /// What a scrape would see right now, parsed (for tests and diagnostics).
    var samples: PrometheusSamples {
        refreshProcessMetrics()
        return PrometheusSamples(text: registry.emitToString())
    }

    /// Reads the process's CPU, memory and descriptors into the `process_*` series (at each scrape, like the
    /// queue gauges). Without `/proc` there are none, rather than zeros.
    func refreshProcessMetrics() {
        guard let stats = ProcessStats.current() else { return }
        // The counter only goes up by increments: add what was used since the last refresh. Under the lock so
        // two concurrent scrapes do not both add the same interval.
        cpuSecondsReported.withLock { reported in
            let cpu = FloatingPointCounter(label: Name.processCPU, factory: factory)
            if stats.cpuSeconds > reported {
                cpu.increment(by: stats.cpuSeconds - reported)
                reported = stats.cpuSeconds
            }
        }
        let gauges: [(String, Double?)] = [
            (Name.processResident, stats.residentBytes), (Name.processVirtual, stats.virtualBytes),
            (Name.processOpenFDs, stats.openFDs), (Name.processMaxFDs, stats.maxFDs), (Name.processStart, stats.startTime),
        ]
        for case (let name, let value?) in gauges { gauge(name).record(value) }
    }

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
                let value = Double(line[line.index(after: space)...])
            else { return nil }
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
            let close = rest[rest.index(after: open)...].firstIndex(of: "\"")
        {
            result[rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", "))] = String(rest[rest.index(after: open)..<close])
            rest = rest[rest.index(after: close)...]
        }
        return result
    }
}
