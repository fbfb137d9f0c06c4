import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Wakes an idle worker when a job may be ready, so a new job starts within milliseconds instead of after a
/// poll interval. Signals come from this process's enqueues and, on Postgres, from `LISTEN strideiq_jobs`
/// (every enqueue sends `NOTIFY` in its transaction, so the signal arrives only once the job is committed).
/// The worker still polls slowly as a safety net.
final class JobWakeups: Sendable {
    static let channel = "strideiq_jobs"
    private let pending = Mutex<(signalled: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = pending.withLock { state -> CheckedContinuation<Void, Never>? in
            if let w = state.waiter {
                state.waiter = nil
                return w
            }
            state.signalled = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when signalled (or at once if a signal arrived since the last wait), or after `timeout`.
    /// One waiter at a time (the worker loop).
    func wait(upTo timeout: Duration) async {
        let timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }  // cancelled: the wait is already over
            self?.signal()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = pending.withLock { state -> Bool in
                if state.signalled {
                    state.signalled = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }
}

/// Keeps one Postgres connection listening on `JobWakeups.channel`, reconnecting with backoff.
struct PostgresJobListener: Sendable {
    let configuration: PostgresConnection.Configuration
    let wakeups: JobWakeups
    let logger: Logger

    func run() async {
        var delay: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                delay = .milliseconds(200)
                do {
                    try await connection.listen(on: JobWakeups.channel) { notifications in
                        wakeups.signal()  // anything enqueued while we were away
                        for try await _ in notifications { wakeups.signal() }
                    }
                } catch {
                    // PostgresNIO requires every connection to be closed before it is released, even one the
                    // server already dropped (a database restart): otherwise it asserts and the worker dies.
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning("job listener disconnected; polling until it is back", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
    }
}
