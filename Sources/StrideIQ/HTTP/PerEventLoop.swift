import NIOCore
import Synchronization

/// One value per event loop, made on first use on that loop and then shared by everything that runs on it
/// (`LoopDatabases`, `EventLoopTaskExecutors`).
final class PerEventLoop<Value: Sendable>: Sendable {
    private let values = Mutex<[ObjectIdentifier: Value]>([:])

    /// The loop's value; `make` runs outside the lock, at most once per loop unless two callers race on the
    /// first use, and then the first one stored wins.
    func value(for eventLoop: any EventLoop, make: () -> Value) -> Value {
        let key = ObjectIdentifier(eventLoop)
        if let known = values.withLock({ $0[key] }) { return known }
        let made = make()
        return values.withLock { values in
            if let known = values[key] { return known }
            values[key] = made
            return made
        }
    }
}
