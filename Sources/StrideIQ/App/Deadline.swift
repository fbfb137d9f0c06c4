import Synchronization

struct DeadlineExceeded: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "deadline of \(timeout) exceeded" }
}

/// Runs `operation` with a call-site deadline. On timeout the operation's task is cancelled and the caller
/// gets `DeadlineExceeded` at once — without waiting for an operation that ignores cancellation (a task group
/// would wait for it). Cancelling the caller cancels the operation too.
func withDeadline<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = Race<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let work = Task { race.finish(await Result(catching: operation)) }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                race.finish(.failure(DeadlineExceeded(timeout: timeout)))
            }
            race.onFinish { work.cancel(); timer.cancel() }
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
        let early: Result<T, any Error>? = state.withLock { s in
            if let early = s.early { s.done = true; return early }
            s.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { s in
            if s.done { return true }
            s.cleanup = cleanup
            return false
        }
        if runNow { cleanup() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, cleanup): (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) = state.withLock { s in
            guard !s.done else { return (nil, nil) }
            guard let c = s.continuation else {
                if s.early == nil { s.early = result }
                return (nil, nil)
            }
            s.done = true
            s.continuation = nil
            let cleanup = s.cleanup
            s.cleanup = nil
            return (c, cleanup)
        }
        continuation?.resume(with: result)
        cleanup?()
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
