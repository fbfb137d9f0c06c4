import ArgumentParser
import LatencyCheck
import StrideIQ

/// `strideiq`: the command tree. Parsing and help never read the configuration, create a file or open a
/// database; only a command that runs something does (through `StrideIQProcess`). A bad command or flag
/// exits 64 (`EX_USAGE`) with the usage on stderr; an invalid setting exits 78 (`EX_CONFIG`).
struct StrideIQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strideiq",
        abstract: "StrideIQ, an AI running coach: the API, the coach, the background jobs and their tools.",
        discussion: """
            Every command that runs reads its settings from the environment once (see the README's \
            Configuration table); every invalid setting is reported together and the process exits 78. \
            The embedded default, `strideiq serve`, needs nothing else: SQLite under ./data, an in-memory \
            cache and an offline coach.
            """,
        subcommands: [
            Serve.self, API.self, Coach.self, Worker.self, Scheduler.self, Migrate.self, SeedDemoCommand.self,
            Routes.self, InspectActivityFile.self, LatencyCheckListing.self, BenchAnalytics.self,
        ])

    /// Parses `arguments` and runs the chosen command; exits with its code (64 for a usage error).
    /// Spelled out rather than `main()`: top-level code resolves that (and `run()`) to `ParsableCommand`'s
    /// synchronous versions, which refuse async commands. In an async function the async ones are chosen.
    static func run(_ arguments: [String]) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// The settings each command reads, for its help text.
enum Settings {
    static let common = "STRIDEIQ_ENV, DATA_DIR, DATABASE_URL, REDIS_URL, SECRET_KEY, LOG_FORMAT, LOG_LEVEL, AUTO_MIGRATE"
    static let http = "HOST, PORT, TRUSTED_PROXIES, METRICS_PORT, METRICS_HOST, METRICS_TOKEN, SHUTDOWN_TIMEOUT_S"
    static let auth = "BCRYPT_COST, BCRYPT_MAX_CONCURRENCY, ACCESS_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S, AUTH_RATE_LIMIT_PER_MIN"
    static let briefings = "LLM_*, BRIEFING_LLM_* (+ _FALLBACK_*), BRIEFING_PROVIDER_TIMEOUT_S, BRIEFING_JOB_TIMEOUT_S, BRIEFING_COOLDOWN_S"
    static let worker = "WORKER_CONCURRENCY, WORKER_LEASE_S"
    static let scheduler = "SCHEDULER_INTERVAL_S"
    static let coach = """
        LLM_*, COACH_LLM_* (+ _FALLBACK_*), COACH_STREAM_TIMEOUT_S, COACH_HEARTBEAT_S, COACH_MAX_STREAMS, \
        COACH_MAX_STREAMS_PER_ATHLETE, COACH_DAILY_MESSAGE_BUDGET
        """

    static func discussion(_ what: String, reads groups: [String]) -> String {
        what + "\n\nEnvironment: " + groups.joined(separator: ", ") + "."
    }
}

/// `--hostname` and `--port`, which override HOST and PORT.
struct ListenOptions: ParsableArguments {
    @Option(help: "Address to listen on (overrides HOST; default 127.0.0.1).")
    var hostname: String?

    @Option(help: ArgumentHelp("Port to listen on (overrides PORT; default 8080).", valueName: "port"))
    var port: Int?

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
    }
}

/// Runs a process role and exits with its code.
private func runRole(_ role: ProcessRole, _ listen: ListenOptions? = nil) async throws {
    let code = await StrideIQProcess.run(role, hostname: listen?.hostname, port: listen?.port)
    if code != 0 { throw ExitCode(code) }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run everything in one process: the API, the coach, the briefing worker and the scheduler.",
        discussion: Settings.discussion(
            """
            The embedded default. Applies pending migrations on start unless AUTO_MIGRATE is off (production). \
            SIGTERM or SIGINT shuts down gracefully: open coach streams end with error{shutting_down} + done, \
            requests in flight finish, running jobs finish or go back to the queue.
            """,
            reads: [
                Settings.common, Settings.http, Settings.auth, Settings.briefings, Settings.worker, Settings.scheduler,
                Settings.coach,
            ]))

    @OptionGroup var listen: ListenOptions

    func run() async throws { try await runRole(.serve, listen) }
}

