import Fluent
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import Vapor

// The long-running parts of a process as swift-service-lifecycle `Service`s. Each process runs one
// `ServiceGroup` (`ProcessRole.serviceGroup`); SIGTERM or SIGINT starts a graceful shutdown that the group
// carries out in the reverse of the order the services are listed in, each one finishing before the next
// is told. The order, first to stop:
//
// 1. coach drain: every open coach stream gets `error {shutting_down}` + `done`; new turns are refused.
// 2. HTTP server: stops accepting connections and finishes the requests in flight.
// 3. scheduler: stops ticking.
// 4. worker: stops claiming, lets running jobs finish (`WORKER_DRAIN_S`), releases the rest to the queue.
// 5. job listener (`JobListenerService`): closes the LISTEN connection that wakes the worker.
// 6. metrics listener: the `METRICS_PORT` server, last, so the drain can still be scraped.
//
// Then `StrideIQProcess` shuts the app down: database pools, the cache and the LLM HTTP client close.
// `SHUTDOWN_TIMEOUT_S` bounds the whole graceful part; after it the group cancels whatever is left.

/// A part that starts, runs until graceful shutdown begins, then stops and returns: the HTTP server, the
/// coach drain, the worker, the scheduler and the metrics listener. `name` is what the group logs.
struct StartStopService: Service {
    let name: String
    var start: @Sendable () async throws -> Void = {}
    let stop: @Sendable () async -> Void

    func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await stop()
    }

    /// Vapor's HTTP server (`serve`, `api`, `coach`): stops accepting, then finishes the requests in flight.
    static func http(_ app: Application) -> Self {
        Self(name: "http-server", start: { try await app.server.start(address: nil) }, stop: { await app.server.shutdown() })
    }

    /// Ends the open coach streams first, while their connections are still open, so the terminal frames reach
    /// the clients before the server stops.
    static func coachDrain(_ coach: CoachService) -> Self {
        Self(name: "coach-drain", stop: { await coach.shutdown() })
    }

    /// The job worker: stops claiming, lets running jobs finish (`WORKER_DRAIN_S`), releases the rest.
    static func worker(_ worker: JobWorker) -> Self {
        Self(name: "worker", start: { worker.start() }, stop: { await worker.stop() })
    }

    /// The briefing scheduler (leader lease in the database: running two is safe).
    static func scheduler(_ scheduler: BriefingScheduler) -> Self {
        Self(name: "scheduler", start: { scheduler.start() }, stop: { scheduler.stop() })
    }

    /// With `METRICS_PORT`: `/metrics` on its own port, in every long-running role.
    static func metrics(_ server: MetricsServer, _ app: Application) -> Self {
        Self(name: "metrics-listener", start: { try await server.start(app) }, stop: { await server.stop() })
    }
}

/// On Postgres, the `LISTEN` connection that wakes an idle worker as soon as a job is committed.
struct JobListenerService: Service {
    let listener: PostgresJobListener

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await listener.run()
        }
    }
}

/// Runs `body` until it returns or graceful shutdown begins, whichever is first (then `body` is cancelled).
private func cancelWhenGracefulShutdown(_ body: @escaping @Sendable () async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await body() }
        group.addTask { try? await gracefulShutdown() }
        _ = await group.next()
        group.cancelAll()
    }
}

extension ProcessRole {
    /// The services this role runs, in start order (the group stops them in reverse; see the top of this file).
    func services(_ app: Application) -> [any Service] {
        let services = app.strideIQ
        var list: [any Service] = []
        if let port = app.config.metricsPort {
            let server = MetricsServer(host: app.config.metricsHost ?? app.config.host, port: port)
            list.append(StartStopService.metrics(server, app))
        }
        if runsWorker, let listener = services.jobListener {
            list.append(JobListenerService(listener: listener))
        }
        if runsWorker { list.append(StartStopService.worker(services.worker)) }
        if runsScheduler { list.append(StartStopService.scheduler(services.scheduler)) }
        if servesHTTP { list.append(StartStopService.http(app)) }
        if servesCoach { list.append(StartStopService.coachDrain(app.coach)) }
        return list
    }

    /// One group for the process: graceful shutdown on SIGTERM and SIGINT, bounded by `SHUTDOWN_TIMEOUT_S`.
    func serviceGroup(_ app: Application) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: services(app).map {
                ServiceGroupConfiguration.ServiceConfiguration(service: $0, serviceName: ($0 as? StartStopService)?.name ?? "job-listener")
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: app.logger)
        configuration.maximumGracefulShutdownDuration = .seconds(app.config.shutdownTimeout)
        configuration.maximumCancellationDuration = .seconds(2)
        return ServiceGroup(configuration: configuration)
    }
}
