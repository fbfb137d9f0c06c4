import Synchronization

/// The call-site deadline passed before the operation finished.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let timeout: Duration
    public init(timeout: Duration) { self.timeout = timeout }
    public var description: String { "deadline of \(timeout) exceeded" }
}

/// Runs `operation` with a call-site deadline `timeout` from now. See `withDeadline(until:_:)`.
public func withDeadline<T: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await raceDeadline(operation, until: .now + timeout, reporting: timeout)
}

/// Runs `operation` until `deadline`. When the deadline passes first, the operation's task is cancelled and the
/// caller gets `DeadlineExceeded` at once — without waiting for an operation that ignores cancellation (a task
/// group would wait for it). Cancelling the caller cancels the operation and throws `CancellationError`.
public func withDeadline<T: Sendable>(
    until deadline: ContinuousClock.Instant,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await raceDeadline(operation, until: deadline, reporting: ContinuousClock.now.duration(to: deadline))
}

private func raceDeadline<T: Sendable>(
    _ operation: @escaping @Sendable () async throws -> T,
    until deadline: ContinuousClock.Instant,
    reporting timeout: Duration
) async throws -> T {
    let race = Race<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let work = Task { race.finish(await Result(catching: operation)) }
            let timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                race.finish(.failure(DeadlineExceeded(timeout: timeout)))
            }
            race.onFinish {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// Resumes a continuation with whichever result arrives first; later ones are dropped.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var cleanup: (@Sendable () -> Void)?
        var done = false
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { state in
            if let early = state.early {
                state.done = true
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            if state.done { return true }
            state.cleanup = cleanup
            return false
        }
        if runNow { cleanup() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, cleanup) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.done else { return (nil, nil) }
            guard let continuation = state.continuation else {
                // Finished before `start` handed over the continuation (cancelled before it began).
                if state.early == nil { state.early = result }
                return (nil, nil)
            }
            state.done = true
            state.continuation = nil
            let cleanup = state.cleanup
            state.cleanup = nil
            return (continuation, cleanup)
        }
        continuation?.resume(with: result)
        cleanup?()
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing call.
    public init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
