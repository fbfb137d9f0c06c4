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
// 1. `CoachDrainService`: every open coach stream gets `error {shutting_down}` + `done`; new turns are refused.
// 2. `HTTPServerService`: stops accepting connections and finishes the requests in flight.
// 3. `SchedulerService`: stops ticking.
// 4. `WorkerService`: stops claiming, lets running jobs finish (bounded), releases the rest to the queue.
// 5. `JobListenerService`: closes the LISTEN connection that wakes the worker.
// 6. `MetricsListenerService`: the `METRICS_PORT` server, last, so the drain can still be scraped.
//
// Then `StrideIQProcess` shuts the app down: database pools, the cache and the LLM HTTP client close.
// `SHUTDOWN_TIMEOUT_S` bounds the whole graceful part; after it the group cancels whatever is left.

/// The HTTP server of `serve`, `api` and `coach` (Vapor's server, started and stopped by the group).
struct HTTPServerService: Service {
    let app: Application

    func run() async throws {
        try await app.server.start(address: nil)  // the configured hostname and port
        try? await gracefulShutdown()
        await app.server.shutdown()
    }
}

/// Ends the open coach streams first, while their connections are still open, so the terminal frames reach
/// the clients before the server stops.
struct CoachDrainService: Service {
    let coach: CoachService

    func run() async throws {
        try? await gracefulShutdown()
        await coach.shutdown()
    }
}

/// The job worker (`WORKER_CONCURRENCY` jobs in flight).
struct WorkerService: Service {
    let worker: JobWorker

    func run() async throws {
        worker.start()
        try? await gracefulShutdown()
        await worker.stop()
    }
}

/// The briefing scheduler (leader lease in the database: running two is safe).
struct SchedulerService: Service {
    let scheduler: BriefingScheduler

    func run() async throws {
        scheduler.start()
        try? await gracefulShutdown()
        scheduler.stop()
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

/// With `METRICS_PORT`: `/metrics` on its own port, in every long-running role.
struct MetricsListenerService: Service {
    let server: MetricsServer
    let app: Application

    func run() async throws {
        try await server.start(app)
        try? await gracefulShutdown()
        await server.stop()
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
            list.append(
                MetricsListenerService(server: MetricsServer(host: app.config.metricsHost ?? app.config.host, port: port), app: app))
        }
        if runsWorker, let listener = services.jobListener {
            list.append(JobListenerService(listener: listener))
        }
        if runsWorker { list.append(WorkerService(worker: services.worker)) }
        if runsScheduler { list.append(SchedulerService(scheduler: services.scheduler)) }
        if servesHTTP { list.append(HTTPServerService(app: app)) }
        if servesCoach { list.append(CoachDrainService(coach: app.coach)) }
        return list
    }

    /// One group for the process: graceful shutdown on SIGTERM and SIGINT, bounded by `SHUTDOWN_TIMEOUT_S`.
    func serviceGroup(_ app: Application) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: services(app).map {
                ServiceGroupConfiguration.ServiceConfiguration(service: $0, serviceName: String(describing: type(of: $0)))
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: app.logger)
        configuration.maximumGracefulShutdownDuration = .seconds(app.config.shutdownTimeout)
        configuration.maximumCancellationDuration = .seconds(2)
        return ServiceGroup(configuration: configuration)
    }
}
