import Synchronization

/// A value shared between tasks, guarded by a `Mutex`. `Mutex` itself cannot be shared by reference (it is
/// `~Copyable`); this is the one class that wraps it, for state that several closures or tasks hold on to.
public final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { mutex = Mutex(value) }

    public func withLock<R, E: Error>(_ body: (inout sending Value) throws(E) -> sending R) throws(E) -> sending R {
        try mutex.withLock(body)
    }

    /// A copy of the value now.
    public var current: Value { mutex.withLock { $0 } }
}
