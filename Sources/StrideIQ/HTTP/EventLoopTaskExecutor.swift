import NIOCore
import Vapor

/// Runs a task's jobs on one NIO event loop (a Swift `TaskExecutor`, SE-0417).
///
/// A route handler is a task, and by default its jobs run on Swift's global executor: the handler starts on a
/// pool thread, and every `await` on the database, the shared cache or the response write resumes it there
/// through a wake of that pool (a futex and two context switches), while the I/O itself completes on the
/// request's event loop. With this executor preferred, the handler starts on the request's loop and resumes
/// there: no thread changes hands on the way.
///
/// Only for handlers that do no blocking or long CPU work of their own: everything else on that loop waits
/// while a job runs. Work that would block is already moved to the thread pool (`threadPool.runIfActive`).
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// One `EventLoopTaskExecutor` per event loop, made on first use.
final class EventLoopTaskExecutors: Sendable {
    private let executors = PerEventLoop<EventLoopTaskExecutor>()

    func executor(for eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        executors.value(for: eventLoop) { EventLoopTaskExecutor(eventLoop) }
    }
}
