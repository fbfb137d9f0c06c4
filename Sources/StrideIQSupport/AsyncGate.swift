import Synchronization

/// A FIFO async semaphore (a mutex at one permit, the default): waiters suspend (no thread is held) until a
/// permit is free, and get it in arrival order.
public final class AsyncGate: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>
    public let permits: Int

    public init(permits: Int = 1) {
        precondition(permits >= 1, "an AsyncGate needs at least one permit")
        self.permits = permits
        state = Mutex(State(free: permits))
    }

    /// Holders right now (at most `permits`).
    public var inUse: Int { state.withLock { permits - $0.free } }
    /// Callers suspended waiting for a permit.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    public func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    /// Hands the permit straight to the first waiter (it stays taken), else frees it.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
