import NIOPosix
import StrideIQSupport
import Synchronization
import Vapor

#if canImport(Glibc)
    import Glibc
#endif

/// bcrypt for logins and registrations, on threads of its own that take only CPU nobody else wants.
///
/// A check keeps a core busy for a quarter of a second at the default cost. On Vapor's shared thread pool, at
/// the event loops' priority, logins arriving that fast took cores from the event loops, and every other
/// route's tail latency grew with them. Niceness alone did not stop it: with checks at niceness 10, `/ping`'s
/// p99 still went from about 0.6 ms to 2–4 ms while logins saturated (`scripts/bench-home`; the milliseconds were
/// event loops waiting for a CPU). So checks run in two lanes:
///
/// - **The idle lane** (`AppConfig.bcryptMaxConcurrency` threads at `SCHED_IDLE`, `IdlePriorityThread`). The
///   kernel gives such a thread a core mostly when nothing else wants it, and takes it back the moment a thread of
///   this process wakes there. An idle server checks a password as fast as ever; a busy one answers its other
///   requests first and logins wait. Not always: at a timer tick the scheduler can still pick the idle thread
///   over an event loop whose slice ran out, for the rest of that tick (`perf sched`, 2026-12-05; README,
///   Benchmarks).
/// - **The fallback lane** (one thread, niceness 10). `SCHED_IDLE` can starve: while every core stays busy, an
///   idle-lane check makes no progress at all (under `/ping` at full speed, the idle lane got 23 ms of CPU in
///   2 s). A check still unanswered once the idle lane has been stalled for `idleGrace` (busy, yet it finished no
///   check and its threads got under 5 % of a core; the CPU test keeps a long check that is making progress,
///   at a high cost, out of it) is also started here, where it gets about a tenth of a contended core, and the
///   first answer wins. A lagging copy's answer is dropped, and a copy that has not started when the answer
///   comes never runs. A thread cannot leave `SCHED_IDLE` without `CAP_SYS_NICE`, hence a second lane rather
///   than raising the starved thread.
///
/// Waiting is never a failure (a caller that waits has already reserved its login attempt). Started with the app
/// and shut down with it (`PasswordHashingShutdown`).
final class PasswordHashing: Sendable {
    /// Niceness of the fallback thread (0 is the default, 19 the lowest), and of the idle lane's threads where
    /// the system refuses `SCHED_IDLE`. At 10 a check weighs about a tenth of an event loop thread when both want
    /// the core, yet a server kept fully busy still finishes a login in a few seconds.
    static let niceness: Int32 = 10
    /// The idle lane's scheduling policy (`SCHED_IDLE`).
    static let idlePolicy = IdlePriorityThread.policy

    let cost: Int
    /// How long the idle lane may go without finishing a check, while busy, before waiting checks are also
    /// started in the fallback lane.
    let idleGrace: Duration
    /// Idle-lane checks running or waiting (one permit per idle thread).
    let gate: AsyncGate
    private let idleThreads: [IdlePriorityThread]
    private let fallbackGate = AsyncGate(permits: 1)
    private let fallbackPool: NIOThreadPool
    /// The idle threads without a check, how many have one, and when the idle lane last finished a check or went
    /// from empty to busy. Taken by normal threads only, never by an idle one (`IdlePriorityThread`).
    private let idleLane: Mutex<(free: [IdlePriorityThread], running: Int, lastProgress: ContinuousClock.Instant)>

    /// The default `idleGrace`: about 32 checks' time at `cost` (8 s at the default 12; each step of the cost
    /// doubles a check), at least 100 ms. Long enough that a flood of logins on a busy server leaves the other
    /// routes alone for seconds (at 2 s the fallback lane ran through `scripts/bench-home`'s 5 s `/ping` window and
    /// its p99 went back to 3×), short enough that a login on a saturated server is still answered.
    static func defaultIdleGrace(cost: Int) -> Duration {
        .milliseconds(max(100, Int(8000 * pow(2, Double(cost - 12)))))
    }

    init(cost: Int, threads: Int, idleGrace: Duration? = nil) {
        self.cost = cost
        self.idleGrace = idleGrace ?? Self.defaultIdleGrace(cost: cost)
        gate = AsyncGate(permits: threads)
        idleThreads = (0..<threads).map { IdlePriorityThread(name: "bcrypt-idle-\($0)", niceness: Self.niceness) }
        idleLane = Mutex((idleThreads, 0, .now))
        fallbackPool = NIOThreadPool(numberOfThreads: 1)
        fallbackPool.start()
    }

