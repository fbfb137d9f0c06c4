import Foundation
import NIOCore
import StrideIQSupport

/// Runs `operation` until `deadline` (the call-site deadline), with the shared deadline's semantics: when the
/// deadline passes first the operation's task is cancelled (which cancels its HTTP request) and the caller gets
/// `LLMError.timeout(.deadline)` at once. Every error is mapped to `LLMError`.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    redactor: Redactor = Redactor(secrets: []),
    _ operation: @escaping @Sendable () async throws -> T
) async throws(LLMError) -> T {
    do {
        return try await StrideIQSupport.withDeadline(until: deadline, operation)
    } catch is DeadlineExceeded {
        throw .timeout(.deadline)
    } catch {
        if Task.isCancelled { throw .cancelled }
        throw LLMError.map(error, redactor: redactor)
    }
}

/// Progress of one streamed call, shared between the reader and its watchdog.
struct StreamProgress: Sendable {
    var lastActivity: ContinuousClock.Instant
    var firstTokenAt: ContinuousClock.Instant?
    /// The reader is waiting for its consumer (`StreamFlow`), not for the provider: no idle timeout meanwhile.
    var heldBack = false
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
        } else if snapshot.heldBack {
            due = deadline
            kind = .deadline
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
