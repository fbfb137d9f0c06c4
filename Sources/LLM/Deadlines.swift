import Foundation
import NIOCore

/// Runs `operation`, racing it against `deadline` (call-site deadline): when the deadline passes first the
/// operation's task is cancelled (which cancels its HTTP request) and `LLMError.timeout(.deadline)` is thrown.
/// Errors are mapped to `LLMError`.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    redactor: Redactor = Redactor(secrets: []),
    _ operation: @escaping @Sendable () async throws -> T
) async throws(LLMError) -> T {
    do {
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw LLMError.timeout(.deadline)
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw LLMError.cancelled
        }
    } catch {
        if Task.isCancelled { throw .cancelled }
        throw LLMError.map(error, redactor: redactor)
    }
}

/// A Sendable box guarded by a lock (the library avoids extra dependencies and `Mutex`'s availability).
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        self.lock.lock()
        defer { self.lock.unlock() }
        return try body(&self.value)
    }

    var current: Value { self.withLock { $0 } }
}

/// Progress of one streamed call, shared between the reader and its watchdog.
struct StreamProgress: Sendable {
    var lastActivity: ContinuousClock.Instant
    var firstTokenAt: ContinuousClock.Instant?
}

/// Fails with the first timeout that passes: first token, then idle between reads, bounded by `deadline`.
func streamWatchdog(
    start: ContinuousClock.Instant,
    progress: LockedBox<StreamProgress>,
    timeouts: LLMTimeouts,
    deadline: ContinuousClock.Instant
) async throws {
    while true {
        let snapshot = progress.current
        var due: ContinuousClock.Instant
        var kind: LLMError.TimeoutKind
        var wake: ContinuousClock.Instant?
        if snapshot.firstTokenAt == nil {
            due = start + timeouts.firstToken
            kind = .firstToken
            // Wake at least every `idle` so the idle clock starts on time once the first token arrived
            // (afterwards `lastActivity + idle` is never earlier than this wake-up).
            wake = ContinuousClock.now + max(timeouts.idle, .milliseconds(10))
        } else {
            due = snapshot.lastActivity + timeouts.idle
            kind = .idle
        }
        if deadline <= due {
            due = deadline
            kind = .deadline
        }
        if ContinuousClock.now >= due { throw LLMError.timeout(kind) }
        try await Task.sleep(until: min(due, wake ?? due), clock: .continuous)
    }
}

extension ContinuousClock.Instant {
    /// The same instant as a NIO deadline (for `HTTPClient.execute(_:deadline:)`).
    var nioDeadline: NIODeadline {
        let remaining = ContinuousClock.now.duration(to: self)
        return .now() + (remaining > .zero ? remaining.timeAmount : .zero)
    }
}

/// Creates a stream whose producer runs in its own task; terminating the stream (consumer cancelled or
/// stream dropped) cancels that task, which cancels the HTTP request.
func makeLLMStream(_ body: @escaping @Sendable (LLMStream.Continuation) async throws -> Void) -> LLMStream {
    let (stream, continuation) = LLMStream.makeStream()
    let task = Task {
        do {
            try await body(continuation)
            continuation.finish()
        } catch {
            continuation.finish(throwing: Task.isCancelled ? LLMError.cancelled : LLMError(error))
        }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
}
