import Synchronization
import Dispatch
import Vapor

/// The process roles of DESIGN.md. `serve` runs everything in one process; the others run one part each and
/// need a shared cache (Redis) so that what one process writes, the others read.
public enum ProcessRole: String, CaseIterable, Sendable {
    case serve, api, coach, worker, scheduler

    /// Roles that run apart from the others and therefore need the shared cache.
    var isSplit: Bool { self != .serve }

    /// The role named on the command line (`strideiq worker` …); anything else is not a long-running role.
    static func fromCommandLine(_ arguments: [String]) -> ProcessRole? {
        let command = arguments.dropFirst().first { !$0.hasPrefix("-") }
        guard let command else { return .serve } // Vapor's default command is serve
        return ProcessRole(rawValue: command)
    }
}

/// `serve` also runs the worker and the scheduler in-process; they stop (draining) when the app shuts down.
struct InProcessBackground: LifecycleHandler {
    func didBootAsync(_ app: Application) async throws {
        app.strideIQ.worker.start()
        app.strideIQ.scheduler.start()
    }

    func shutdownAsync(_ app: Application) async {
        // Open coach streams get their terminal frames first (the worker's drain may take a while).
        _ = await app.coach.shutdown()
        app.strideIQ.scheduler.stop()
        await app.strideIQ.worker.stop()
    }
}

/// `strideiq worker`: runs jobs until SIGTERM/SIGINT, then stops claiming, drains and exits.
struct WorkerCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Run background jobs (briefing generation); WORKER_CONCURRENCY jobs in flight" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        app.strideIQ.worker.start()
        let signal = await TerminationSignal.wait()
        app.logger.notice("worker stopping", metadata: ["signal": "\(signal)"])
        await app.strideIQ.worker.stop()
    }
}

/// `strideiq scheduler`: enqueues periodic refreshes; safe to run twice (leader lease).
struct SchedulerCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Enqueue briefing refreshes for active athletes every SCHEDULER_INTERVAL_S" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        app.strideIQ.scheduler.start()
        let signal = await TerminationSignal.wait()
        app.logger.notice("scheduler stopping", metadata: ["signal": "\(signal)"])
        app.strideIQ.scheduler.stop()
    }
}

/// A split role with a process-local cache would write briefings and counters nobody else can read.
func requireSharedCache(_ app: Application, role: String) throws {
    guard app.cache.isShared else {
        throw RoleError(message: "strideiq \(role) runs as a separate process and needs a shared cache: set REDIS_URL (the in-memory cache is per process). To run everything in one process use `strideiq serve`.")
    }
}

struct RoleError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Waits for SIGTERM or SIGINT (and stops them from killing the process first).
enum TerminationSignal {
    static func wait() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let once = OnceFlag()
            var sources: [any DispatchSourceSignal] = []
            for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    if once.set() { continuation.resume(returning: name) }
                }
                source.resume()
                sources.append(source)
            }
            Keep.alive(sources)
        }
    }

    /// Signal sources must outlive this call.
    private enum Keep {
        nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []
        static func alive(_ new: [any DispatchSourceSignal]) { sources += new }
    }
}

final class OnceFlag: Sendable {
    private let flag = Mutex(false)
    /// True the first time only.
    func set() -> Bool { flag.withLock { value in defer { value = true }; return !value } }
}
