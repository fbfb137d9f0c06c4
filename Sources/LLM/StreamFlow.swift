import Synchronization

/// Flow control for one streamed answer: a window of bytes between the provider's reader and whoever consumes
/// the stream at the end of the provider chain (the coach writing to its client).
///
/// Every layer between them (`makeLLMStream`, `FallbackChain`, the app's instrumentation) relays each event at
/// once, so the one place that must wait is the HTTP reader: `HTTPEngine` counts each delta it emits as
/// `produced` and, before it reads the next piece of the response body, waits until the consumer has reported
/// enough of them `consumed` to bring the bytes in flight under `window`. While it waits it reads nothing, so
/// the provider's socket fills and TCP slows the provider down; what sits in memory for the answer is at most
/// `window` plus one read.
///
/// Equal only to itself (it is a field of `ChatRequest`, which is compared by value in tests).
public final class StreamFlow: Sendable, Equatable {
    /// Bytes the consumer may be behind before the reader stops reading.
    public let window: Int

    private struct State {
        var inFlight = 0
        var closed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let onChange: @Sendable (Int) -> Void

    /// `onChange` gets every change of `inFlight` (positive or negative), e.g. for a process-wide gauge; after
    /// `close()` the flow counts nothing, and `close()` reports what was still in flight as gone.
    public init(window: Int, onChange: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.window = max(1, window)
        self.onChange = onChange
    }

    public static func == (lhs: StreamFlow, rhs: StreamFlow) -> Bool { lhs === rhs }

    /// Bytes handed downstream and not yet reported consumed.
    public var inFlight: Int { state.withLock { $0.inFlight } }

    /// The reader handed `bytes` downstream.
    public func produced(_ bytes: Int) {
        let counted = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.inFlight += bytes
            return true
        }
        if counted { onChange(bytes) }
    }

    /// The consumer is done with `bytes` (written them out): the reader may go on once under the window.
    public func consumed(_ bytes: Int) {
        let (change, waiter) = state.withLock { s -> (Int, CheckedContinuation<Void, Never>?) in
            let before = s.inFlight
            s.inFlight = max(0, s.inFlight - bytes)
            guard s.inFlight < window else { return (s.inFlight - before, nil) }
            defer { s.waiter = nil }
            return (s.inFlight - before, s.waiter)
        }
        if change != 0 { onChange(change) }
        waiter?.resume()
    }

    /// The consumer stopped: the reader never waits again (its task is being cancelled anyway).
    public func close() {
        let (dropped, waiter) = state.withLock { s -> (Int, CheckedContinuation<Void, Never>?) in
            let dropped = s.closed ? 0 : s.inFlight
            s.closed = true
            s.inFlight = 0
            defer { s.waiter = nil }
            return (dropped, s.waiter)
        }
        if dropped != 0 { onChange(-dropped) }
        waiter?.resume()
    }

    /// True when the reader may read on now.
    public var hasRoom: Bool { state.withLock { $0.closed || $0.inFlight < window } }

    /// Returns once the bytes in flight are under the window, the flow is closed, or the task is cancelled.
    /// One reader per flow.
    public func waitForRoom() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.closed || s.inFlight < window { return true }
                    s.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            close()
        }
    }
}