    func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await run { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, created hash: String) async throws -> Bool {
        try await run { try Bcrypt.verify(password, created: hash) }
    }

    /// Runs `body` in the idle lane, and also in the fallback lane if the idle lane stalls (see the type's
    /// comment); the first answer is returned. `body` must be a pure function of its inputs: it may run twice.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let answer = FirstAnswer<T>()
        return try await withCheckedThrowingContinuation { continuation in
            answer.wait(continuation)
            Task { await self.runIdle(body, answer) }
            let watchdog = Task { await self.fallBackIfStalled(body, answer) }
            answer.onAnswer { watchdog.cancel() }
        }
    }

    private func runIdle<T: Sendable>(_ body: @escaping @Sendable () throws -> T, _ answer: FirstAnswer<T>) async {
        do {
            let result = try await gate.withPermit { () async throws -> Result<T, any Error>? in
                guard !answer.isAnswered else { return nil }
                // The gate's permits match the threads, so a permit holder always finds one free.
                let thread = idleLane.withLock { lane -> IdlePriorityThread in
                    if lane.running == 0 { lane.lastProgress = .now }
                    lane.running += 1
                    return lane.free.removeLast()
                }
                defer {
                    idleLane.withLock { lane in
                        lane.running -= 1
                        lane.lastProgress = .now
                        lane.free.append(thread)
                    }
                }
                return try await thread.run { Result(catching: body) }
            }
            if let result { answer.give(result) }
        } catch {
            answer.give(.failure(error))
        }
    }

    /// Every `idleGrace` until the check is answered: if the idle lane has been stalled for that long (busy,
    /// finished nothing, and got under 5 % of a core), run the check in the fallback lane too.
    private func fallBackIfStalled<T: Sendable>(_ body: @escaping @Sendable () throws -> T, _ answer: FirstAnswer<T>) async {
        while !answer.isAnswered {
            let cpuBefore = idleLaneCPU()
            do { try await Task.sleep(for: idleGrace) } catch { return }
            let waited = idleLane.withLock { $0.running > 0 && ContinuousClock.now - $0.lastProgress >= idleGrace }
            guard waited, idleLaneCPU() - cpuBefore < idleGrace / 20, !answer.isAnswered else { continue }
            do {
                let result = try await fallbackGate.withPermit { () async throws -> Result<T, any Error>? in
                    guard !answer.isAnswered else { return nil }
                    return try await fallbackPool.runIfActive {
                        Self.lowerCurrentThreadPriority()
                        return Result(catching: body)
                    }
                }
                if let result { answer.give(result) }
            } catch {
                answer.give(.failure(error))
            }
            return
        }
    }

    /// CPU time the idle lane's threads have had (zero where threads have no CPU clock).
    private func idleLaneCPU() -> Duration {
        idleThreads.reduce(.zero) { $0 + $1.cpuTime() }
    }

    func shutdown() async {
        for thread in idleThreads { thread.stop() }
        try? await fallbackPool.shutdownGracefully()
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

    /// The calling thread's scheduling policy (0 is the default, `idlePolicy` the idle lane's).
    static func currentThreadPolicy() -> Int32 {
        #if os(Linux)
            return sched_getscheduler(0)
        #else
            return 0
        #endif
    }

    private static func lowerCurrentThreadPriority() {
        #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}

/// The first of the lanes' answers to one check, handed to its waiting caller once; later answers are dropped.
private final class FirstAnswer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var answered = false
        var onAnswer: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    var isAnswered: Bool { state.withLock { $0.answered } }

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `action` when the answer comes (at once if it already has).
    func onAnswer(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.answered { return true }
            state.onAnswer = action
            return false
        }
        if now { action() }
    }

    func give(_ result: Result<T, any Error>) {
        let taken = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?)? in
            guard !state.answered else { return nil }
            state.answered = true
            defer { (state.continuation, state.onAnswer) = (nil, nil) }
            return (state.continuation, state.onAnswer)
        }
        guard let (continuation, action) = taken else { return }
        continuation?.resume(with: result)
        action?()
    }
}

/// Stops the hashing threads with the app.
struct PasswordHashingShutdown: LifecycleHandler {
    let hashing: PasswordHashing
    func shutdownAsync(_ application: Application) async { await hashing.shutdown() }
}