struct API: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the HTTP API and the web assets, without /v1/coach/* (stateless; run many).",
        discussion: Settings.discussion(
            "Needs a shared cache (REDIS_URL) because it runs apart from the worker and the coach.",
            reads: [Settings.common, Settings.http, Settings.auth, Settings.briefings]))

    @OptionGroup var listen: ListenOptions

    func run() async throws { try await runRole(.api, listen) }
}

struct Coach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve only /v1/coach/* (and /ping, /health): long-lived SSE streams in their own process.",
        discussion: Settings.discussion(
            "Needs a shared cache (REDIS_URL). COACH_MAX_STREAMS bounds the streams of this process.",
            reads: [Settings.common, Settings.http, Settings.coach]))

    @OptionGroup var listen: ListenOptions

    func run() async throws { try await runRole(.coach, listen) }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run background jobs (briefing generation), WORKER_CONCURRENCY at a time.",
        discussion: Settings.discussion(
            """
            Needs a shared cache (REDIS_URL). Serves no HTTP; with METRICS_PORT it serves /metrics on that port. \
            On SIGTERM it stops claiming, lets running jobs finish (bounded) and releases the rest to the queue.
            """,
            reads: [
                Settings.common, Settings.briefings, Settings.worker, "METRICS_PORT, METRICS_HOST, METRICS_TOKEN",
                "SHUTDOWN_TIMEOUT_S",
            ]))

    func run() async throws { try await runRole(.worker) }
}

struct Scheduler: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enqueue briefing refreshes for athletes active in the last 24 h, every SCHEDULER_INTERVAL_S.",
        discussion: Settings.discussion(
            "Needs a shared cache (REDIS_URL). Holds a leader lease in the database, so running two is safe.",
            reads: [
                Settings.common, Settings.scheduler, "BRIEFING_COOLDOWN_S", "METRICS_PORT, METRICS_HOST, METRICS_TOKEN",
                "SHUTDOWN_TIMEOUT_S",
            ]))

    func run() async throws { try await runRole(.scheduler) }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (production runs this before the roles).",
        discussion: Settings.discussion("Does not ask for confirmation, for deploy scripts.", reads: [Settings.common]))

    @Flag(help: "Revert the last batch of migrations instead.")
    var revert = false

    func run() async throws {
        let code = await StrideIQProcess.migrate(revert: revert)
        if code != 0 { throw ExitCode(code) }
    }
}

struct SeedDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-demo",
        abstract: "Create a demo athlete with 8 weeks of runs, a check-in and an active plan; print its login.",
        discussion: Settings.discussion(
            "Refuses in production. Re-running replaces the demo athletes.", reads: [Settings.common, "BCRYPT_COST"]))

    @Option(help: "Demo account email.")
    var email = "demo@strideiq.local"

    @Option(help: "IANA time zone of the demo athlete (default: this machine's).")
    var timezone: String?

    @Option(help: "How many demo athletes (benchmarks): the first is --email, then demo+2@…")
    var count = 1

    @Option(help: "Password for the demo athletes (default: a random one, printed).")
    var password: String?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let options = SeedDemo.Options(email: email, timezone: timezone, count: count, password: password)
        let code = await StrideIQProcess.seedDemo(options)
        if code != 0 { throw ExitCode(code) }
    }
}

struct BenchAnalytics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-analytics",
        abstract: "Time the analytics recompute for an athlete with years of daily runs; print a table.",
        discussion: Settings.discussion(
            """
            Creates a throwaway athlete with one run a day (and a check-in every other day) on the configured \
            database, times the full recompute and the recompute after one new activity (medians), then \
            deletes the athlete. Used by scripts/bench-analytics.
            """, reads: [Settings.common]))

    @Option(help: "Years of daily runs.")
    var years = 5

    @Option(help: "Timed runs of each case (the median is printed).")
    var runs = 7

    func validate() throws {
        guard (1...20).contains(years) else { throw ValidationError("--years must be between 1 and 20") }
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be between 1 and 100") }
    }

    func run() async throws {
        let code = await StrideIQProcess.benchAnalytics(AnalyticsBenchmark.Options(years: years, runs: runs))
        if code != 0 { throw ExitCode(code) }
    }
}

struct Routes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the routes a role serves, one METHOD /path per line.",
        discussion: "Reads no configuration and touches no file: the routes of the default configuration.")

    @Option(help: "The role whose routes to list: serve, api or coach.")
    var role: ProcessRole = .serve

    func run() async throws {
        let code = await StrideIQProcess.routes(role)
        if code != 0 { throw ExitCode(code) }
    }
}

extension ProcessRole: ExpressibleByArgument {}

/// Listed here so `strideiq --help` shows it; `main.swift` hands `latency-check` to its own parser first.
struct LatencyCheckListing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency-check",
        abstract: LatencyCheckOptions.configuration.abstract)
}
