import NIOPosix
import StrideIQSupport
import Vapor

#if canImport(Glibc)
    import Glibc
#endif

/// bcrypt for logins and registrations, on threads of its own that run at a low CPU priority.
///
/// A check keeps a core busy for a quarter of a second at the default cost. On Vapor's shared thread pool, at
/// the event loops' priority, logins arriving that fast took cores from the event loops, and every other
/// route's tail latency grew with them. Here the operating system gives a check only the CPU the event loops
/// leave idle: an idle server checks a password as fast as before (there is nothing to yield to), and a busy
/// one answers its other requests first while logins wait a little longer.
///
/// At most `AppConfig.bcryptMaxConcurrency` checks run at once, one per thread; the rest wait in `gate`, in
/// arrival order, without holding a thread (a caller that waits has already reserved its login attempt, so
/// waiting is never a failure). Started with the app and shut down with it (`PasswordHashingShutdown`).
final class PasswordHashing: Sendable {
    /// Niceness of the hashing threads (0 is the default, 19 the lowest). At 10 a check weighs about a tenth of
    /// an event loop thread when both want the core, so the event loops win each contended moment, yet a server
    /// kept fully busy still finishes a login in a few seconds instead of starving it (as 19 would, at ~1.5 %).
    static let niceness: Int32 = 10

    let cost: Int
    /// Every hash and verify waits here for one of the pool's threads.
    let gate: AsyncGate
    private let pool: NIOThreadPool

    init(cost: Int, threads: Int) {
        self.cost = cost
        gate = AsyncGate(permits: threads)
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await run { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, created hash: String) async throws -> Bool {
        try await run { try Bcrypt.verify(password, created: hash) }
    }

    /// Runs `body` on a hashing thread, at its low priority, once `gate` lets it.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await gate.withPermit {
            try await pool.runIfActive {
                Self.lowerCurrentThreadPriority()
                return try body()
            }
        }
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// The calling thread's niceness. On Linux the nice value belongs to each thread, and `who` 0 names the
    /// calling one.
    static func currentThreadNiceness() -> Int32 {
        #if os(Linux)
            return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
            return 0
        #endif
    }

    /// Idempotent, and a system call per check is nothing beside the check. Elsewhere than Linux a no-op: the
    /// priority then stays the default.
    private static func lowerCurrentThreadPriority() {
        #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}

/// Stops the hashing threads with the app.
struct PasswordHashingShutdown: LifecycleHandler {
    let hashing: PasswordHashing
    func shutdownAsync(_ application: Application) async { await hashing.shutdown() }
}
