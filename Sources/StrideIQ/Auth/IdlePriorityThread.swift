import Dispatch
import Foundation
import StrideIQSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One thread that runs at `SCHED_IDLE` for its whole life, one job at a time (`PasswordHashing`'s idle lane).
///
/// Such a thread can be kept off every core for seconds while the others are busy, so it must never hold
/// anything a normal thread waits for: a lock held by a starved thread stalls whoever wants it next (a thread
/// pool's queue lock, an event loop's task queue). So nothing here takes a lock on the idle thread. A job
/// arrives through an atomic slot and a semaphore (posting it never waits), and its answer leaves through a
/// continuation (resuming enqueues the waiting task without waiting). The caller keeps the thread busy with
/// at most one job at a time. An unprivileged thread cannot leave `SCHED_IDLE`, so the thread is made for the
/// lane instead of borrowed from a pool.
final class IdlePriorityThread: Sendable {
    /// `SCHED_IDLE` from `<bits/sched.h>`, which defines it for `_GNU_SOURCE` only.
    static let policy: Int32 = 5

    private final class Job: Sendable {
        let work: @Sendable () -> Void
        init(_ work: @escaping @Sendable () -> Void) { self.work = work }
    }

    /// Thrown by `run` once the thread is stopped.
    struct Stopped: Error {}

    private let slot = Atomic<Unmanaged<Job>?>(nil)
    private let posted = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    /// The thread's CPU clock, once it has started (nil before, and where threads have none).
    private let clockID = Atomic<Int32>(-1)

    /// Starts the thread. `niceness` is set first, so a system that refuses `SCHED_IDLE` (a seccomp filter)
    /// still runs the jobs low.
    init(name: String, niceness: Int32) {
        let thread = Thread { [self] in
            #if os(Linux)
                ThreadName.setCurrent(name)
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
                var param = sched_param(sched_priority: 0)
                _ = sched_setscheduler(0, Self.policy, &param)
                var id = clockid_t()
                if pthread_getcpuclockid(pthread_self(), &id) == 0 { clockID.store(id, ordering: .releasing) }
            #endif
            while !stopping.load(ordering: .acquiring) {
                posted.wait()
                slot.exchange(nil, ordering: .acquiringAndReleasing)?.takeRetainedValue().work()
            }
            // A job posted while stopping is answered here, or taken back by its poster (`run`).
            slot.exchange(nil, ordering: .acquiringAndReleasing)?.takeRetainedValue().work()
        }
        thread.start()
    }

    /// Runs `body` on the thread. The caller must not post a second job before this one answers.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job = Unmanaged.passRetained(Job { continuation.resume(returning: body()) })
            let previous = slot.exchange(job, ordering: .acquiringAndReleasing)
            precondition(previous == nil, "an IdlePriorityThread runs one job at a time")
            posted.signal()
            // Stopped meanwhile: whoever takes the job out of the slot answers it, the thread or this.
            if stopping.load(ordering: .acquiring),
                slot.compareExchange(expected: job, desired: nil, ordering: .acquiringAndReleasing).exchanged
            {
                job.release()
                continuation.resume(throwing: Stopped())
            }
        }
    }

    /// CPU time the thread has had.
    func cpuTime() -> Duration {
        #if os(Linux)
            let id = clockID.load(ordering: .acquiring)
            var time = timespec()
            guard id != -1, clock_gettime(id, &time) == 0 else { return .zero }
            return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
        #else
            return .zero
        #endif
    }

    /// Ends the thread once its current job (if any) is done.
    func stop() {
        stopping.store(true, ordering: .releasing)
        posted.signal()
    }
}
